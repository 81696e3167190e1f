"""Conversions, keyed by the operator's own id."""

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import conversions
from referrals.application.ports.rewards import ConversionRepository, StoredConversion
from referrals.domain.conversion import Conversion
from referrals.domain.money import Money

# ON CONFLICT DO NOTHING in each dialect's spelling, built once; the values are sent as parameters.
_INSERT_UNLESS_TAKEN = {
    "postgresql": postgresql.insert(conversions).on_conflict_do_nothing(index_elements=["id"]),
    "sqlite": sqlite.insert(conversions).on_conflict_do_nothing(index_elements=["id"]),
}
_BY_ID = select(conversions).where(conversions.c.id == bindparam("conversion_id"))
_MARK_QUALIFIED = update(conversions).where(conversions.c.id == bindparam("conversion_id")).values(qualified=True)


class SqlaConversionRepository(ConversionRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, conversion: Conversion, *, qualified: bool) -> bool:
        values = {
            "id": conversion.id,
            "user_id": conversion.user_id,
            "type": conversion.type,
            "amount": None if conversion.value is None else conversion.value.amount,
            "currency": None if conversion.value is None else conversion.value.currency,
            "occurred_at": conversion.occurred_at,
            "received_at": conversion.received_at,
            "qualified": qualified,
        }
        # ON CONFLICT DO NOTHING: a report racing another with the same id waits for it, then stores nothing,
        # without an error that would end the transaction.
        statement = _INSERT_UNLESS_TAKEN[self._session.get_bind().dialect.name]
        result = await self._session.execute(statement, values)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, conversion_id: str) -> StoredConversion | None:
        row = (await self._session.execute(_BY_ID, {"conversion_id": conversion_id})).mappings().one_or_none()
        if row is None:
            return None
        value = None if row["amount"] is None else Money(row["amount"], row["currency"])
        conversion = Conversion(
            id=row["id"],
            user_id=row["user_id"],
            type=row["type"],
            value=value,
            occurred_at=row["occurred_at"],
            received_at=row["received_at"],
        )
        return StoredConversion(conversion=conversion, qualified=bool(row["qualified"]))

    async def mark_qualified(self, conversion_id: str) -> None:
        await self._session.execute(_MARK_QUALIFIED, {"conversion_id": conversion_id})
