"""The database path's baseline: S2's select on a bare asyncpg pool, in a bare Litestar app served exactly as
the service is. ``BENCH_ASYNCPG_DSN`` names the database."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException

LIVE_CODE_BY_OWNER_EMAIL = """
SELECT referral_codes.code, referral_codes.expires_at
FROM referral_codes JOIN users ON users.id = referral_codes.owner_id
WHERE users.email = $1 AND referral_codes.state = 'active' AND referral_codes.expires_at > $2
"""


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


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[live_code, health], lifespan=[database_pool])
