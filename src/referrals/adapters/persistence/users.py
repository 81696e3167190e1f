from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.constraints import reraise_as_domain_error
from referrals.adapters.persistence.reads import CommittedReads
from referrals.adapters.persistence.referrals import add_referral
from referrals.adapters.persistence.tables import users
from referrals.adapters.persistence.tallies import ChangeRecorder
from referrals.application.ports.accounts import UserQueries, UserRepository
from referrals.domain.errors import EmailTaken, SelfReferral
from referrals.domain.mailboxes import mailbox_key
from referrals.domain.referral import ReferralFlag, new_referral
from referrals.domain.user import EnrichedProfile, Profile, User

# Built once, like every statement on a hot read path.
_USER_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_USER_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))
_ERROR_BY_CONSTRAINT = {"uq_users_email": EmailTaken, "ck_users_not_self_referral": SelfReferral}


class SqlaUserRepository(UserRepository):
    def __init__(self, session: AsyncSession, events: ChangeRecorder) -> None:
        self._session = session
        self._events = events

    async def add(self, user: User, referral_flags: Sequence[ReferralFlag] = ()) -> None:
        try:
            await self._session.execute(
                insert(users).values(
                    id=user.id,
                    email=user.email,
                    password_hash=user.password_hash,
                    created_at=user.created_at,
                    referrer_id=user.referrer_id,
                    referred_with_code_id=user.referred_with_code_id,
                    mailbox_key=mailbox_key(user.email),
                )
            )
        except IntegrityError as error:
            reraise_as_domain_error(error, _ERROR_BY_CONSTRAINT)
        if user.referrer_id is not None:
            # A user who registers with a code is a referral from that moment: both rows or neither.
            referral = new_referral(user.id, user.referrer_id, user.email, user.created_at, referral_flags)
            await add_referral(self._session, self._events, referral)

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._session.execute(select(users).where(users.c.id == user_id))).mappings().one_or_none()
        return None if row is None else _to_user(row)

    async def email_exists(self, email: str) -> bool:
        return bool(await self._session.scalar(select(exists().where(users.c.email == email))))

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        await self._session.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    async def set_profile(self, user_id: UUID, profile: EnrichedProfile) -> None:
        await self._session.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(
                profile_full_name=profile.profile.full_name,
                profile_company=profile.profile.company,
                profile_title=profile.profile.title,
                profile_location=profile.profile.location,
                profile_avatar_url=profile.profile.avatar_url,
                profile_enriched_at=profile.enriched_at,
                profile_source=profile.source,
            )
        )


class SqlaUserQueries(UserQueries):
    def __init__(self, reads: CommittedReads) -> None:
        self._reads = reads

    async def by_id(self, user_id: UUID) -> User | None:
        return await self._one(_USER_BY_ID, {"user_id": user_id})

    async def by_email(self, email: str) -> User | None:
        return await self._one(_USER_BY_EMAIL, {"email": email})

    async def _one(self, statement: Select[Any], parameters: dict[str, Any]) -> User | None:
        row = await self._reads.first(statement, parameters)
        return None if row is None else _to_user(row)


def _to_user(row: Any) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        referrer_id=row["referrer_id"],
        referred_with_code_id=row["referred_with_code_id"],
        profile=_to_profile(row),
    )


def _to_profile(row: Any) -> EnrichedProfile | None:
    if row["profile_enriched_at"] is None:
        return None
    return EnrichedProfile(
        profile=Profile(
            full_name=row["profile_full_name"],
            company=row["profile_company"],
            title=row["profile_title"],
            location=row["profile_location"],
            avatar_url=row["profile_avatar_url"],
        ),
        enriched_at=row["profile_enriched_at"],
        source=row["profile_source"],
    )
