"""`make contract`: the live OpenAPI document, put through the tools its consumers use.

Starts the production server on a scratch database and a free loopback port, fetches its document, then:
lints it with Redocly CLI and Spectral; generates a Python client (openapi-python-client) and walks the whole
flow through it after `mypy --strict`; generates TypeScript types (openapi-typescript) and runs the same flow
with openapi-fetch after `tsc --strict`; checks that orval's fetch client compiles under `tsc --strict`; and
logs in and refreshes with requests-oauthlib. Every step runs, and any failure fails the run.
Generated code goes to tools/contract/build/, which git ignores.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT
from tests.processes import (
    BIN,
    free_port,
    migrate_with_cli,
    start_logged_server,
    stop_process_group,
    wait_until_healthy,
)

TOOLS = PROJECT_ROOT / "tools" / "contract"
BUILD = TOOLS / "build"
NODE_BIN = TOOLS / "node_modules" / ".bin"
DOCUMENT = BUILD / "openapi.json"
# The Python flow imports the generated client from the build folder.
STEP_ENVIRONMENT = {**os.environ, "PYTHONPATH": str(BUILD / "python")}


@dataclass(frozen=True)
class Step:
    name: str
    commands: Callable[[str], Sequence[Sequence[str | Path]]]


def node_tool(name: str) -> Path:
    return NODE_BIN / name


STEPS = [
    Step(
        "redocly (recommended-strict)",
        lambda _url: [
            [node_tool("redocly"), "lint", DOCUMENT, "--config", TOOLS / "redocly-lint.yaml", "--format=stylish"]
        ],
    ),
    Step(
        "spectral (spectral:oas)",
        lambda _url: [
            [node_tool("spectral"), "lint", DOCUMENT, "--ruleset", TOOLS / ".spectral.yaml", "--fail-severity=hint"]
        ],
    ),
    Step(
        "python client (openapi-python-client, mypy --strict, the flow)",
        lambda url: [
            [
                BIN / "openapi-python-client",
                "generate",
                "--path",
                DOCUMENT,
                "--output-path",
                BUILD / "python" / "referrals_client",
                "--meta",
                "none",
                "--config",
                TOOLS / "openapi-python-client.yaml",
                "--overwrite",
            ],
            [BIN / "mypy", "--config-file", TOOLS / "mypy.ini", "python_flow.py", "oauth_flow.py"],
            [BIN / "python", "python_flow.py", url],
        ],
    ),
    Step(
        "typescript flow (openapi-typescript, tsc --strict, openapi-fetch on node)",
        lambda url: [
            [node_tool("openapi-typescript"), DOCUMENT, "--output", BUILD / "schema.ts"],
            [node_tool("tsc"), "--project", TOOLS / "tsconfig.json"],
            ["node", BUILD / "js" / "flow.js", url],
        ],
    ),
    Step(
        "orval fetch client (tsc --strict)",
        lambda _url: [
            [node_tool("orval"), "--config", TOOLS / "orval.config.cjs"],
            [node_tool("tsc"), "--project", TOOLS / "tsconfig.orval.json"],
        ],
    ),
    Step("oauth library (requests-oauthlib)", lambda url: [[BIN / "python", "oauth_flow.py", url]]),
]


def main() -> int:
    if not NODE_BIN.is_dir():
        print("contract: the Node tools are missing; `make contract` installs them (npm ci)", file=sys.stderr)
        return 2
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="referrals-contract-") as scratch:
        environment = server_environment(Path(scratch))
        migrate_with_cli(environment)
        log_path = Path(scratch) / "server.log"
        server = start_logged_server(environment, PROJECT_ROOT, log_path)
        try:
            wait_until_healthy(server)
            DOCUMENT.write_bytes(httpx.get(f"{server.url}/docs/openapi.json", timeout=10).raise_for_status().content)
            failed = [step.name for step in STEPS if not run_step(step, server.url)]
        finally:
            exit_code, _ = server.stop()
            stop_process_group(server.process)
        unhandled = [line for line in log_path.read_text().splitlines() if "unhandled error" in line]
    for line in unhandled:
        print(f"server: {line}", file=sys.stderr)
    if exit_code or unhandled:
        failed.append(f"server (exit {exit_code}, {len(unhandled)} unhandled errors)")
    for name in failed:
        print(f"contract: FAILED: {name}", file=sys.stderr)
    print(f"contract: {len(STEPS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def server_environment(scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": f"sqlite+aiosqlite:///{scratch}/contract.sqlite3",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
    }


def run_step(step: Step, url: str) -> bool:
    started = time.monotonic()
    for command in step.commands(url):
        finished = subprocess.run([str(part) for part in command], cwd=TOOLS, env=STEP_ENVIRONMENT, check=False)
        if finished.returncode:
            print(f"contract: {step.name}: `{Path(command[0]).name}` exited {finished.returncode}", file=sys.stderr)
            return False
    print(f"contract: {step.name}: ok in {time.monotonic() - started:.1f} s")
    return True


if __name__ == "__main__":
    sys.exit(main())
