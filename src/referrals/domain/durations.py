"""ISO 8601 durations of fixed length: weeks, days, hours, minutes and seconds.

Years and months are refused: their length depends on the date they start from, and a hold or an
attribution window must be the same span of time for every referral.
"""

import re
from datetime import timedelta

from referrals.domain.programme_errors import InvalidDuration

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
# Ten years: far beyond any hold or window a programme offers, and well inside what a datetime can add.
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """``P14D``, ``PT3S``, ``P1W``, ``P1DT12H``; raises ``InvalidDuration`` for anything else."""
    match = _DURATION.match(text)
    if match is None or text in {"P", ""} or text.endswith("T"):
        msg = f"{text!r} is not an ISO 8601 duration in weeks, days, hours, minutes and seconds (such as P14D)."
        raise InvalidDuration(msg)
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    if any(len(str(value)) > 7 for value in parts.values()):  # noqa: PLR2004 - keeps timedelta from overflowing
        raise InvalidDuration
    duration = timedelta(**parts)
    if duration > MAX_DURATION:
        msg = f"A duration may be at most {MAX_DURATION.days} days long."
        raise InvalidDuration(msg)
    return duration


def format_duration(duration: timedelta) -> str:
    """The shortest ISO 8601 spelling in days and time: ``P14D``, ``PT3S``, ``P1DT2H``; ``PT0S`` for zero."""
    seconds = int(duration.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    date = f"{days}D" if days else ""
    time = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value)
    if not date and not time:
        return "PT0S"
    return f"P{date}" + (f"T{time}" if time else "")
