from dataclasses import dataclass

from referrals.application.email_verification import EmailGate
from referrals.application.ports.accounts import PasswordHasher, UserQueries, UserRepository
from referrals.application.ports.codes import LiveCodeQueries, ReferralCodeRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.domain.codes import normalize_code
from referrals.domain.emails import DomainNames, canonical_email
from referrals.domain.errors import EmailTaken, InvalidReferralCode
from referrals.domain.ids import new_id
from referrals.domain.passwords import check_password_policy, normalise_password
from referrals.domain.user import User


@dataclass(frozen=True, slots=True)
class Registration:
    email: str
    password: str
    referral_code: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterUser:
    """Create an account, optionally as the referral of whoever owns a live referral code.

    A code that matches no live code is refused before the email is even looked at, so that answer is the same
    whatever the email; an unknown, expired or deleted code all read alike. Only with a live code (or none) does a
    taken email show, as it must for the registration to be refused.
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
        # Checked before hashing so a taken email costs no argon2 time (a committed read: nothing is held while
        # another service is asked and the password is hashed); checked again under the write lock below.
        if await self.accounts.by_email(email) is not None:
            raise EmailTaken
        await self.email_gate.check(email)
        password_hash = await self.hasher.hash(password)

        now = self.clock.now()
        async with self.transaction.write():
            referral_code = None if code is None else await self.codes.live_by_code(code, now)
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
            await self.users.add(user)
        return user
