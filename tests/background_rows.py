"""Rows the background work acts on, written straight to a database, and what became of them.

Written and read with plain SQL through their own engine, as another process sees them.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec
from sqlalchemy import func, insert, select

from referrals.adapters.persistence.engine import create_engine
from referrals.adapters.persistence.tables import events, referral_codes, refresh_tokens, users
from referrals.domain.codes import generate_code
from referrals.domain.ids import new_id
from referrals.domain.refresh_token import new_refresh_secret, refresh_digest


async def due_codes(database_url: str, count: int, *, expired_ago: timedelta = timedelta(minutes=1)) -> list[UUID]:
    """``count`` owners, each with an active code whose expiry passed ``expired_ago``; the codes' ids."""
    now = datetime.now(UTC)
    owners = [new_id() for _ in range(count)]
    codes = [new_id() for _ in range(count)]
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(users),
                [
                    {
                        "id": owner,
                        "email": f"{owner.hex}@example.com",
                        "mailbox_key": f"{owner.hex}@example.com",
                        "password_hash": "h",
                        "created_at": now,
                    }
                    for owner in owners
                ],
            )
            await connection.execute(
                insert(referral_codes),
                [
                    {
                        "id": code,
                        "owner_id": owner,
                        "code": generate_code(),
                        "state": "active",
                        "created_at": now - expired_ago - timedelta(days=1),
                        # Spread over a second so that the batches' order by expiry has something to do.
                        "expires_at": now - expired_ago - timedelta(microseconds=n),
                    }
                    for n, (code, owner) in enumerate(zip(codes, owners, strict=True))
                ],
            )
    finally:
        await engine.dispose()
    return codes


async def code_states(database_url: str, codes: Sequence[UUID]) -> Counter[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(referral_codes.c.state, func.count())
                .where(referral_codes.c.id.in_(codes))
                .group_by(referral_codes.c.state)
            )
            return Counter(dict(rows.all()))
    finally:
        await engine.dispose()


async def expiry_events(database_url: str, codes: Sequence[UUID]) -> Counter[UUID]:
    """How many ``code.expired`` events each of ``codes`` has (other tests' events are left out)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(events.c.subject_id, events.c.data).where(
                    events.c.type == "code.expired", events.c.subject_id.in_(codes)
                )
            )
            found = [(subject_id, data) for subject_id, data in rows]
    finally:
        await engine.dispose()
    for subject_id, data in found:
        assert msgspec.json.decode(data)["id"] == str(subject_id)
    return Counter(subject_id for subject_id, _ in found)


async def tokens(database_url: str, *, expires_in: timedelta, used: bool = False, revoked: bool = False) -> UUID:
    """One user's refresh token expiring ``expires_in`` from now (negative: already expired); its id."""
    now = datetime.now(UTC)
    user = new_id()
    token = new_id()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(users).values(
                    id=user,
                    email=f"{user.hex}@example.com",
                    mailbox_key=f"{user.hex}@example.com",
                    password_hash="h",
                    created_at=now,
                )
            )
            await connection.execute(
                insert(refresh_tokens).values(
                    id=token,
                    user_id=user,
                    family_id=new_id(),
                    digest=refresh_digest(new_refresh_secret()),
                    issued_at=now + expires_in - timedelta(days=30),
                    expires_at=now + expires_in,
                    used_at=now if used else None,
                    revoked_at=now if revoked else None,
                )
            )
    finally:
        await engine.dispose()
    return token


async def stored_tokens(database_url: str, ids: Sequence[UUID]) -> set[UUID]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(refresh_tokens.c.id).where(refresh_tokens.c.id.in_(ids)))
            return set(rows.scalars())
    finally:
        await engine.dispose()
