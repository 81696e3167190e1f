"""Webhook metrics: attempts by outcome and how long they took, deliveries finished, and how far behind it is."""

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

from referrals.domain.webhook_deliveries import DeliveryAttempt, DeliveryState

_attempts = Counter(
    "referrals_webhook_attempts_total",
    "Webhook delivery attempts by outcome: answered (by status class) or unanswered",
    ["outcome"],
)
_durations = Histogram(
    "referrals_webhook_attempt_duration_seconds",
    "Time one webhook delivery attempt took, from the start of its connection to its answer",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
_finished = Counter("referrals_webhook_deliveries_total", "Webhook deliveries finished, by how they ended", ["state"])
# Each process that delivers reports what it last read; a scrape takes the largest among those alive.
oldest_pending_age: Final = Gauge(
    "referrals_webhook_oldest_pending_age_seconds",
    "Age of the oldest pending webhook delivery, as last read by a process that delivers",
    multiprocess_mode="livemax",
)


def observe_attempt(attempt: DeliveryAttempt, state_after: DeliveryState) -> None:
    outcome = "unanswered" if attempt.status_code is None else f"{attempt.status_code // 100}xx"
    _attempts.labels(outcome).inc()
    _durations.observe(attempt.duration_ms / 1000)
    if state_after is not DeliveryState.PENDING:
        _finished.labels(state_after.value).inc()
