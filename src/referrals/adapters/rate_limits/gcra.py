"""The generic cell rate algorithm: one number per key, the instant its budget is next fully refilled."""

from referrals.application.ports.throttling import Rate


def interval(rate: Rate) -> float:
    """Seconds between two attempts once the burst is spent."""
    return rate.period_seconds / rate.limit


def admit(theoretical_arrival: float | None, now: float, rate: Rate) -> tuple[float, float]:
    """``(0, new arrival)`` when one more attempt fits in the budget, else ``(seconds to wait, unchanged)``."""
    start = now if theoretical_arrival is None or theoretical_arrival < now else theoretical_arrival
    arrival = start + interval(rate)
    wait = arrival - now - rate.period_seconds
    if wait > 0:
        return wait, start
    return 0.0, arrival
