from dishka import Provider, Scope, provide

from referrals.adapters.persistence.idempotency import SqlaIdempotencyRecords
from referrals.application.idempotency import IdempotentRequests, PurgeIdempotencyKeys
from referrals.application.keys_in_flight import KeysInFlight
from referrals.application.ports.idempotency import IdempotencyRecords


class IdempotencyProvider(Provider):
    """Idempotency keys: answers stored in the request's own transaction, and their purge."""

    scope = Scope.REQUEST
    records = provide(SqlaIdempotencyRecords, provides=IdempotencyRecords)
    requests = provide(IdempotentRequests)
    purge = provide(PurgeIdempotencyKeys)
    # One per process: the keys whose requests it is running.
    in_flight = provide(KeysInFlight, scope=Scope.APP)
