"""The warnings a timed script carries, each worded here and nowhere else."""

from __future__ import annotations

from pilates_audio.timing.placement import SENTENCE_GAP, Due, Line, Role
from pilates_audio.timing.script import SAMPLE_RATE, Part


def left_out(name: str, part: Part, due: Due) -> list[str]:
    """Name what was left out of the lines due at their moments, and the tied cues that ran past their phase."""
    said: list[str] = []
    if due.pulses_dropped:
        said.append(f"{name}: {due.pulses_dropped} of the pulses in the {part} are left out: too quick "
                    "to say on their beats at this pace; slow the breath, or use breath_cues: tone")
    if due.pulses_covered:
        said.append(f"{name}: {due.pulses_covered} of the pulses in the {part} are left out where its "
                    "tied cues are said; tie fewer cues to the breath, or make them plain cues")
    # A tied cue that runs out of its phase is said (never cut short), and named once.
    for text, (phase, over) in due.past_phase().items():
        said.append(f'{name}: the cue "{text}" runs {over / SAMPLE_RATE:.1f} s past its {phase} in the '
                    f"{part}; shorten it, or slow the breath")
    for text in dict.fromkeys(line.text for line in due.late):
        said.append(f'{name}: the cue "{text}" is left out at the end of the {part}: said there, it '
                    "would run past it; shorten it, or slow the breath")
    return said


def grown(name: str | None, part: Part, over: list[Line], growth: int) -> str:
    """Name the lines that did not fit in a part, and how much (`growth` samples) it grows for them."""
    noun = "the cue" if all(line.role == Role.CUE or line.tied for line in over) else "the line"
    quoted = " and ".join(f'"{line.text}"' for line in over)
    verb = "do" if len(over) > 1 else "does"
    grows = "grow" if part == Part.REPS else "grows"
    return (f"{name + ': ' if name else ''}{noun}{'s' if len(over) > 1 else ''} {quoted} {verb} not "
            f"fit in the {part}; the {part} {grows} by {growth / SAMPLE_RATE + SENTENCE_GAP:.1f} s")


def rep_missing(name: str, text: str, at: int, count: int) -> str:
    """Name a cue tied to a rep the set does not reach."""
    return f'{name}: the cue "{text}" is said at rep {at}, but there are {count} reps this time; it is left out'


def moved_to_setup(name: str, cues: list[str], part: Part) -> str:
    """Name the plain cues that found no room in their `part`, and are said in the setup instead."""
    quoted = " and ".join(f'"{cue}"' for cue in cues)
    many = len(cues) > 1
    return (f"{name}: the cue{'s' if many else ''} {quoted} find{'' if many else 's'} no room in the {part}, so "
            f"{'they are' if many else 'it is'} said in the setup")
