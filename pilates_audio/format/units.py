"""Durations as people write them: 20s, 1m30s, 45, 3 breaths."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOCK = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?))?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?))?$"
)
_BREATHS = re.compile(r"^(?P<n>\d+(?:\.\d+)?|\.\d+)\s*breaths?$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")

DURATION_FORMS = "seconds (20s), minutes (1m, 1m30s), a number of seconds, or breaths (3 breaths)"


@dataclass(frozen=True)
class Duration:
    """A length of time in seconds or in breaths of the effective pacing."""

    amount: float
    unit: str  # "s" or "breaths"

    @property
    def in_breaths(self) -> bool:
        return self.unit == "breaths"

    def seconds(self, breath: float) -> float:
        """Return the length in seconds for a breath of `breath` seconds."""
        return self.amount * breath if self.in_breaths else self.amount

    def __str__(self) -> str:
        if self.in_breaths:
            return f"{format_number(self.amount)} breath{'' if self.amount == 1 else 's'}"
        return format_seconds(self.amount)


_RANGE = re.compile(r"^\s*(?P<low>[^-]+?)\s*-\s*(?P<high>[^-]+?)\s*$")
_UNIT = re.compile(r"[a-z].*$")


def parse_range(value: object, zero_allowed: bool = False) -> tuple[Duration, Duration] | None:
    """Parse a duration range such as 30s-90s, 30-90s or 1-3 breaths; None if not a range.

    A unit written only after the second number applies to both; with `zero_allowed`,
    the range may start at zero (0-2 breaths).
    """
    if not isinstance(value, str):
        return None
    match = _RANGE.match(value.lower())
    if not match:
        return None
    low_text, high_text = match["low"], match["high"]
    unit = _UNIT.search(high_text)
    if _NUMBER.match(low_text) and unit:
        low_text = f"{low_text} {unit.group(0)}"
    low, high = parse_duration(low_text, zero_allowed=zero_allowed), parse_duration(high_text)
    if low.in_breaths != high.in_breaths:
        raise ValueError(f"'{value}' mixes breaths and seconds; use one unit for both ends")
    if low.amount > high.amount:
        raise ValueError(f"'{value}' runs backwards; put the shorter length first")
    return low, high


def format_number(value: float) -> str:
    """Write a number without a needless trailing .0."""
    return f"{value:g}" if value != int(value) else str(int(value))


def format_seconds(value: float) -> str:
    """Write seconds the way a person would: 20s, 1m30s."""
    if value >= 60:
        minutes, rest = divmod(value, 60)
        return f"{int(minutes)}m{format_number(round(rest, 3))}s" if rest else f"{int(minutes)}m"
    return f"{format_number(round(value, 3))}s"


def format_clock(seconds: float) -> str:
    """Write a time as m:ss (h:mm:ss past an hour)."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_duration(value: object, *, breaths_allowed: bool = True, zero_allowed: bool = False) -> Duration:
    """Parse a duration, raising ValueError with a message fit for a person."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a duration: {DURATION_FORMS}")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a duration: {DURATION_FORMS}")
        amount, unit = float(value), "s"
    elif isinstance(value, str):
        text = value.strip().lower()
        breath_match = _BREATHS.match(text)
        clock_match = _CLOCK.match(text)
        if breath_match:
            amount, unit = float(breath_match["n"]), "breaths"
        elif _NUMBER.match(text):
            amount, unit = float(text), "s"
        elif text and clock_match and (clock_match["h"] or clock_match["m"] or clock_match["s"]):
            amount = float(clock_match["h"] or 0) * 3600 + float(clock_match["m"] or 0) * 60 + float(clock_match["s"] or 0)
            unit = "s"
        elif text.startswith("-"):
            raise ValueError(f"'{value}' is negative; durations must be more than zero")
        else:
            raise ValueError(f"'{value}' is not a duration; use {DURATION_FORMS}")
    else:
        raise ValueError(f"expected a duration: {DURATION_FORMS}")
    if unit == "breaths" and not breaths_allowed:
        raise ValueError(f"'{value}' cannot be counted in breaths; use seconds (4s)")
    if amount < 0 or (amount == 0 and not zero_allowed):
        raise ValueError(f"'{value}' must be more than zero")
    return Duration(amount, unit)
