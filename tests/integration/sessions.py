"""The unit of work of a test's session, as the container gives each request one: repositories record their
events into the transaction that session has open."""

from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.clock import SystemClock
from referrals.adapters.persistence.transaction import SqlaUnitOfWork


def unit_of_work(session: AsyncSession) -> SqlaUnitOfWork:
    found = session.info.get("unit_of_work")
    if found is None:
        found = session.info["unit_of_work"] = SqlaUnitOfWork(session, SystemClock())
    return found
