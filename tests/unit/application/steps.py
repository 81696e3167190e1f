"""Use cases built over the fakes, and the steps the tests take again and again."""

from datetime import datetime, timedelta

from referrals.application.sessions import TokenPair
from referrals.application.use_cases.create_referral_code import CreateReferralCode, NewCode
from referrals.application.use_cases.delete_referral_code import DeleteReferralCode
from referrals.application.use_cases.find_active_code import FindActiveCode
from referrals.application.use_cases.log_in import Credentials, LogIn
from referrals.application.use_cases.refresh_session import RefreshSession
from referrals.application.use_cases.register_user import RegisterUser, Registration
from referrals.domain.referral_code import ReferralCode
from referrals.domain.user import User
from tests.unit.application.conftest import World

PASSWORD = "correct horse battery"


def register_user(world: World) -> RegisterUser:
    return RegisterUser(world.users, world.codes, world.hasher, world.transaction, world.clock)


def create_referral_code(world: World) -> CreateReferralCode:
    return CreateReferralCode(world.users, world.codes, world.cache, world.transaction, world.clock, world.code_policy)


def delete_referral_code(world: World) -> DeleteReferralCode:
    return DeleteReferralCode(world.users, world.codes, world.cache, world.transaction, world.clock)


def find_active_code(world: World) -> FindActiveCode:
    return FindActiveCode(world.codes, world.cache, world.clock, world.code_policy)


def log_in(world: World) -> LogIn:
    return LogIn(world.users, world.hasher, world.sessions, world.transaction, world.clock)


def refresh_session(world: World) -> RefreshSession:
    return RefreshSession(world.tokens, world.sessions, world.transaction, world.clock)


async def registered(world: World, email: str = "ada@example.com", code: str | None = None) -> User:
    return await register_user(world)(Registration(email=email, password=PASSWORD, referral_code=code))


async def with_code(world: World, owner: User, lifetime: timedelta = timedelta(days=1)) -> ReferralCode:
    return await create_referral_code(world)(NewCode(owner_id=owner.id, expires_at=world.clock.now() + lifetime))


async def logged_in(world: World, email: str = "ada@example.com") -> TokenPair:
    return await log_in(world)(Credentials(email=email, password=PASSWORD))


def at(world: World, instant: datetime) -> None:
    world.clock.current = instant
