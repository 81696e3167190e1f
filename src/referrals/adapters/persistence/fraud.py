"""What the referral fraud rules read and keep: registrations counted per code and mailbox, client sightings."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Executable, bindparam, delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.fraud_tables import client_sightings
from referrals.adapters.persistence.tables import users
from referrals.application.ports.fraud import ClientSightings, RegistrationCounts

_ON_CODE_SINCE = select(func.count()).where(
    users.c.referred_with_code_id == bindparam("code_id"), users.c.created_at >= bindparam("since")
)
_ON_MAILBOX = select(func.count()).where(users.c.mailbox_key == bindparam("key"))
# Registrations on one mailbox key take turns from their count to their commit, so the second of two at once
# counts the first. SQLite's writers take turns anyway.
_MAILBOX_TURNS = 0x6D61_696C  # "mail", a class of two-part advisory keys nothing else uses
_TAKE_MAILBOX_TURN = select(func.pg_advisory_xact_lock(_MAILBOX_TURNS, func.hashtext(bindparam("key"))))
_LAST_SEEN = select(client_sightings.c.seen_at).where(
    client_sightings.c.user_id == bindparam("user_id"),
    client_sightings.c.fingerprint == bindparam("fingerprint"),
    client_sightings.c.seen_at >= bindparam("since"),
)


_PG_INSERT = postgresql.insert(client_sightings)
_SQLITE_INSERT = sqlite.insert(client_sightings)
# A later sighting moves the row forward; an earlier one (the clocks of two processes) leaves it as it is.
_UPSERTS: dict[str, Executable] = {
    "postgresql": _PG_INSERT.on_conflict_do_update(
        index_elements=["user_id", "fingerprint"],
        set_={"seen_at": func.greatest(_PG_INSERT.excluded.seen_at, client_sightings.c.seen_at)},
    ),
    "sqlite": _SQLITE_INSERT.on_conflict_do_update(
        index_elements=["user_id", "fingerprint"],
        # SQLite's max() of several arguments is the scalar one.
        set_={"seen_at": func.max(_SQLITE_INSERT.excluded.seen_at, client_sightings.c.seen_at)},
    ),
}


class SqlaRegistrationCounts(RegistrationCounts):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._takes_turns = session.get_bind().dialect.name == "postgresql"

    async def registrations_on_code(self, code_id: UUID, since: datetime) -> int:
        return int(await self._session.scalar(_ON_CODE_SINCE, {"code_id": code_id, "since": since}) or 0)

    async def accounts_on_mailbox(self, key: str) -> int:
        if self._takes_turns:
            await self._session.execute(_TAKE_MAILBOX_TURN, {"key": key})
        return int(await self._session.scalar(_ON_MAILBOX, {"key": key}) or 0)


class SqlaClientSightings(ClientSightings):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._upsert = _UPSERTS[session.get_bind().dialect.name]

    async def record(self, user_id: UUID, fingerprint: str, at: datetime) -> None:
        await self._session.execute(self._upsert, {"user_id": user_id, "fingerprint": fingerprint, "seen_at": at})

    async def last_seen(self, user_id: UUID, fingerprint: str, since: datetime) -> datetime | None:
        parameters = {"user_id": user_id, "fingerprint": fingerprint, "since": since}
        seen_at: datetime | None = await self._session.scalar(_LAST_SEEN, parameters)
        return seen_at

    async def purge(self, before: datetime, limit: int) -> int:
        oldest = (
            select(client_sightings.c.user_id, client_sightings.c.fingerprint)
            .where(client_sightings.c.seen_at < before)
            .order_by(client_sightings.c.seen_at)
            .limit(limit)
        )
        result = await self._session.execute(
            delete(client_sightings).where(
                tuple_(client_sightings.c.user_id, client_sightings.c.fingerprint).in_(oldest),
                # Again on the row as it stands once its lock is had: a login may have just moved it forward.
                client_sightings.c.seen_at < before,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # a DELETE's result has a row count
