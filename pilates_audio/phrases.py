"""Every word the tool adds to a session, in one place so it can be reworded or translated."""

from __future__ import annotations

from pilates_audio.units import Duration

PHRASES: dict[str, str] = {
    "rep": "{number}.",
    "hold": "Hold for {duration}.",
    "rest": "Rest for {duration}.",
    "release_and_rest": "Release, and rest for {duration}.",
    "release": "And release.",
    "first_side": "Start on the {side} side.",
    "switch_side": "Now the {side} side.",
    "closing": "That is the end of the session. Well done.",
    "left": "left",
    "right": "right",
    "breath": "breath",
    "breaths": "breaths",
    "second": "second",
    "seconds": "seconds",
    "minute": "minute",
    "minutes": "minutes",
    "and_a_half": "{number} and a half",
    "half": "half a",
}

CHAPTERS: dict[str, str] = {"intro": "Introduction", "outro": "Closing"}

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def say(key: str, **values: str) -> str:
    """Fill in one phrase."""
    return PHRASES[key].format(**values)


def number_words(n: int) -> str:
    """Spell out a whole number below one million."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def count(n: int) -> str:
    """Return the spoken rep number, capitalised as the start of a line."""
    return say("rep", number=number_words(n).capitalize())


def amount(value: float, unit: str) -> str:
    """Say an amount of a unit: three breaths, one and a half minutes, 2.4 seconds."""
    whole, frac = int(value), value - int(value)
    plural = PHRASES[unit + "s"]
    if frac == 0:
        return f"{number_words(whole)} {PHRASES[unit] if whole == 1 else plural}"
    if abs(frac - 0.5) < 1e-9:
        if whole == 0:
            return f"{say('half')} {PHRASES[unit]}"
        return f"{say('and_a_half', number=number_words(whole))} {plural}"
    return f"{value:g} {plural}"


def duration(d: Duration) -> str:
    """Say a duration the way an instructor would."""
    if d.in_breaths:
        return amount(d.amount, "breath")
    seconds = d.amount
    if seconds >= 60 and seconds % 60 == 0:
        return amount(seconds / 60, "minute")
    if seconds > 60 and float(seconds).is_integer():
        minutes, rest = divmod(int(seconds), 60)
        return f"{amount(minutes, 'minute')} {amount(rest, 'second')}"
    return amount(seconds, "second")
