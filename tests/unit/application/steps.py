"""Use cases built over the fakes, and the steps the tests take again and again."""

from datetime import timedelta

from referrals.application.sessions import TokenPair
from referrals.application.use_cases.create_referral_code import CreateReferralCode, NewCode
from referrals.application.use_cases.delete_referral_code import DeleteReferralCode
from referrals.application.use_cases.find_active_code import FindActiveCode
from referrals.application.use_cases.get_profile import GetProfile
from referrals.application.use_cases.list_referrals import ListReferrals
from referrals.application.use_cases.log_in import Credentials, LogIn
from referrals.application.use_cases.log_out import LogOut
from referrals.application.use_cases.refresh_session import RefreshSession
from referrals.application.use_cases.register_user import RegisterUser, Registration
from referrals.domain.referral_code import ReferralCode
from referrals.domain.refresh_token import RefreshToken, refresh_digest
from referrals.domain.user import User
from tests.unit.application.fakes import World

PASSWORD = "correct horse battery"


def register_user(world: World) -> RegisterUser:
    return RegisterUser(
        accounts=world.users,
        live_codes=world.codes,
        users=world.users,
        codes=world.codes,
        hasher=world.hasher,
        transaction=world.transaction,
        clock=world.clock,
        email_gate=world.email_gate,
        domain_names=world.domain_names,
        screening=world.screening,
        fingerprints=world.fingerprints,
        sightings=world.sightings,
        cache=world.cache,
    )


def log_in(world: World) -> LogIn:
    return LogIn(
        accounts=world.users,
        users=world.users,
        hasher=world.hasher,
        sessions=world.sessions,
        transaction=world.transaction,
        clock=world.clock,
        throttle=world.login_throttle,
        domain_names=world.domain_names,
        fingerprints=world.fingerprints,
        sightings=world.sightings,
    )


def refresh_session(world: World) -> RefreshSession:
    return RefreshSession(
        refresh_tokens=world.tokens, sessions=world.sessions, transaction=world.transaction, clock=world.clock
    )


def log_out(world: World) -> LogOut:
    return LogOut(refresh_tokens=world.tokens, transaction=world.transaction, clock=world.clock)


def get_profile(world: World) -> GetProfile:
    return GetProfile(users=world.users)


def create_referral_code(world: World) -> CreateReferralCode:
    return CreateReferralCode(
        users=world.users,
        codes=world.codes,
        cache=world.cache,
        transaction=world.transaction,
        clock=world.clock,
        policy=world.code_policy,
    )


def delete_referral_code(world: World) -> DeleteReferralCode:
    return DeleteReferralCode(
        users=world.users, codes=world.codes, cache=world.cache, transaction=world.transaction, clock=world.clock
    )


def find_active_code(world: World) -> FindActiveCode:
    return FindActiveCode(
        codes=world.codes,
        cache=world.cache,
        clock=world.clock,
        policy=world.code_policy,
        domain_names=world.domain_names,
    )


def list_referrals(world: World) -> ListReferrals:
    return ListReferrals(queries=world.referrals)


async def registered(
    world: World, email: str = "ada@example.com", code: str | None = None, password: str = PASSWORD
) -> User:
    return await register_user(world)(Registration(email=email, password=password, referral_code=code))


async def with_code(world: World, owner: User, lifetime: timedelta = timedelta(days=1)) -> ReferralCode:
    return await create_referral_code(world)(NewCode(owner_id=owner.id, expires_at=world.clock.now() + lifetime))


async def logged_in(world: World, email: str = "ada@example.com") -> TokenPair:
    return await log_in(world)(Credentials(email=email, password=PASSWORD))


async def stored(world: World, refresh_secret: str) -> RefreshToken:
    token = await world.tokens.by_digest(refresh_digest(refresh_secret))
    assert token is not None, "no refresh token is stored for this secret"
    return token
