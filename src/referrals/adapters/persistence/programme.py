"""The programme's versions: each PUT is a row, the highest one is in force."""

from datetime import datetime, timedelta

import msgspec
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters.persistence.tables import program_versions
from referrals.application.errors import ProgrammeChanged
from referrals.application.ports.programme import ProgrammeRepository
from referrals.domain.money import Money
from referrals.domain.programme import UNSET_PROGRAMME, FlatReward, Programme, ProgrammeTerms, RewardRule, ShareReward


class _StoredMoney(msgspec.Struct, frozen=True):
    amount: int
    currency: str


class _StoredReward(msgspec.Struct, frozen=True, omit_defaults=True):
    currency: str
    amount: int | None = None
    basis_points: int | None = None
    max_amount: int | None = None


class _StoredTerms(msgspec.Struct, frozen=True):
    """The stored form of the terms; durations in whole seconds."""

    qualifying_event: str
    attribution_window_seconds: int
    hold_seconds: int
    min_amount: _StoredMoney | None
    referrer_reward: _StoredReward | None
    referee_reward: _StoredReward | None
    max_rewarded_referrals_per_referrer: int | None


_LATEST = select(program_versions).order_by(program_versions.c.version.desc()).limit(1)


class SqlaProgrammeRepository(ProgrammeRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self) -> Programme:
        row = (await self._session.execute(_LATEST)).mappings().one_or_none()
        if row is None:
            return UNSET_PROGRAMME
        terms = _from_stored(msgspec.json.decode(row["terms"], type=_StoredTerms))
        return Programme(version=row["version"], terms=terms, updated_at=row["created_at"])

    async def add(self, terms: ProgrammeTerms, at: datetime) -> Programme:
        latest = await self._session.scalar(select(func.max(program_versions.c.version)))
        version = int(latest or 0) + 1
        try:
            # A savepoint: the unique violation of a lost race is undone here, so the session stays usable and the
            # error leaves as ProgrammeChanged; SetProgramme retries in a fresh transaction.
            async with self._session.begin_nested():
                await self._session.execute(
                    insert(program_versions).values(
                        version=version, terms=msgspec.json.encode(_to_stored(terms)).decode(), created_at=at
                    )
                )
        except IntegrityError as error:
            raise ProgrammeChanged from error
        return Programme(version=version, terms=terms, updated_at=at)


def _to_stored(terms: ProgrammeTerms) -> _StoredTerms:
    return _StoredTerms(
        qualifying_event=terms.qualifying_event,
        attribution_window_seconds=int(terms.attribution_window.total_seconds()),
        hold_seconds=int(terms.hold.total_seconds()),
        min_amount=None
        if terms.min_amount is None
        else _StoredMoney(terms.min_amount.amount, terms.min_amount.currency),
        referrer_reward=_stored_rule(terms.referrer_reward),
        referee_reward=_stored_rule(terms.referee_reward),
        max_rewarded_referrals_per_referrer=terms.max_rewarded_referrals_per_referrer,
    )


def _stored_rule(rule: RewardRule | None) -> _StoredReward | None:
    if rule is None:
        return None
    if isinstance(rule, FlatReward):
        return _StoredReward(currency=rule.currency, amount=rule.amount)
    return _StoredReward(currency=rule.currency, basis_points=rule.basis_points, max_amount=rule.max_amount)


def _from_stored(stored: _StoredTerms) -> ProgrammeTerms:
    return ProgrammeTerms(
        qualifying_event=stored.qualifying_event,
        attribution_window=timedelta(seconds=stored.attribution_window_seconds),
        hold=timedelta(seconds=stored.hold_seconds),
        min_amount=None if stored.min_amount is None else Money(stored.min_amount.amount, stored.min_amount.currency),
        referrer_reward=_rule(stored.referrer_reward),
        referee_reward=_rule(stored.referee_reward),
        max_rewarded_referrals_per_referrer=stored.max_rewarded_referrals_per_referrer,
    )


def _rule(stored: _StoredReward | None) -> RewardRule | None:
    if stored is None:
        return None
    if stored.amount is not None:
        return FlatReward(amount=stored.amount, currency=stored.currency)
    if stored.basis_points is None:
        msg = "a stored share reward without basis points"
        raise ValueError(msg)
    return ShareReward(basis_points=stored.basis_points, currency=stored.currency, max_amount=stored.max_amount)
