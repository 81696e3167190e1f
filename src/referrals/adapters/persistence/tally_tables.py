"""Each referrer's tallies: referrals by state, and their rewards as referrer by currency and state.

Kept in the transactions that change referrals and rewards (adapters/persistence/tallies.py), so that a
referrer's stats are a read of a few rows, whatever the referrer's size.
"""

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, PrimaryKeyConstraint, String, Table, Uuid

from referrals.adapters.persistence.tables import metadata
from referrals.domain.referral import ReferralState
from referrals.domain.reward import RewardState

# A tally has a column per state, named as the state: what keeps the tallies and what counts them again write
# these columns, in this order.
REFERRAL_STATE_COLUMNS = [state.value for state in ReferralState]
REWARD_STATE_COLUMNS = [state.value for state in RewardState]

referrer_tallies = Table(
    "referrer_tallies",
    metadata,
    Column("referrer_id", Uuid, ForeignKey("users.id"), primary_key=True),
    Column("pending", Integer, nullable=False, server_default="0"),
    Column("flagged", Integer, nullable=False, server_default="0"),
    Column("qualified", Integer, nullable=False, server_default="0"),
    Column("voided", Integer, nullable=False, server_default="0"),
)

# Sums of amounts by the state each reward is stored in: a pending reward past its hold is moved to available
# by the reads (see reward_queries.py), as it is everywhere else.
referrer_reward_tallies = Table(
    "referrer_reward_tallies",
    metadata,
    Column("referrer_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("currency", String(16), nullable=False),
    Column("pending", BigInteger, nullable=False, server_default="0"),
    Column("available", BigInteger, nullable=False, server_default="0"),
    Column("redeemed", BigInteger, nullable=False, server_default="0"),
    Column("voided", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("referrer_id", "currency"),
)
