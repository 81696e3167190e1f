"""A referrer's stats from their tallies (see tallies.py): a few rows whatever the referrer's size, read in one
statement so that the counts and the sums come from one snapshot and cost one round trip."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Uuid, bindparam, func, select

from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.tables import rewards
from referrals.adapters.persistence.tally_tables import referrer_reward_tallies, referrer_tallies
from referrals.application.ports.referrals import ReferralCounts
from referrals.application.ports.referrer_stats import ReferrerStatsQueries, ReferrerTallies
from referrals.application.ports.rewards import CurrencyTotals
from referrals.domain.referral import ReferralState
from referrals.domain.reward import RewardRole, RewardState

_PENDING = RewardState.PENDING.value
_AVAILABLE = RewardState.AVAILABLE.value


class SqlaReferrerStatsQueries(ReferrerStatsQueries):
    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def tallies(self, referrer_id: UUID, now: datetime) -> ReferrerTallies:
        rows = await self._reads.all(_STATS, {"referrer_id": referrer_id, "now": now})
        # At least one row (the referrer's own); it carries a currency's sums when they have any.
        return ReferrerTallies(
            referrals=_counts(rows[0]), rewards=[_totals(row) for row in rows if row["currency"] is not None]
        )


def _counts(row: Mapping[str, Any]) -> ReferralCounts:
    return ReferralCounts(**{state.value: int(row[f"referrals_{state.value}"] or 0) for state in ReferralState})


def _totals(row: Mapping[str, Any]) -> CurrencyTotals:
    sums = {state.value: int(row[f"rewards_{state.value}"]) for state in RewardState}
    # A pending reward past its hold reads as available, before the background step records it.
    matured = int(row["matured"])
    sums[_PENDING] -= matured
    sums[_AVAILABLE] += matured
    return CurrencyTotals(currency=row["currency"], **sums)


# The referrer, as a row to join their tallies to: they may have referrals and no rewards, or neither.
_REFERRER = select(bindparam("referrer_id", type_=Uuid()).label("id")).subquery("referrer")
# The rewards still stored as pending past their hold (the background step records them within a tick), from
# the (user, role, state, available_at, currency, amount) index: only those are visited.
_MATURED_UNRECORDED = (
    select(rewards.c.currency, func.sum(rewards.c.amount).label("amount"))
    .where(
        rewards.c.user_id == bindparam("referrer_id"),
        rewards.c.role == RewardRole.REFERRER.value,
        rewards.c.state == _PENDING,
        rewards.c.available_at <= bindparam("now"),
    )
    .group_by(rewards.c.currency)
    .subquery("matured")
)
# One row per currency the referrer has rewards in (one with no currency when none), each with the referral
# counts, the currency's sums by state, and what of its pending sum has matured unrecorded.
_STATS = (
    select(
        *(referrer_tallies.c[state.value].label(f"referrals_{state.value}") for state in ReferralState),
        referrer_reward_tallies.c.currency,
        *(referrer_reward_tallies.c[state.value].label(f"rewards_{state.value}") for state in RewardState),
        func.coalesce(_MATURED_UNRECORDED.c.amount, 0).label("matured"),
    )
    .select_from(
        _REFERRER.outerjoin(referrer_tallies, referrer_tallies.c.referrer_id == _REFERRER.c.id)
        .outerjoin(referrer_reward_tallies, referrer_reward_tallies.c.referrer_id == _REFERRER.c.id)
        .outerjoin(_MATURED_UNRECORDED, _MATURED_UNRECORDED.c.currency == referrer_reward_tallies.c.currency)
    )
    .order_by(referrer_reward_tallies.c.currency)
)
