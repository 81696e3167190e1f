from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referrals.application.ports.accounts import UserQueries
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.programme import ProgrammeRepository
from referrals.application.ports.referrals import ReferralQueries, ReferralRepository
from referrals.application.ports.rewards import ConversionRepository, RewardQueries, RewardRepository
from referrals.application.qualification import qualify
from referrals.domain.conversion import Conversion
from referrals.domain.emails import DomainNames, email_to_find
from referrals.domain.errors import InvalidEmail
from referrals.domain.money import Money
from referrals.domain.programme import Programme
from referrals.domain.programme_errors import ConversionIdReused, InvalidConversion, UnknownConversionUser
from referrals.domain.referral import Referral, ReferralState
from referrals.domain.reward import Reward


@dataclass(frozen=True, slots=True)
class ConversionReport:
    """What the operator's backend reports: exactly one of ``user_id`` and ``email``; ``occurred_at`` None for now."""

    id: str
    type: str
    user_id: UUID | None = None
    email: str | None = None
    value: Money | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RecordedConversion:
    conversion: Conversion
    qualified: bool
    # The referee's referral as it stands now, and the rewards this conversion created (as they stand now).
    referral: Referral | None
    rewards: Sequence[Reward]
    # False when the same report was already stored: the answer is the stored one, brought up to date.
    created: bool


@dataclass(frozen=True, slots=True)
class RecordConversion:
    """Store a conversion; the first qualifying one of a pending referral qualifies it and grants its rewards.
    A flagged referral holds its first qualifying conversion until the operator approves or voids it.

    Every rule a race could break is settled by the database: the conversion's id is its key, the referral is
    locked while it qualifies, under a cap a referrer's grants take turns on the referrer's row, and a referral
    holds at most one reward per role.
    """

    users: UserQueries
    domain_names: DomainNames
    programme: ProgrammeRepository
    conversions: ConversionRepository
    referrals: ReferralRepository
    referral_queries: ReferralQueries
    rewards: RewardRepository
    reward_queries: RewardQueries
    transaction: TransactionManager
    clock: Clock

    async def __call__(self, report: ConversionReport) -> RecordedConversion:
        user_id = await self._user_of(report)
        now = self.clock.now()
        conversion = Conversion(
            id=report.id,
            user_id=user_id,
            type=report.type,
            value=report.value,
            occurred_at=report.occurred_at or now,
            received_at=now,
        )
        async with self.transaction.write():
            # The referral first: while it is locked, this report's verdict cannot go stale.
            referral = await self.referrals.lock(user_id)
            programme = await self._programme_qualified_under(referral, conversion)
            # A flagged referral's qualifying conversion is stored and held: it qualifies nothing until approved.
            qualifies = programme is not None and referral is not None and referral.state is ReferralState.PENDING
            if not await self.conversions.add(conversion, qualified=qualifies):
                stored = await self.conversions.get(conversion.id)
            else:
                stored = None
                rewards: list[Reward] = []
                if referral is not None and programme is not None:
                    if qualifies:
                        referral, rewards = await qualify(
                            self.referrals, self.rewards, referral, programme, conversion, now
                        )
                    elif (held := referral.holding(conversion.id)) is not referral:
                        await self.referrals.hold_conversion(held)
                        referral = held
        if stored is not None:
            return await self._replay(report, conversion, stored.conversion, stored.qualified, now)
        return RecordedConversion(
            conversion=conversion,
            qualified=qualifies,
            referral=referral,
            rewards=[reward.as_of(now) for reward in rewards],
            created=True,
        )

    async def _user_of(self, report: ConversionReport) -> UUID:
        if (report.user_id is None) == (report.email is None):
            msg = "Give exactly one of user_id and email."
            raise InvalidConversion(msg)
        if report.user_id is not None:
            user = await self.users.by_id(report.user_id)
        else:
            assert report.email is not None  # noqa: S101 - checked above; for the type checker
            try:
                email = email_to_find(report.email, self.domain_names)
            except InvalidEmail:
                # No account could have registered with it: a user nobody has, like an address nobody used.
                raise UnknownConversionUser from None
            user = await self.users.by_email(email)
        if user is None:
            raise UnknownConversionUser
        return user.id

    async def _programme_qualified_under(self, referral: Referral | None, conversion: Conversion) -> Programme | None:
        """The programme in force, when the conversion qualifies the (pending or flagged) referral under it."""
        if referral is None or referral.state not in {ReferralState.PENDING, ReferralState.FLAGGED}:
            return None
        programme = await self.programme.current()
        qualifies = programme.terms.qualifies(
            referral.created_at, conversion.type, conversion.occurred_at, conversion.value
        )
        return programme if qualifies else None

    async def _replay(
        self, report: ConversionReport, reported: Conversion, stored: Conversion, qualified: bool, now: datetime
    ) -> RecordedConversion:
        # A report that left occurred_at to the service repeats the stored instant, whatever the time now.
        if report.occurred_at is None:
            reported = Conversion(
                id=reported.id,
                user_id=reported.user_id,
                type=reported.type,
                value=reported.value,
                occurred_at=stored.occurred_at,
                received_at=stored.received_at,
            )
        if not stored.same_report_as(reported):
            raise ConversionIdReused
        rewards = await self.reward_queries.of_conversion(stored.id)
        return RecordedConversion(
            conversion=stored,
            qualified=qualified,
            referral=await self.referral_queries.get(stored.user_id),
            rewards=[reward.as_of(now) for reward in rewards],
            created=False,
        )
