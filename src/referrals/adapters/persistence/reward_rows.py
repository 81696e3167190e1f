"""A reward as a row of the rewards table, and back."""

from typing import Any

from referrals.domain.reward import Reward, RewardRole, RewardState


def reward_row(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "referral_id": reward.referral_id,
        "user_id": reward.user_id,
        "role": reward.role.value,
        "amount": reward.amount,
        "currency": reward.currency,
        "state": reward.state.value,
        "created_at": reward.created_at,
        "available_at": reward.available_at,
        "redeemed_at": reward.redeemed_at,
        "voided_at": reward.voided_at,
        "program_version": reward.program_version,
        "conversion_id": reward.conversion_id,
    }


def reward_from_row(row: Any) -> Reward:
    return Reward(
        id=row["id"],
        referral_id=row["referral_id"],
        user_id=row["user_id"],
        role=RewardRole(row["role"]),
        amount=int(row["amount"]),
        currency=row["currency"],
        state=RewardState(row["state"]),
        created_at=row["created_at"],
        available_at=row["available_at"],
        redeemed_at=row["redeemed_at"],
        voided_at=row["voided_at"],
        program_version=row["program_version"],
        conversion_id=row["conversion_id"],
    )
