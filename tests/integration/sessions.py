"""The unit of work of a test's session, as the container gives each request one: repositories record their
events into the transaction that session has open."""

from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.clock import SystemClock
from referrals.adapters.persistence.commit_signal import CommitSignal
from referrals.adapters.persistence.transaction import SqlaUnitOfWork
from referrals.adapters.persistence.writer_turns import WriterTurns


def unit_of_work(session: AsyncSession) -> SqlaUnitOfWork:
    found = session.info.get("unit_of_work")
    if found is None:
        # Writers of separate sessions queue in the database itself, as those of separate processes do.
        turns = WriterTurns(single_writer=False)
        found = session.info["unit_of_work"] = SqlaUnitOfWork(session, SystemClock(), turns, CommitSignal())
    return found
