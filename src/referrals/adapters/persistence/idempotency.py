"""Idempotency keys in the request's session."""

from datetime import datetime

import msgspec
from sqlalchemy import ColumnElement, Executable, and_, bindparam, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.idempotency_tables import idempotency_keys
from referrals.application.ports.idempotency import IdempotencyRecords, KeptAnswer, StoredAnswer

_HEADERS = msgspec.json.Encoder()
_DECODE_HEADERS = msgspec.json.Decoder(dict[str, str])
_KEPT = ("fingerprint", "created_at", "status", "media_type", "headers", "body")


def _this(owner: str, key: str) -> ColumnElement[bool]:
    return and_(idempotency_keys.c.owner == owner, idempotency_keys.c.key == key)


def _keep_unless_kept(dialect: str) -> Executable:
    """INSERT … ON CONFLICT DO UPDATE … WHERE the row is past keeping: of copies that commit at once, the first
    inserts and the others find its row (PostgreSQL makes them wait for its commit) and update nothing."""
    insert = postgresql.insert(idempotency_keys) if dialect == "postgresql" else sqlite.insert(idempotency_keys)
    return insert.on_conflict_do_update(
        index_elements=["owner", "key"],
        set_={name: insert.excluded[name] for name in _KEPT},
        where=idempotency_keys.c.created_at < bindparam("kept_since"),
    )


# Built once per dialect, the values sent as parameters: building it costs more than running it.
_KEEP_UNLESS_KEPT = {dialect: _keep_unless_kept(dialect) for dialect in ("postgresql", "sqlite")}


class SqlaIdempotencyRecords(IdempotencyRecords):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def kept(self, owner: str, key: str, created_since: datetime) -> KeptAnswer | None:
        query = select(idempotency_keys).where(_this(owner, key), idempotency_keys.c.created_at >= created_since)
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        answer = StoredAnswer(
            status=row["status"],
            body=bytes(row["body"]),
            media_type=row["media_type"],
            headers=_DECODE_HEADERS.decode(row["headers"]),
        )
        return KeptAnswer(fingerprint=row["fingerprint"], answer=answer)

    async def keep(
        self, owner: str, key: str, fingerprint: str, answer: StoredAnswer, now: datetime, created_since: datetime
    ) -> bool:
        row = {
            "owner": owner,
            "key": key,
            "fingerprint": fingerprint,
            "created_at": now,
            "status": answer.status,
            "media_type": answer.media_type,
            "headers": _HEADERS.encode(dict(answer.headers)).decode(),
            "body": answer.body,
            "kept_since": created_since,
        }
        statement = _KEEP_UNLESS_KEPT[self._session.get_bind().dialect.name]
        kept = await self._session.execute(statement, row)
        return bool(kept.rowcount)  # type: ignore[attr-defined]  # an INSERT's result has a row count

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
