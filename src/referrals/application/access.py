"""Who may read whose referral programme data."""

from uuid import UUID

from referrals.application.errors import InsufficientScope, NotReferrer
from referrals.application.ports.operators import Caller, UserCaller
from referrals.domain.api_keys import Scope


def check_may_read_referrer(caller: Caller, referrer_id: UUID) -> None:
    """The referrer themselves (by token), or a key with ``referrals:read``; nobody else."""
    if isinstance(caller, UserCaller):
        if caller.user_id != referrer_id:
            raise NotReferrer
    elif not caller.has(Scope.REFERRALS_READ):
        raise InsufficientScope(scope=Scope.REFERRALS_READ)
