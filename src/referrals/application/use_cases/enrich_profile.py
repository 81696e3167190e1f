import logging
from dataclasses import dataclass
from uuid import UUID

from referrals.application.errors import ProviderUnavailable
from referrals.application.ports.accounts import ProfileEnricher, UserRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.domain.user import EnrichedProfile

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EnrichProfile:
    """Ask the enrichment provider about a new user and keep what it knows. Never fails: enrichment is a bonus."""

    users: UserRepository
    enricher: ProfileEnricher
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, user_id: UUID, email: str) -> EnrichedProfile | None:
        try:
            profile = await self.enricher.enrich(email)
        except ProviderUnavailable as error:
            logger.warning("profile enrichment failed: %s", error)
            return None
        if profile is None:
            return None
        enriched = EnrichedProfile(profile=profile, enriched_at=self.clock.now(), source=self.enricher.source)
        async with self.transaction.write():
            await self.users.set_profile(user_id, enriched)
        return enriched
