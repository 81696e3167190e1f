from datetime import UTC, datetime

from referrals.application.ports.common import Clock


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)
