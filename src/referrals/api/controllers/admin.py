"""Operator routes, for API keys with the scope each names."""

from typing import Annotated

import msgspec
from dishka import FromDishka
from litestar import Router, get
from litestar.params import QueryParameter

from referrals.api.feed_schemas import EventFeedResponse, EventResponse
from referrals.api.injection import inject_app_wide
from referrals.api.operator_auth import API_KEY_SECURITY, requires_scope
from referrals.api.problems import problem_responses
from referrals.application.use_cases.read_event_feed import MAX_FEED_PAGE, FeedRequest, ReadEventFeed
from referrals.domain.api_keys import Scope
from referrals.domain.events import EventType


@get(
    "/events",
    operation_id="listEvents",
    guards=[requires_scope(Scope.REFERRALS_READ)],
    security=API_KEY_SECURITY,
    responses=problem_responses(400, 401, 403, 503),
)
@inject_app_wide
async def list_events(
    read_event_feed: FromDishka[ReadEventFeed],
    after: Annotated[
        int,
        QueryParameter(ge=0, le=2**53 - 1, description="Serve events with an id above this one: the last one seen."),
    ] = 0,
    types: Annotated[
        list[EventType] | None,
        QueryParameter(name="type", description="Only events of these types; repeat the parameter for several."),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_FEED_PAGE, description="At most this many events.")] = 100,
) -> EventFeedResponse:
    """Committed events after the cursor ``after``, oldest first (needs the scope `referrals:read`).

    Each event's ``data`` is the resource as the API showed it when the event happened. Pass ``next_after``
    back as ``after`` to read on: ids grow in commit order, so nothing is missed or served twice."""
    page = await read_event_feed(FeedRequest(after=after, types=frozenset(types or ()), limit=limit))
    items = [
        EventResponse(id=event.id, type=event.type, occurred_at=event.occurred_at, data=msgspec.Raw(event.data))
        for event in page.items
    ]
    return EventFeedResponse(items=items, next_after=page.next_after)


router = Router(path="/admin", route_handlers=[list_events], tags=["operators"])
