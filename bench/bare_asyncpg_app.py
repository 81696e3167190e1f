"""The database paths' baselines, in a bare Litestar app served exactly as the service is, on a bare asyncpg
pool: S2's select, and C1's conversion (the statements the service runs for a qualifying conversion, written
by hand, with no authentication, no idempotency and no programme rules beyond C1's terms).
``BENCH_ASYNCPG_DSN`` names the database."""

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException

LIVE_CODE_BY_OWNER_EMAIL = """
SELECT referral_codes.code, referral_codes.expires_at
FROM referral_codes JOIN users ON users.id = referral_codes.owner_id
WHERE users.email = $1 AND referral_codes.state = 'active' AND referral_codes.expires_at > $2
"""


USER_BY_ID = "SELECT id, email FROM users WHERE id = $1"
# The service's lock reads the referral with its email, for the answer; so does this one.
LOCK_REFERRAL = """
SELECT referrals.referrer_id, referrals.state, users.email
FROM referrals JOIN users ON users.id = referrals.id WHERE referrals.id = $1 FOR NO KEY UPDATE OF referrals
"""
PROGRAMME = "SELECT version, terms FROM program_versions ORDER BY version DESC LIMIT 1"
ADD_CONVERSION = """
INSERT INTO conversions (id, user_id, type, amount, currency, occurred_at, received_at, qualified)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (id) DO NOTHING
"""
QUALIFY = "UPDATE referrals SET state = 'qualified', qualified_at = $2 WHERE id = $1"
ADD_REWARD = """
INSERT INTO rewards (id, referral_id, user_id, role, amount, currency, state, created_at, available_at,
                     program_version, conversion_id)
VALUES ($1, $2, $3, $4, $5, 'USD', 'pending', $6, $7, $8, $9)
"""
TALLY_REFERRAL = """
INSERT INTO referrer_tallies (referrer_id, pending, flagged, qualified, voided) VALUES ($1, -1, 0, 1, 0)
ON CONFLICT (referrer_id) DO UPDATE SET pending = referrer_tallies.pending - 1,
                                        qualified = referrer_tallies.qualified + 1
"""
TALLY_REWARD = """
INSERT INTO referrer_reward_tallies (referrer_id, currency, pending, available, redeemed, voided)
VALUES ($1, 'USD', $2, 0, 0, 0)
ON CONFLICT (referrer_id, currency) DO UPDATE SET pending = referrer_reward_tallies.pending + excluded.pending
"""
ADD_EVENT = """
WITH event_order AS MATERIALIZED (SELECT pg_advisory_xact_lock(8243107278869389676))
INSERT INTO events (type, occurred_at, recorded_at, subject_id, data)
SELECT $1, $2, $2, $3, $4 FROM event_order
"""
# The same writes as one statement of data-modifying CTEs, run in autocommit: one round trip in all. Every part
# sees one snapshot; the referral's row lock settles racing conversions (the loser finds it no longer pending).
# With BENCH_BARE_C1_ONE_STATEMENT set, the route runs this instead: what fewer statements would buy.
ONE_STATEMENT = """
WITH referral AS (
    SELECT id, referrer_id FROM referrals WHERE id = $1 AND state = 'pending' FOR NO KEY UPDATE
), programme AS (
    SELECT version FROM program_versions ORDER BY version DESC LIMIT 1
), conversion AS (
    INSERT INTO conversions (id, user_id, type, amount, currency, occurred_at, received_at, qualified)
    SELECT $2, $1, $3, $4, $5, $6, $6, EXISTS (SELECT FROM referral)
    ON CONFLICT (id) DO NOTHING RETURNING qualified
), qualified AS (
    UPDATE referrals SET state = 'qualified', qualified_at = $6
    WHERE id = (SELECT id FROM referral) AND EXISTS (SELECT FROM conversion WHERE qualified)
    RETURNING id, referrer_id
), granted AS (
    INSERT INTO rewards (id, referral_id, user_id, role, amount, currency, state, created_at, available_at,
                         program_version, conversion_id)
    SELECT gen_random_uuid(), qualified.id,
           CASE WHEN share.role = 'referrer' THEN qualified.referrer_id ELSE qualified.id END,
           share.role, share.amount, 'USD', 'pending', $6, $7, (SELECT version FROM programme), $2
    FROM qualified CROSS JOIN (VALUES ('referrer', 500::bigint), ('referee', $8::bigint)) AS share (role, amount)
    RETURNING id, user_id, role, amount
), referral_tally AS (
    INSERT INTO referrer_tallies (referrer_id, pending, flagged, qualified, voided)
    SELECT referrer_id, -1, 0, 1, 0 FROM qualified
    ON CONFLICT (referrer_id) DO UPDATE SET pending = referrer_tallies.pending - 1,
                                            qualified = referrer_tallies.qualified + 1
    RETURNING 1
), reward_tally AS (
    INSERT INTO referrer_reward_tallies (referrer_id, currency, pending, available, redeemed, voided)
    SELECT user_id, 'USD', amount, 0, 0, 0 FROM granted WHERE role = 'referrer'
    ON CONFLICT (referrer_id, currency) DO UPDATE SET pending = referrer_reward_tallies.pending + excluded.pending
    RETURNING 1
), event_order AS MATERIALIZED (
    -- Read from the tallies' upserts, so that they run first: the event-order lock comes last, as in the service.
    SELECT pg_advisory_xact_lock(8243107278869389676)
    FROM qualified,
         (SELECT count(*) FROM referral_tally) AS referral_rows,
         (SELECT count(*) FROM reward_tally) AS reward_rows
)
INSERT INTO events (type, occurred_at, recorded_at, subject_id, data)
SELECT 'referral.qualified', $6, $6, id, json_build_object('id', id, 'state', 'qualified')::text
FROM qualified, event_order
UNION ALL
SELECT 'reward.created', $6, $6, id, json_build_object('id', id, 'amount', amount)::text FROM granted, event_order
"""
HOLD = timedelta(days=14)


