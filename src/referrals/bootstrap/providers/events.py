from datetime import timedelta

from dishka import Provider, Scope, provide

from referrals.adapters.persistence.event_retention import SqlaEventRetention
from referrals.application.policies import RetentionPolicy
from referrals.application.ports.events import EventRetention
from referrals.application.use_cases.purge_events import PurgeEvents
from referrals.bootstrap.config import BackgroundSettings


class EventsProvider(Provider):
    """The event feed's storage beyond the outbox: how long events are kept."""

    event_retention = provide(SqlaEventRetention, provides=EventRetention, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    def retention_policy(self, settings: BackgroundSettings) -> RetentionPolicy:
        return RetentionPolicy(events=timedelta(days=settings.event_retention_days))

    purge_events = provide(PurgeEvents, scope=Scope.REQUEST)
