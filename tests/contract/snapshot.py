"""`make openapi-snapshot`: write the OpenAPI document the app publishes to the committed snapshot.

The snapshot is the public contract in one file: `make test` fails while the app's document differs from it,
so every change to the contract shows up in a diff, on purpose.
"""

import json
import sys
from pathlib import Path

from referrals.bootstrap.app import create_app
from tests.conftest import make_settings

SNAPSHOT = Path(__file__).with_name("openapi.json")
REFRESH_COMMAND = "make openapi-snapshot"


def current_document() -> str:
    """The document as /docs/openapi.json serves it, pretty-printed so that a change reads as a diff."""
    # Building the app opens nothing: no database is reached, whatever the URL.
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    return json.dumps(app.openapi_schema.to_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    document = current_document()
    if SNAPSHOT.is_file() and SNAPSHOT.read_text() == document:
        print(f"{SNAPSHOT.relative_to(Path.cwd())}: unchanged")
        return 0
    SNAPSHOT.write_text(document)
    print(f"{SNAPSHOT.relative_to(Path.cwd())}: written; review the diff, it is a change to the public contract")
    return 0


if __name__ == "__main__":
    sys.exit(main())