@asynccontextmanager
async def database_pool(app: Litestar) -> AsyncIterator[None]:
    # asyncpg's pool as it comes: ten connections, the session reset on every release.
    async with asyncpg.create_pool(os.environ["BENCH_ASYNCPG_DSN"]) as pool:
        app.state.pool = pool
        yield


@get("/referral-code/{email:str}")
async def live_code(email: str, state: State) -> dict[str, str]:
    row = await state.pool.fetchrow(LIVE_CODE_BY_OWNER_EMAIL, email, datetime.now(UTC))
    if row is None:
        raise NotFoundException
    return {"code": row["code"], "expires_at": row["expires_at"].isoformat()}


@post("/conversions")
async def conversion(data: dict[str, Any], state: State) -> dict[str, Any]:
    user_id = uuid.UUID(data["user_id"])
    if await state.pool.fetchrow(USER_BY_ID, user_id) is None:
        raise NotFoundException
    now = datetime.now(UTC)
    if os.environ.get("BENCH_BARE_C1_ONE_STATEMENT"):
        share = min(data["amount"] * 1000 // 10_000, 2000)
        arguments = (data["id"], data["type"], data["amount"], data["currency"], now, now + HOLD, share)
        written = await state.pool.execute(ONE_STATEMENT, user_id, *arguments)
        return {"id": data["id"], "qualified": written != "INSERT 0 0"}
    async with state.pool.acquire() as connection, connection.transaction():
        referral = await connection.fetchrow(LOCK_REFERRAL, user_id)
        programme = await connection.fetchrow(PROGRAMME)
        json.loads(programme["terms"])  # read as the service reads them; C1's terms are built in below
        qualifies = referral is not None and referral["state"] == "pending"
        stored = await connection.execute(
            ADD_CONVERSION, data["id"], user_id, data["type"], data["amount"], data["currency"], now, qualifies
        )
        if not qualifies or stored == "INSERT 0 0":
            return {"id": data["id"], "qualified": False}
        await connection.execute(QUALIFY, user_id, now)
        share = min(data["amount"] * 1000 // 10_000, 2000)
        rewards = [
            (uuid.uuid4(), user_id, referral["referrer_id"], "referrer", 500),
            (uuid.uuid4(), user_id, user_id, "referee", share),
        ]
        await connection.executemany(
            ADD_REWARD,
            [(*reward, now, now + HOLD, programme["version"], data["id"]) for reward in rewards],
        )
        await connection.execute(TALLY_REFERRAL, referral["referrer_id"])
        await connection.execute(TALLY_REWARD, referral["referrer_id"], 500)
        events = [("referral.qualified", user_id, {"id": str(user_id), "state": "qualified"})]
        events += [("reward.created", reward[0], {"id": str(reward[0]), "amount": reward[4]}) for reward in rewards]
        await connection.executemany(
            ADD_EVENT, [(kind, now, subject, json.dumps(body)) for kind, subject, body in events]
        )
    return {"id": data["id"], "qualified": True, "program_version": programme["version"], "rewards": len(rewards)}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[live_code, conversion, health], lifespan=[database_pool])
