"""`python -m referrals worker` and `python -m referrals tokens purge` as real processes, on both backends."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from tests.background_rows import code_states, due_codes, expiry_events, stored_tokens, tokens
from tests.conftest import PROJECT_ROOT, TEST_JWT_SECRET
from tests.processes import stop_process_group, wait_for_log

STARTED = "Background worker started"
STOPPED = "Background worker stopped"
# SIGTERM to exit: the wait between ticks ends at once; a batch in flight is one short transaction.
EXIT_WITHIN_SECONDS = 10


def environment(database_url: str, **settings: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "LOG_LEVEL": "INFO",
        "BACKGROUND_INTERVAL": "0.2",
        **settings,
    }


def command(*arguments: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "referrals", *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def workers(count: int, env: dict[str, str], directory: Path) -> Iterator[list[tuple[subprocess.Popen[bytes], Path]]]:
    started = []
    try:
        for number in range(count):
            log = directory / f"worker-{number}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    [sys.executable, "-m", "referrals", "worker"],
                    cwd=directory,
                    env=env,
                    stdout=sink,
                    stderr=sink,
                    start_new_session=True,
                )
            started.append((process, log))
        for process, log in started:
            wait_for_log(log, STARTED, process)
        yield started
    finally:
        for process, _ in started:
            stop_process_group(process)


def terminate(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=EXIT_WITHIN_SECONDS)


async def until_expired(database_url: str, codes: list[UUID], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (await code_states(database_url, codes))["active"]:
        assert time.monotonic() < deadline, f"codes still active after {timeout} s"
        await asyncio.sleep(0.1)


async def test_a_worker_expires_due_codes_and_stops_cleanly_on_sigterm(database_url: str, tmp_path: Path) -> None:
    with workers(1, environment(database_url), tmp_path) as ((process, log),):
        codes = await due_codes(database_url, 5)
        await until_expired(database_url, codes)

        assert terminate(process) == 0

    assert await expiry_events(database_url, codes) == dict.fromkeys(codes, 1)
    text = log.read_text()
    assert "Background job ExpireCodes handled 5 rows" in text
    assert text.count(STOPPED) == 1
    for code in codes:
        assert code.hex not in text
        assert str(code) not in text


@pytest.mark.usefixtures("postgres_url")
async def test_two_workers_on_one_postgresql_database_record_each_expiry_once(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    env = environment(empty_postgres_url, BACKGROUND_BATCH_SIZE="9", BACKGROUND_INTERVAL="0.05")
    with workers(2, env, tmp_path) as running:
        codes = await due_codes(empty_postgres_url, 400)
        await until_expired(empty_postgres_url, codes)

        exits = [terminate(process) for process, _ in running]

    assert exits == [0, 0]
    assert await expiry_events(empty_postgres_url, codes) == dict.fromkeys(codes, 1)


def test_sigint_stops_a_worker_too(sqlite_url: str, tmp_path: Path) -> None:
    with workers(1, environment(sqlite_url), tmp_path) as ((process, log),):
        process.send_signal(signal.SIGINT)

        assert process.wait(timeout=EXIT_WITHIN_SECONDS) == 0

    assert log.read_text().count(STOPPED) == 1


async def test_tokens_purge_removes_expired_tokens_and_says_how_many(database_url: str, tmp_path: Path) -> None:
    gone = [
        await tokens(database_url, expires_in=-timedelta(seconds=1), used=True),
        await tokens(database_url, expires_in=-timedelta(days=1), revoked=True),
        await tokens(database_url, expires_in=-timedelta(days=1)),
    ]
    kept = [
        await tokens(database_url, expires_in=timedelta(minutes=5), used=True),
        await tokens(database_url, expires_in=timedelta(days=5)),
    ]

    first = command("tokens", "purge", env=environment(database_url, BACKGROUND_BATCH_SIZE="2"), cwd=tmp_path)
    again = command("tokens", "purge", env=environment(database_url), cwd=tmp_path)

    assert (first.returncode, first.stdout) == (0, "3 expired refresh tokens removed\n")
    assert (again.returncode, again.stdout) == (0, "0 expired refresh tokens removed\n")
    assert await stored_tokens(database_url, gone + kept) == set(kept)


def test_tokens_purge_on_a_database_without_its_tables_is_a_one_line_error(tmp_path: Path) -> None:
    env = environment(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")

    result = command("tokens", "purge", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("referrals: cannot purge refresh tokens: the database cannot be used")
    assert "no such table" in result.stderr
    assert result.stderr.count("\n") == 1


def test_tokens_purge_on_an_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    env = environment("postgresql+asyncpg://nobody@127.0.0.1:9/none", DB_CONNECT_TIMEOUT="1")

    result = command("tokens", "purge", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith("referrals: cannot purge refresh tokens")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("arguments", [("worker", "--help"), ("tokens", "--help"), ("tokens", "purge", "--help")])
def test_the_commands_explain_themselves(arguments: tuple[str, ...], tmp_path: Path) -> None:
    result = command(*arguments, env=environment("sqlite+aiosqlite:///unused.sqlite3"), cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: python -m referrals {' '.join(arguments[:-1])}")


def test_tokens_without_an_action_is_a_usage_error(tmp_path: Path) -> None:
    result = command("tokens", env=environment("sqlite+aiosqlite:///unused.sqlite3"), cwd=tmp_path)

    assert result.returncode == 2
    assert "ACTION" in result.stderr


def test_the_worker_is_listed_beside_serve(tmp_path: Path) -> None:
    result = command("--help", env=environment("sqlite+aiosqlite:///unused.sqlite3"), cwd=PROJECT_ROOT)

    assert result.returncode == 0
    assert "worker" in result.stdout
    assert "tokens" in result.stdout
