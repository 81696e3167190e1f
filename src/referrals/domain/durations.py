"""ISO 8601 durations of fixed length: weeks, days, hours, minutes and seconds.

Years and months are refused: their length depends on the date they start from, and a hold or an
attribution window must be the same span of time for every referral.
"""

import re
from contextlib import suppress
from datetime import timedelta

from referrals.domain.programme_errors import InvalidDuration

# ASCII digits only, matched whole: Python's \d takes any script's digits, and $ matches before a final newline.
_DURATION = re.compile(
    r"P(?:(?P<weeks>[0-9]+)W)?(?:(?P<days>[0-9]+)D)?"
    r"(?:T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+)S)?)?"
)
# Enough digits for MAX_DURATION in seconds; more are refused before int() reads them.
_MAX_DIGITS = 9
# Ten years: far beyond any hold or window a programme offers, and well inside what a datetime can add.
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """``P14D``, ``PT3S``, ``P1W``, ``P1DT12H``; raises ``InvalidDuration`` for anything else."""
    match = _DURATION.fullmatch(text)
    if match is None or text == "P" or text.endswith("T"):
        msg = f"{text!r} is not an ISO 8601 duration in weeks, days, hours, minutes and seconds (such as P14D)."
        raise InvalidDuration(msg)
    found = {name: value.lstrip("0") or "0" for name, value in match.groupdict().items() if value is not None}
    duration = MAX_DURATION * 2
    if all(len(value) <= _MAX_DIGITS for value in found.values()):
        # Weeks, or the parts together, past what a timedelta holds are far past the maximum too.
        with suppress(OverflowError):
            duration = timedelta(**{name: int(value) for name, value in found.items()})
    if duration > MAX_DURATION:
        msg = f"A duration may be at most {MAX_DURATION.days} days long."
        raise InvalidDuration(msg)
    return duration


def format_duration(duration: timedelta) -> str:
    """The canonical ISO 8601 spelling in days and time, zero parts left out: ``P14D``, ``PT1H30M``, ``PT0S``."""
    seconds = int(duration.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    date = f"{days}D" if days else ""
    time = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value)
    if not date and not time:
        return "PT0S"
    return f"P{date}" + (f"T{time}" if time else "")
