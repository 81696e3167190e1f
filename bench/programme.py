"""The programme's scenarios for `bench/run.py`: their seeding, the operator key and terms, and their loads.

C1   POST /conversions with a key (events:write): a fresh id for a fresh pending referee each time, so that
     every one qualifies and grants both rewards (the runner counts afterwards how many did)
C1k  C1 with an Idempotency-Key on each request (its conversion id), for referees of its own: what keys cost
C2   GET /referrals/{id}/stats of the one referrer with 10,000 referrals, with that referrer's token
C3   GET /admin/events?after=N&limit=100 at random cursors over the seeded feed, with a key (referrals:read)
C4   GET /referrals/{id} of 50 referrers with 1 or 11 referrals each, with a key (referrals:read)
C4t  the same reads, each with the referrer's own token: what C4 is compared with
"""

import asyncio
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from referrals.adapters.persistence import tables
from referrals.domain.codes import generate_code
from referrals.domain.mailboxes import mailbox_key
from referrals.domain.referral import Referral, ReferralState, referral_event

# C1 and C1k last: the conversions still queued when wrk stops are answered after it, and would weigh on what
# follows (the runner rests after each of them, so C1k starts on an idle server too).
SCENARIOS = ["C2", "C3", "C4t", "C4", "C1", "C1k"]
WRITE_SCENARIOS = frozenset({"C1", "C1k"})
BIG_REFERRALS = 10_000
BIG_REFERRER_EMAIL = "big-referrer@bench.example.com"
# The referrers C4 reads: 0, 10, ..., 490, each seeded with 1 or 11 referrals (run.py gives every tenth some).
C4_REFERRERS = range(0, 500, 10)
KEY_SCOPES = ("program:write", "events:write", "referrals:read")
TERMS = {
    "qualifying_event": "purchase",
    "attribution_window": "P30D",
    "hold": "P14D",
    "min_amount": {"amount": 1000, "currency": "USD"},
    "referrer_reward": {"currency": "USD", "amount": 500},
    "referee_reward": {"currency": "USD", "basis_points": 1000, "max_amount": 2000},
}
FEED_PAGE = 100
CONVERSION_PREFIX = "bench-"
_BATCH = 2000
_ENCODER = msgspec.json.Encoder()


@dataclass(frozen=True)
class Seeded:
    big_referrer_id: uuid.UUID
    c4_referrers: Sequence[tuple[uuid.UUID, str]]
    referees: str  # the file of C1's referees' ids, one a line
    referee_count: int
    feed_events: int


def referees_for(scenarios: Collection[str], duration: int, rounds: int) -> int:
    """C1's and C1k's fresh referees: enough for up to 1,250 conversions a second in each round of each (the
    runner counts how many qualified); none when no programme scenario runs, and then nothing of the programme
    is seeded."""
    if not any(scenario in scenarios for scenario in SCENARIOS):
        return 0
    return max(10_000, 2 * 1_250 * duration * rounds)


