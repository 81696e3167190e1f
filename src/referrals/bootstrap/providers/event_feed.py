from dishka import Provider, Scope, provide

from referrals.adapters.persistence.events import SqlaEventQueries
from referrals.application.ports.events import EventQueries
from referrals.application.use_cases.read_event_feed import ReadEventFeed


class EventFeedProvider(Provider):
    """The feed of committed events; it reads with single statements and holds no session."""

    event_queries = provide(SqlaEventQueries, provides=EventQueries, scope=Scope.APP)
    read_event_feed = provide(ReadEventFeed, scope=Scope.APP)
