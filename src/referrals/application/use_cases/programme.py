from dataclasses import dataclass

from referrals.application.errors import ProgrammeChanged
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.programme import ProgrammeRepository
from referrals.domain.programme import Programme, ProgrammeTerms

# Versions set at the same instant by other operators before this one gives up and says so (409).
_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class GetProgramme:
    """The terms in force: what a referrer is offered."""

    programme: ProgrammeRepository

    async def __call__(self) -> Programme:
        return await self.programme.current()


@dataclass(frozen=True, slots=True)
class SetProgramme:
    """New terms, as the next version; rewards already granted keep the version they were computed under."""

    programme: ProgrammeRepository
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, terms: ProgrammeTerms) -> Programme:
        for attempt in range(_ATTEMPTS):
            try:
                async with self.transaction.write():
                    return await self.programme.add(terms, self.clock.now())
            except ProgrammeChanged:
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError  # pragma: no cover - the loop returns or raises
