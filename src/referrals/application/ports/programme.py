"""The programme's terms, by version."""

from datetime import datetime
from typing import Protocol

from referrals.domain.programme import Programme, ProgrammeTerms


class ProgrammeRepository(Protocol):
    async def current(self) -> Programme:
        """The version in force; ``UNSET_PROGRAMME`` before the first is set."""
        ...

    async def add(self, terms: ProgrammeTerms, at: datetime) -> Programme:
        """Inside a write transaction: the terms as the next version. Raises ``ProgrammeChanged`` when another
        version was added at the same time."""
        ...
