"""API keys: the repository of the write transactions, the committed read that authenticates, and usage."""

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from referrals.adapters.persistence.constraints import reraise_as_domain_error
from referrals.adapters.persistence.engine import SQLITE_WRITE_TRANSACTION
from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.tables import api_keys
from referrals.application.ports.events import EventRecorder
from referrals.application.ports.operators import ApiKeyQueries, ApiKeyRepository, ApiKeyUsage, KeyCaller
from referrals.domain.api_keys import ApiKey, ApiKeyNameTaken, api_key_event, decode_scopes, encode_scopes
from referrals.domain.events import EventType

logger = logging.getLogger(__name__)

_ERROR_BY_CONSTRAINT = {"uq_api_keys_name_in_force": ApiKeyNameTaken}

_IN_FORCE_BY_DIGEST = select(api_keys.c.id, api_keys.c.scopes).where(
    api_keys.c.digest == bindparam("digest"), api_keys.c.revoked_at.is_(None)
)
_TOUCH = (
    update(api_keys)
    .where(
        api_keys.c.id == bindparam("key_id"),
        or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < bindparam("used_at")),
    )
    .values(last_used_at=bindparam("used_at"))
)


class SqlaApiKeyRepository(ApiKeyRepository):
    def __init__(self, session: AsyncSession, events: EventRecorder) -> None:
        self._session = session
        self._events = events

    async def add(self, key: ApiKey) -> None:
        try:
            await self._session.execute(
                insert(api_keys).values(
                    id=key.id,
                    name=key.name,
                    digest=key.digest,
                    scopes=encode_scopes(key.scopes),
                    created_at=key.created_at,
                )
            )
        except IntegrityError as error:
            reraise_as_domain_error(error, _ERROR_BY_CONSTRAINT)
        self._events.record(api_key_event(key, EventType.API_KEY_CREATED, key.created_at))

    async def get(self, key_id: UUID) -> ApiKey | None:
        return await self._one(select(api_keys).where(api_keys.c.id == key_id))

    async def in_force_by_name(self, name: str) -> ApiKey | None:
        return await self._one(select(api_keys).where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None)))

    async def revoke(self, key: ApiKey, at: datetime) -> bool:
        # The conditional update decides between two revocations at once: only one changes the row.
        revoked = await self._session.execute(
            update(api_keys).where(api_keys.c.id == key.id, api_keys.c.revoked_at.is_(None)).values(revoked_at=at)
        )
        if revoked.rowcount == 0:  # type: ignore[attr-defined]  # an UPDATE's result has a row count
            return False
        self._events.record(api_key_event(key, EventType.API_KEY_REVOKED, at))
        return True

    async def all(self) -> Sequence[ApiKey]:
        rows = await self._session.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id))
        return [_to_key(row) for row in rows.mappings()]

    async def _one(self, query: Any) -> ApiKey | None:
        row = (await self._session.execute(query)).mappings().one_or_none()
        return None if row is None else _to_key(row)


class SqlaApiKeyQueries(ApiKeyQueries):
    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def in_force_by_digest(self, digest: str) -> KeyCaller | None:
        row = await self._reads.first(_IN_FORCE_BY_DIGEST, {"digest": digest})
        return None if row is None else KeyCaller(key_id=row["id"], scopes=decode_scopes(row["scopes"]))


class SqlaApiKeyUsage(ApiKeyUsage):
    """Best effort: a last use that cannot be written now is logged and dropped, never a failed request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(**{SQLITE_WRITE_TRANSACTION: True})

    async def record(self, last_used: Mapping[UUID, datetime]) -> None:
        if not last_used:
            return
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    _TOUCH, [{"key_id": key_id, "used_at": at} for key_id, at in last_used.items()]
                )
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            logger.warning("could not store when %d API keys were last used: %s", len(last_used), type(error).__name__)


def _to_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        scopes=decode_scopes(row["scopes"]),
        digest=row["digest"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )
