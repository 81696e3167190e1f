"""Fetch the Swagger UI and ReDoc assets the app serves at /docs, pinned and integrity-checked.

The UIs would otherwise load their scripts from a public CDN and stay blank on an air-gapped host.
The files come from the packages' npm registry tarballs, checked against the registry's published
sha512 integrity; nothing is copied into the repository by hand. Standard library only, so it runs
wherever Python does (the Makefile's bootstrap, the container build).

    python scripts/fetch_docs_assets.py            # fetch what is missing or out of date
"""

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src" / "referrals" / "api" / "docs_assets"
STAMP = TARGET / "manifest.json"

# To update: bump the version, then take `dist.tarball` and `dist.integrity` from `npm view NAME@VERSION`.
PACKAGES = {
    "swagger-ui-dist": {
        "version": "5.35.0",
        "tarball": "https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-5.35.0.tgz",
        "integrity": "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        "files": {
            "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "package/swagger-ui-standalone-preset.js": "swagger-ui-standalone-preset.js",
            "package/swagger-ui.css": "swagger-ui.css",
            "package/favicon-32x32.png": "favicon-32x32.png",
            "package/LICENSE": "LICENSE.swagger-ui",
        },
    },
    "redoc": {
        "version": "2.5.4",
        "tarball": "https://registry.npmjs.org/redoc/-/redoc-2.5.4.tgz",
        "integrity": "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
        "files": {
            "package/bundles/redoc.standalone.js": "redoc.standalone.js",
            "package/LICENSE": "LICENSE.redoc",
        },
    },
}


def main() -> int:
    wanted = {name: spec["version"] for name, spec in PACKAGES.items()}
    if STAMP.is_file() and json.loads(STAMP.read_text()) == wanted:
        return 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, spec in PACKAGES.items():
        tarball = download(str(spec["tarball"]))
        check_integrity(name, tarball, str(spec["integrity"]))
        extract(tarball, dict(spec["files"]))  # type: ignore[arg-type]
        print(f"docs assets: {name} {spec['version']}", file=sys.stderr)  # noqa: T201
    STAMP.write_text(json.dumps(wanted, indent=2) + "\n")
    return 0


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a pinned https URL
        return bytes(response.read())


def check_integrity(name: str, tarball: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        msg = f"{name}: the tarball does not match its pinned {algorithm} integrity; refusing to use it"
        raise SystemExit(msg)


def extract(tarball: bytes, files: dict[str, str]) -> None:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member, destination in files.items():
            source = archive.extractfile(member)
            if source is None:
                msg = f"{member} is missing from the tarball"
                raise SystemExit(msg)
            (TARGET / destination).write_bytes(source.read())


if __name__ == "__main__":
    sys.exit(main())
