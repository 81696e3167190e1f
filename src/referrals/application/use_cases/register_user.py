from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from referrals.application.email_verification import EmailGate
from referrals.application.ports.accounts import PasswordHasher, UserQueries, UserRepository
from referrals.application.ports.codes import CodeCache, LiveCodeQueries, ReferralCodeRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.fraud import ClientFingerprints, ClientSightings
from referrals.application.referral_screening import Newcomer, ReferralScreening
from referrals.domain.codes import normalize_code
from referrals.domain.emails import DomainNames, canonical_email
from referrals.domain.errors import EmailTaken, InvalidReferralCode
from referrals.domain.ids import new_id
from referrals.domain.passwords import check_password_policy, normalise_password
from referrals.domain.referral_code import CodeState, ReferralCode
from referrals.domain.user import User

if TYPE_CHECKING:
    from referrals.domain.referral import ReferralFlag


@dataclass(frozen=True, slots=True)
class Registration:
    email: str
    password: str
    referral_code: str | None = None
    # The client's address as the HTTP edge identifies it (an IPv6 client's /64); None when unknown.
    client: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterUser:
    """Create an account, optionally as the referral of whoever owns a live referral code.

    A code that matches no live code is refused before the email is even looked at, so that answer is the same
    whatever the email; an unknown, expired, deleted or spent code all read alike. Only with a live code (or none)
    does a taken email show, as it must for the registration to be refused.

    A registration with a code is screened for referral fraud: a self-referral or a throwaway address is refused,
    and the likely signs of one person behind both accounts flag the referral for the operator's review.
    """

    accounts: UserQueries
    live_codes: LiveCodeQueries
    users: UserRepository
    codes: ReferralCodeRepository
    hasher: PasswordHasher
    transaction: TransactionManager
    clock: Clock
    email_gate: EmailGate
    domain_names: DomainNames
    screening: ReferralScreening
    fingerprints: ClientFingerprints
    sightings: ClientSightings
    cache: CodeCache

    async def __call__(self, registration: Registration) -> User:
        email = canonical_email(registration.email, self.domain_names)
        password = normalise_password(registration.password)
        check_password_policy(password)
        code = None if registration.referral_code is None else normalize_code(registration.referral_code)
        if registration.referral_code is not None and code is None:
            raise InvalidReferralCode
        # A dead code is refused first: answering it by the email would tell, for free, whether the email has an
        # account. The work up to here and this one committed read do not depend on the email.
        if code is not None and not await self.live_codes.is_live(code, self.clock.now()):
            raise InvalidReferralCode
        throwaway_domain = None if code is None else self.screening.throwaway_domain(email)
        # Checked before hashing so a taken email costs no argon2 time (a committed read: nothing is held while
        # another service is asked and the password is hashed); checked again under the write lock below.
        if await self.accounts.by_email(email) is not None:
            raise EmailTaken
        await self.email_gate.check(email)
        password_hash = await self.hasher.hash(password)
        newcomer = Newcomer(
            email=email, fingerprint=None if registration.client is None else self.fingerprints.of(registration.client)
        )

        now = self.clock.now()
        async with self.transaction.write():
            referral_code = None if code is None else await self.codes.claim_use(code, now)
            if code is not None and referral_code is None:
                raise InvalidReferralCode
            if await self.users.email_exists(email):
                raise EmailTaken
            user = User(
                id=new_id(),
                email=email,
                password_hash=password_hash,
                created_at=now,
                referrer_id=None if referral_code is None else referral_code.owner_id,
                referred_with_code_id=None if referral_code is None else referral_code.id,
            )
            flags: tuple[ReferralFlag, ...] = ()
            if referral_code is not None:
                referrer_email = await self._email_of(referral_code)
                flags = await self.screening.flags(newcomer, referral_code, referrer_email, throwaway_domain, now)
                if referral_code.state is CodeState.SPENT:
                    # Once committed: a lookup that missed before the commit must not cache the spent code.
                    self.transaction.after_commit(partial(self.cache.invalidate, referrer_email))
            await self.users.add(user, referral_flags=flags)
            if newcomer.fingerprint is not None:
                await self.sightings.record(user.id, newcomer.fingerprint, now)
        return user

    async def _email_of(self, code: ReferralCode) -> str:
        owner = await self.users.get(code.owner_id)
        if owner is None:  # a code's owner is a foreign key: only a broken database has none
            raise InvalidReferralCode
        return owner.email
