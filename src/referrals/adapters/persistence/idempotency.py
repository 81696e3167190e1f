"""Idempotency keys in the request's session."""

from datetime import datetime

import msgspec
from sqlalchemy import ColumnElement, and_, delete, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.idempotency_tables import idempotency_keys
from referrals.application.ports.idempotency import (
    Answered,
    Claimed,
    ClaimOutcome,
    IdempotencyRecords,
    InFlight,
    StoredAnswer,
)

# ON CONFLICT DO NOTHING: of requests with one key at once, one inserts; the others wait for it, then find it.
_INSERT_UNLESS_TAKEN = {
    "postgresql": postgresql.insert(idempotency_keys).on_conflict_do_nothing(index_elements=["owner", "key"]),
    "sqlite": sqlite.insert(idempotency_keys).on_conflict_do_nothing(index_elements=["owner", "key"]),
}
_HEADERS = msgspec.json.Encoder()
_DECODE_HEADERS = msgspec.json.Decoder(dict[str, str])


def _this(owner: str, key: str) -> ColumnElement[bool]:
    return and_(idempotency_keys.c.owner == owner, idempotency_keys.c.key == key)


class SqlaIdempotencyRecords(IdempotencyRecords):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self, owner: str, key: str, fingerprint: str, now: datetime, until: datetime, expired_before: datetime
    ) -> ClaimOutcome:
        claim = {"fingerprint": fingerprint, "created_at": now, "claimed_until": until}
        inserted = await self._session.execute(
            _INSERT_UNLESS_TAKEN[self._session.get_bind().dialect.name], {"owner": owner, "key": key, **claim}
        )
        if inserted.rowcount:  # type: ignore[attr-defined]  # an INSERT's result has a row count
            return Claimed()
        # Kept past its time, or claimed by a request that never answered: this one runs it afresh.
        taken_over = await self._session.execute(
            update(idempotency_keys)
            .where(
                _this(owner, key),
                or_(
                    idempotency_keys.c.created_at < expired_before,
                    and_(idempotency_keys.c.status.is_(None), idempotency_keys.c.claimed_until <= now),
                ),
            )
            .values(**claim, status=None, media_type=None, headers=None, body=None)
        )
        if taken_over.rowcount:  # type: ignore[attr-defined]  # an UPDATE's result has a row count
            return Claimed()
        row = (await self._session.execute(select(idempotency_keys).where(_this(owner, key)))).mappings().one()
        same_request = row["fingerprint"] == fingerprint
        if row["status"] is None:
            return InFlight(until=row["claimed_until"], same_request=same_request)
        answer = StoredAnswer(
            status=row["status"],
            body=bytes(row["body"]),
            media_type=row["media_type"],
            headers=_DECODE_HEADERS.decode(row["headers"]),
        )
        return Answered(answer=answer, same_request=same_request)

    async def answer(self, owner: str, key: str, answer: StoredAnswer) -> None:
        await self._session.execute(
            update(idempotency_keys)
            .where(_this(owner, key))
            .values(
                claimed_until=None,
                status=answer.status,
                media_type=answer.media_type,
                headers=_HEADERS.encode(dict(answer.headers)).decode(),
                body=answer.body,
            )
        )

    async def release(self, owner: str, key: str) -> None:
        await self._session.execute(
            delete(idempotency_keys).where(_this(owner, key), idempotency_keys.c.status.is_(None))
        )

    async def purge_created_before(self, cutoff: datetime, limit: int) -> int:
        due = (
            select(idempotency_keys.c.owner, idempotency_keys.c.key)
            .where(idempotency_keys.c.created_at < cutoff)
            .order_by(idempotency_keys.c.created_at)
            .limit(limit)
        )
        purged = await self._session.execute(
            delete(idempotency_keys).where(tuple_(idempotency_keys.c.owner, idempotency_keys.c.key).in_(due))
        )
        return int(purged.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has a row count
