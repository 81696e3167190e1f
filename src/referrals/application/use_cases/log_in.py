from dataclasses import dataclass

from referrals.application.errors import InvalidCredentials
from referrals.application.ports.accounts import PasswordHasher, UserQueries, UserRepository
from referrals.application.ports.common import Clock, TransactionManager
from referrals.application.ports.fraud import ClientFingerprints, ClientSightings
from referrals.application.sessions import SessionTokens, TokenPair
from referrals.application.throttling import LoginThrottle
from referrals.domain.emails import DomainNames, email_to_find
from referrals.domain.errors import InvalidEmail
from referrals.domain.ids import new_id
from referrals.domain.passwords import normalise_password


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    password: str
    # Who is asking (the HTTP edge passes the client's address); failed attempts are budgeted per client.
    client: str = "unknown"


@dataclass(frozen=True, slots=True)
class LogIn:
    """Exchange an email and password for an access token and the first refresh token of a new chain."""

    accounts: UserQueries
    users: UserRepository
    hasher: PasswordHasher
    sessions: SessionTokens
    transaction: TransactionManager
    clock: Clock
    throttle: LoginThrottle
    domain_names: DomainNames
    fingerprints: ClientFingerprints
    sightings: ClientSightings

    async def __call__(self, credentials: Credentials) -> TokenPair:
        try:
            account = email_to_find(credentials.email, self.domain_names)
        except InvalidEmail:
            account = None
        async with self.throttle.attempt(account or credentials.email, credentials.client):
            return await self._log_in(account, credentials.password, credentials.client)

    async def _log_in(self, account: str | None, typed: str, client: str) -> TokenPair:
        # A committed read: nothing holds a database connection while the password is verified.
        user = None if account is None else await self.accounts.by_email(account)
        stored_hash = None if user is None else user.password_hash
        password = normalise_password(typed)
        # Verify even for an unknown email, so the response time does not tell which emails have accounts.
        verified = await self.hasher.verify(stored_hash, password)
        # Hashes made before passwords were normalised are of the password as typed: it is tried too (for an
        # unknown email as well, so that costs alike), and a match is rehashed in the normalised form below.
        typed_hash_verified = not verified and typed != password and await self.hasher.verify(stored_hash, typed)
        if user is None or not (verified or typed_hash_verified):
            raise InvalidCredentials
        new_hash = None
        if typed_hash_verified or self.hasher.needs_rehash(user.password_hash):
            new_hash = await self.hasher.hash(password)
        now = self.clock.now()
        # Where the user logged in from, for the referral fraud rules: a keyed hash, kept for hours.
        fingerprint = self.fingerprints.of(client)
        async with self.transaction.write():
            if new_hash is not None:
                await self.users.set_password_hash(user.id, new_hash)
            if fingerprint is not None:
                await self.sightings.record(user.id, fingerprint, now)
            return await self.sessions.issue(user.id, family_id=new_id(), now=now)
