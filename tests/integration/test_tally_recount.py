"""Counting the referrers' tallies again: they come back in line with the referrals and rewards after rows
changed behind the service's back, and conversions committing meanwhile are not lost from them."""

import asyncio

import pytest
from dishka import AsyncContainer
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from referrals.adapters.persistence.tables import referrals
from referrals.adapters.persistence.tally_tables import referrer_reward_tallies, referrer_tallies
from referrals.application.use_cases.recount_tallies import RecountTallies
from tests.integration.tally_checks import assert_tallies_agree
from tests.integration.test_programme_races import (
    container,
    engine,
    in_request,
    purchase,
    record,
    referrer_with_referees,
    set_programme,
    warm_pool,
)

__all__ = ["container", "engine"]


async def recount(container: AsyncContainer) -> int:
    return await in_request(container, RecountTallies, lambda recount_tallies: recount_tallies())


async def test_tallies_changed_behind_the_service_s_back_are_counted_again(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    await set_programme(container)
    _, referees = await referrer_with_referees(container, 3)
    await record(container, purchase("order-1", referees[0]))
    async with engine.begin() as connection:
        # A referral voided by hand, and the tallies' rows of the reward sums lost (a restore of one table).
        await connection.execute(update(referrals).where(referrals.c.id == referees[1].id).values(state="voided"))
        await connection.execute(delete(referrer_reward_tallies))
    with pytest.raises(AssertionError):
        await assert_tallies_agree(engine)

    counted = await recount(container)

    assert counted == 1
    await assert_tallies_agree(engine)


async def test_conversions_committing_while_the_tallies_are_counted_again_count_on_top_of_them(
    container: AsyncContainer, engine: AsyncEngine
) -> None:
    await set_programme(container)
    _, referees = await referrer_with_referees(container, 8)
    async with engine.begin() as connection:
        await connection.execute(update(referrer_tallies).values(pending=0))
    await warm_pool(engine, 9)

    await asyncio.gather(
        recount(container), *(record(container, purchase(f"order-{n}", referee)) for n, referee in enumerate(referees))
    )

    await assert_tallies_agree(engine)
