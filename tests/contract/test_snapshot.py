import difflib

import pytest

from tests.contract.snapshot import REFRESH_COMMAND, SNAPSHOT, current_document


def test_the_published_document_is_the_committed_snapshot() -> None:
    committed = SNAPSHOT.read_text()
    current = current_document()

    if current != committed:
        diff = difflib.unified_diff(
            committed.splitlines(keepends=True),
            current.splitlines(keepends=True),
            fromfile=f"{SNAPSHOT.name} (committed)",
            tofile=f"{SNAPSHOT.name} (the app's)",
        )
        pytest.fail(
            f"The OpenAPI document is not the committed snapshot: a change to the public contract. If it is meant,"
            f" run `{REFRESH_COMMAND}` and commit the result.\n{''.join(diff)}",
            pytrace=False,
        )
