"""Every word the tool adds to a session, in one place so it can be reworded or translated."""

from __future__ import annotations

from pilates_audio.units import Duration

PHRASES: dict[str, str] = {
    "rep": "{number}.",
    "rep_with_breath": "{number}, {phase}.",
    "rep_with_side": "{number}, {side}.",
    "rep_with_side_and_breath": "{number}, {side}, {phase}.",
    "side_only": "{side}.",
    "side_with_breath": "{side}, {phase}.",
    "alternate_sides": "Alternate sides, starting on the {side}.",
    "reverse": "Now reverse the direction.",
    "last_rep": "Last one",
    "inhale": "inhale",
    "exhale": "exhale",
    "breath_cue": "{phase}.",
    "countdown": "{number}.",
    "pulse": "{number}.",
    "pulse_inhale": "In.",
    "pulse_exhale": "Out.",
    "halfway": "Halfway.",
    "next_up": "Next up: {name}",
    "hold": "Hold for {duration}.",
    "hold_and_inhale": "Hold for {duration}, and breathe in.",
    "hold_each": "Hold.",
    "work": "Keep going for {duration}.",
    "work_and_inhale": "Keep going for {duration}, and breathe in.",
    "last_few": "Last few.",
    "rest": "Rest for {duration}.",
    "release_and_rest": "Release, and rest for {duration}.",
    "release": "And release.",
    "first_side": "Start on the {side} side.",
    "section": "Section {number}: {name}",
    "round": "Round {number} of {total}.",
    "round_chapter": "{name}, round {number}",
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


def rep_line(n: int, last: bool, phase: str | None, side: str | None = None, counted: bool = True) -> str:
    """Say a rep's number ("Last one" on the last), with its side and the breath phase it starts on.

    Uncounted, a rep says only its side.
    """
    number = PHRASES["last_rep"] if last else number_words(n).capitalize()
    if side is not None:
        words = {"side": PHRASES[side]}
        if not counted:
            key = "side_only" if phase is None else "side_with_breath"
            return say(key, **words, **({"phase": PHRASES[phase]} if phase else {})).capitalize()
        key = "rep_with_side" if phase is None else "rep_with_side_and_breath"
        return say(key, number=number, **words, **({"phase": PHRASES[phase]} if phase else {}))
    if phase is None:
        return say("rep", number=number)
    return say("rep_with_breath", number=number, phase=PHRASES[phase])


def breath_cue(phase: str) -> str:
    """Say a breath phase on its own: "Inhale." """
    return say("breath_cue", phase=PHRASES[phase]).capitalize()


def pulse(n: int, phase: str) -> str:
    """Say one pulse of a breath phase: "In." (or "Out.") on the first, then "Two.", "Three."."""
    if n == 1:
        return say(f"pulse_{phase}")
    return say("pulse", number=number_words(n).capitalize())


def countdown(n: int) -> str:
    """Say one number of a countdown."""
    return say("countdown", number=number_words(n).capitalize())


def section(number: int, name: str) -> str:
    """Say a section's number and name: "Section two: Core." """
    line = say("section", number=number_words(number), name=name)
    return line if line[-1] in ".!?" else line + "."


def round_of(number: int, total: int) -> str:
    """Say which round of a circuit begins: "Round two of three." """
    return say("round", number=number_words(number), total=number_words(total))


def next_up(name: str) -> str:
    """Name the exercise that comes next, ending the line once."""
    line = say("next_up", name=name)
    return line if line[-1] in ".!?" else line + "."


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
