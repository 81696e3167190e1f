"""A referral's fraud flags as the JSON document its row keeps (NULL for none): reason, instant, evidence."""

import json
from collections.abc import Sequence
from datetime import datetime

from referrals.domain.referral import FlagReason, ReferralFlag


def flags_document(flags: Sequence[ReferralFlag]) -> str | None:
    if not flags:
        return None
    return json.dumps(
        [{"reason": f.reason.value, "detected_at": f.detected_at.isoformat(), "detail": f.detail} for f in flags]
    )


def flags_from(document: str | None) -> tuple[ReferralFlag, ...]:
    if document is None:
        return ()
    return tuple(
        ReferralFlag(FlagReason(item["reason"]), datetime.fromisoformat(item["detected_at"]), item["detail"])
        for item in json.loads(document)
    )
