from datetime import timedelta

import pytest

from referrals.application.errors import NotReferrer
from referrals.application.pages import MAX_PAGE_SIZE, PageRequest
from referrals.application.ports.operators import UserCaller
from referrals.application.use_cases.list_referrals import ReferralsRequest
from referrals.domain.ids import new_id
from referrals.domain.user import User
from tests.unit.application.fakes import World
from tests.unit.application.steps import list_referrals, registered, with_code


async def referrer_with(world: World, count: int) -> User:
    referrer = await registered(world)
    code = await with_code(world, referrer)
    for n in range(count):
        world.clock.advance(timedelta(seconds=1))
        await registered(world, f"f{n}@example.com", code=code.code)
    return referrer


async def test_referrals_are_the_referrers_own_newest_first(world: World) -> None:
    referrer = await referrer_with(world, 3)
    other = await registered(world, "other@example.com")
    other_code = await with_code(world, other)
    await registered(world, "not-mine@example.com", code=other_code.code)

    page = await list_referrals(world)(ReferralsRequest(UserCaller(referrer.id), referrer.id, page=PageRequest(2, 0)))

    assert [item.email for item in page.items] == ["f2@example.com", "f1@example.com"]
    assert page.total == 3
    assert (page.limit, page.offset) == (2, 0)
    newest = await world.users.by_email("f2@example.com")
    assert newest is not None
    assert (page.items[0].id, page.items[0].created_at) == (newest.id, newest.created_at)


async def test_the_next_page_follows_on(world: World) -> None:
    referrer = await referrer_with(world, 3)

    page = await list_referrals(world)(ReferralsRequest(UserCaller(referrer.id), referrer.id, page=PageRequest(2, 2)))

    assert [item.email for item in page.items] == ["f0@example.com"]
    assert page.total == 3


async def test_a_page_past_the_end_is_empty_but_still_counts(world: World) -> None:
    referrer = await referrer_with(world, 2)

    page = await list_referrals(world)(ReferralsRequest(UserCaller(referrer.id), referrer.id, page=PageRequest(10, 50)))

    assert list(page.items) == []
    assert page.total == 2


async def test_a_referrer_without_referrals_gets_an_empty_page(world: World) -> None:
    referrer = await registered(world)

    page = await list_referrals(world)(ReferralsRequest(UserCaller(referrer.id), referrer.id))

    assert (list(page.items), page.total, page.limit, page.offset) == ([], 0, 20, 0)


async def test_another_user_may_not_read_them(world: World) -> None:
    referrer = await referrer_with(world, 1)
    intruder = await registered(world, "eve@example.com")

    with pytest.raises(NotReferrer):
        await list_referrals(world)(ReferralsRequest(caller=UserCaller(intruder.id), referrer_id=referrer.id))

    assert world.referrals.pages_asked == []


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (0, 0, (1, 0)),
        (-5, 0, (1, 0)),
        (1, 0, (1, 0)),
        (MAX_PAGE_SIZE, 0, (100, 0)),
        (MAX_PAGE_SIZE + 1, 0, (100, 0)),
        (500, 0, (100, 0)),
        (10, -1, (10, 0)),
        (10, -5, (10, 0)),
        (10, 7, (10, 7)),
    ],
)
async def test_paging_is_clamped_before_the_query(
    world: World, limit: int, offset: int, expected: tuple[int, int]
) -> None:
    referrer = await registered(world)

    page = await list_referrals(world)(
        ReferralsRequest(UserCaller(referrer.id), referrer.id, page=PageRequest(limit, offset))
    )

    assert (page.limit, page.offset) == expected
    assert world.referrals.pages_asked == [(referrer.id, *expected)]


async def test_a_clamped_limit_really_limits_the_page(world: World) -> None:
    referrer = await referrer_with(world, 3)

    page = await list_referrals(world)(ReferralsRequest(UserCaller(referrer.id), referrer.id, page=PageRequest(0, -3)))

    assert [item.email for item in page.items] == ["f2@example.com"]
    assert page.total == 3


async def test_an_unknown_referrer_asking_for_itself_gets_an_empty_page(world: World) -> None:
    ghost = new_id()

    page = await list_referrals(world)(ReferralsRequest(UserCaller(ghost), ghost))

    assert page.total == 0