def with_mailbox_keys(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Users' rows as registering stores them: with the mailbox key of their email."""
    if table.name != "users":
        return rows
    return [{**row, "mailbox_key": mailbox_key(str(row["email"]))} for row in rows]


async def seed(
    connection: AsyncConnection,
    referrers: Sequence[Mapping[str, Any]],
    codes: Sequence[Mapping[str, Any]],
    password_hash: str,
    now: datetime,
    referees: int,
    work: Path,
) -> Seeded:
    """One referrer with 10,000 referrals (a third qualified by a seeded conversion with a referrer reward, one
    in fifty voided, the rest pending), each with its ``referral.created`` event, and ``referees`` pending
    referees of the second half of ``referrers`` for C1, registered a day ago."""
    big: dict[str, Any] = {
        "id": uuid.uuid4(),
        "email": BIG_REFERRER_EMAIL,
        "password_hash": password_hash,
        "created_at": now - timedelta(days=40),
    }
    big_code = {
        "id": uuid.uuid4(),
        "owner_id": big["id"],
        "code": generate_code(),
        "state": "active",
        "created_at": big["created_at"],
        "expires_at": now + timedelta(days=300),
    }
    # Registered over the last 20 days: the hold (14 days) of the earliest rewards has ended, not the latest's.
    big_users = [
        {
            "id": uuid.uuid4(),
            "email": f"big-referral{k}@bench.example.com",
            "password_hash": password_hash,
            "created_at": now - timedelta(days=20) + timedelta(seconds=k * 170),
            "referrer_id": big["id"],
            "referred_with_code_id": big_code["id"],
        }
        for k in range(BIG_REFERRALS)
    ]
    big_referrals, conversions, rewards = _big_referrer_programme(big_users)
    events = [
        _event_row(
            Referral(
                id=user["id"],
                referrer_id=big["id"],
                email=user["email"],
                state=ReferralState.PENDING,
                created_at=user["created_at"],
            ),
            now,
        )
        for user in big_users
    ]
    second_half = len(referrers) // 2
    c1_users = [
        {
            "id": uuid.uuid4(),
            "email": f"referee{k}@bench.example.com",
            "password_hash": password_hash,
            "created_at": now - timedelta(days=1),
            "referrer_id": referrers[second_half + k % (len(referrers) - second_half)]["id"],
            "referred_with_code_id": codes[second_half + k % (len(referrers) - second_half)]["id"],
        }
        for k in range(referees)
    ]
    c1_referrals = [_referral_row(user, ReferralState.PENDING) for user in c1_users]
    for table, rows in (
        (tables.users, [big]),
        (tables.referral_codes, [big_code]),
        (tables.users, big_users),
        (tables.users, c1_users),
        (tables.referrals, big_referrals),
        (tables.referrals, c1_referrals),
        (tables.conversions, conversions),
        (tables.rewards, rewards),
        (tables.events, events),
    ):
        for start in range(0, len(rows), _BATCH):
            await connection.execute(insert(table), with_mailbox_keys(table, rows[start : start + _BATCH]))
    print(
        f"   seeded a referrer with {len(big_users)} referrals ({len(rewards)} rewarded), "
        f"{len(events)} events and {len(c1_users)} pending referees for C1",
        flush=True,
    )
    referees_file = work / "referees.txt"
    referees_file.write_text("".join(f"{user['id']}\n" for user in c1_users))
    c4 = [(referrers[n]["id"], str(referrers[n]["email"])) for n in C4_REFERRERS if n < len(referrers)]
    return Seeded(big["id"], c4, str(referees_file), len(c1_users), len(events))


def _big_referrer_programme(
    big_users: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    referrals, conversions, rewards = [], [], []
    for k, user in enumerate(big_users):
        if k % 50 == 0:
            referrals.append(_referral_row(user, ReferralState.VOIDED))
        elif k % 3 == 0:
            referrals.append(_referral_row(user, ReferralState.QUALIFIED))
            occurred_at = user["created_at"] + timedelta(days=1)
            conversion_id = f"seed-{k}"
            conversions.append(
                {
                    "id": conversion_id,
                    "user_id": user["id"],
                    "type": "purchase",
                    "amount": 4999,
                    "currency": "USD",
                    "occurred_at": occurred_at,
                    "received_at": occurred_at,
                    "qualified": True,
                }
            )
            rewards.append(
                {
                    "id": uuid.uuid4(),
                    "referral_id": user["id"],
                    "user_id": user["referrer_id"],
                    "role": "referrer",
                    "amount": 500,
                    "currency": "USD",
                    # Recorded as pending: those past their hold read as available, as the service computes it.
                    "state": "pending",
                    "created_at": occurred_at,
                    "available_at": occurred_at + timedelta(days=14),
                    "program_version": 1,
                    "conversion_id": conversion_id,
                }
            )
        else:
            referrals.append(_referral_row(user, ReferralState.PENDING))
    return referrals, conversions, rewards


def _referral_row(user: Mapping[str, Any], state: ReferralState) -> dict[str, Any]:
    created_at = user["created_at"]
    return {
        "id": user["id"],
        "referrer_id": user["referrer_id"],
        "state": state.value,
        "created_at": created_at,
        "qualified_at": created_at + timedelta(days=1) if state is ReferralState.QUALIFIED else None,
        "voided_at": created_at + timedelta(days=2) if state is ReferralState.VOIDED else None,
        "void_reason": "other" if state is ReferralState.VOIDED else None,
    }


def _event_row(referral: Referral, recorded_at: datetime) -> dict[str, Any]:
    """The ``referral.created`` event as the service records it (its data is the API's view of the referral)."""
    event = referral_event(referral, referral.created_at)
    return {
        "type": event.type.value,
        "occurred_at": event.occurred_at,
        "recorded_at": recorded_at,
        "subject_id": event.subject_id,
        "data": _ENCODER.encode(event.data).decode(),
    }


def create_key(environment: Mapping[str, str], root: Path) -> str:
    """An operator key with every scope the scenarios use, made with the CLI as an operator makes one."""
    command = [sys.executable, "-m", "referrals", "api-keys", "create", "--name", "bench-operator"]
    for scope in KEY_SCOPES:
        command += ["--scope", scope]
    done = subprocess.run(
        command, cwd=root, env={**os.environ, **environment}, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def prepare(url: str, seeded: Seeded, key: str, password: str, work: Path) -> dict[str, str]:
    """Set the terms with the key (PUT /program), log the referrers in, and write each scenario's requests."""
    operator = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, timeout=30) as client:
        client.put("/program", json=TERMS, headers=operator).raise_for_status()

        def token_of(email: str) -> str:
            response = client.post("/auth/login", data={"username": email, "password": password})
            response.raise_for_status()
            return str(response.json()["access_token"])

        big_token = token_of(BIG_REFERRER_EMAIL)
        c4_tokens = [(referrer_id, token_of(email)) for referrer_id, email in seeded.c4_referrers]
    cursors = random.Random(0).sample(  # noqa: S311 - cursors to read at, not secrets
        range(seeded.feed_events - FEED_PAGE + 1), min(1000, seeded.feed_events)
    )
    return {
        "C2": _requests(work / "c2.txt", [(f"/referrals/{seeded.big_referrer_id}/stats", big_token)]),
        "C3": _requests(work / "c3.txt", [(f"/admin/events?after={n}&limit={FEED_PAGE}", key) for n in cursors]),
        "C4": _requests(work / "c4.txt", [(f"/referrals/{referrer}", key) for referrer, _ in c4_tokens]),
        "C4t": _requests(work / "c4t.txt", [(f"/referrals/{referrer}", token) for referrer, token in c4_tokens]),
        "referees": seeded.referees,
        "key": key,
    }


def _requests(path: Path, lines: Sequence[tuple[str, str]]) -> str:
    """A file of ``path credential`` lines, as `lua/authorized_get.lua` reads them."""
    path.write_text("".join(f"{request} {credential}\n" for request, credential in lines))
    return str(path)


def load_of(
    scenario: str, files: Mapping[str, str], threads: int, round_of: tuple[int, int] = (0, 1)
) -> tuple[str, dict[str, str]]:
    """The Lua script and its environment for one of the programme's scenarios; a write scenario's round
    (its number, of how many) converts a share of the referees of its own."""
    if scenario in WRITE_SCENARIOS:
        tag = f"{CONVERSION_PREFIX}{uuid.uuid4().hex[:8]}"
        round_number, rounds = round_of
        environment = {
            "BENCH_REFEREES": files["referees"],
            "BENCH_KEY": files["key"],
            "BENCH_RUN_TAG": tag,
            "BENCH_ROUND": str(round_number),
            "BENCH_ROUNDS": str(rounds),
        }
        if scenario == "C1k":
            environment["BENCH_IDEMPOTENT"] = "1"
        return "conversions.lua", environment | {"BENCH_THREADS": str(threads)}
    return "authorized_get.lua", {"BENCH_REQUESTS": files[scenario]}


def qualified_conversions(database_url: str, prefix: str = CONVERSION_PREFIX) -> int:
    """How many of the conversions whose ids start with ``prefix`` (by default all of C1's and C1k's) qualified
    their referral."""

    async def count() -> int:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                found = await connection.scalar(
                    select(func.count())
                    .select_from(tables.conversions)
                    .where(tables.conversions.c.id.startswith(prefix), tables.conversions.c.qualified)
                )
        finally:
            await engine.dispose()
        return int(found or 0)

    return asyncio.run(count())


def ratios(figures: Mapping[str, float]) -> dict[str, float]:
    """The goals' ratios from each scenario's rps: C1 and C2 against S2, C4 against C4t, C1k against C1."""

    def ratio(numerator: str, denominator: str) -> float | None:
        top, bottom = figures.get(numerator), figures.get(denominator)
        return round(top / bottom, 3) if top and bottom else None

    found = {
        "C1 / S2": ratio("C1", "S2"),
        "C2 / S2": ratio("C2", "S2"),
        "C4 / C4t": ratio("C4", "C4t"),
        "C1k / C1": ratio("C1k", "C1"),
    }
    return {name: value for name, value in found.items() if value is not None}
