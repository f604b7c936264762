"""The cue makers: the lines a part says besides the author's cues, each kind made by one function.

Breath marks, breath words and tones, pulses, tied cues, counts in, halfway and last few,
and the openings of holds and timed work.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from pilates_audio import languages
from pilates_audio.format import Duration, Exercise, Kind
from pilates_audio.settings import Pacing
from pilates_audio.timing.placement import MIN_GAP, Line
from pilates_audio.timing.script import SAMPLE_RATE, LengthOf, samples

HALFWAY_FROM = 30.0  # holds and work at least this long get a "halfway"
LAST_FEW = 5.0  # seconds before the end of timed work that "last few" is said
LAST_FEW_FROM = 15.0  # work at least this long gets a "last few"

Marks = list[tuple[int, str]]  # where each breath phase of a part begins, and which phase it is


@dataclass(frozen=True)
class Guide:
    """The one speaking: the pacing in force, its language's words, and how long a line takes to say."""

    pacing: Pacing
    length_of: LengthOf

    @property
    def book(self) -> languages.Phrasebook:
        """The words of the session's language."""
        return languages.phrasebook(languages.resolve(self.pacing.language))

    @property
    def breath(self) -> int:
        return samples(self.pacing.breath)

    @property
    def full(self) -> bool:
        """Say everything: breath words in rests, next-up in transitions, every side (guidance: full)."""
        return self.pacing.guidance == "full"

    @property
    def minimal(self) -> bool:
        """Say only names, counts and what is needed to follow (guidance: minimal)."""
        return self.pacing.guidance == "minimal"


def phase_marks(guide: Guide, length: int, rep: float = 0.0, pause: float = 0.0) -> Marks:
    """Return where each breath phase of a part begins, inhale and exhale in turn from its start.

    With a `pause`, each rep (of `rep` seconds) starts on an inhale and holds still
    after it for `pause` seconds before breathing on.
    """
    inhale, exhale = guide.pacing.inhale, guide.pacing.exhale
    marks: Marks = []
    if not pause:
        breaths = 0
        while samples(breaths * guide.pacing.breath) < length:
            start = breaths * guide.pacing.breath
            marks += [(samples(start), "inhale"), (samples(start + inhale), "exhale")]
            breaths += 1
    else:
        count = 0
        while samples(count * rep) < length:
            start = count * rep
            marks += [(samples(start), "inhale"), (samples(start + inhale), "hold")]
            breathed, phase = inhale, "exhale"
            while breathed < rep - pause - 1e-9:
                marks.append((samples(start + pause + breathed), phase))
                breathed += exhale if phase == "exhale" else inhale
                phase = "inhale" if phase == "exhale" else "exhale"
            count += 1
    return [(offset, phase) for offset, phase in marks if offset < length]


def breath_lines(guide: Guide, fixed: dict[int, Line], marks: Marks, tied: set[int] = frozenset(),
                 part: str = "") -> list[Line]:
    """Add the breath cues of a part: merged into a count, or on their own where free.

    Where an author's cue is tied to a phase, its breath word is said first, for sure.
    Below full guidance, rests are quiet; minimal guidance says no breath words at all.
    Words name the first breath of the part, then every `breath_cues_every`th; tones mark every phase.
    """
    mode = guide.pacing.breath_cues
    if mode == "silent" or (part == "rest" and not guide.full) or (mode == "voice" and guide.minimal):
        return []
    lines = []
    breath = 0
    for offset, phase in marks:
        breath += phase == "inhale"
        if mode == "voice" and (breath - 1) % guide.pacing.breath_cues_every:
            continue  # a breath not named (with the still moment at the top of its rep)
        line = fixed.get(offset)
        if line is None and offset in tied and phase != "hold":
            lines.append(Line(offset, guide.book.breath_cue(phase), mark=True) if mode == "voice"
                         else Line(offset, phase, kind="tone"))
            continue
        if phase == "hold":
            # The still moment at the top of a rep: said if free, never a tone.
            if mode == "voice" and line is None:
                lines.append(Line(offset, guide.book.say("hold_each"), "optional"))
        elif mode == "tone":
            # A line due at a tone's moment follows straight after it; other tones,
            # like spoken breath cues, give way to an author's cue with nowhere else to go.
            lines.append(Line(offset, phase, "fixed" if line else "optional", kind="tone"))
        elif line is None:
            lines.append(Line(offset, guide.book.breath_cue(phase), "optional"))
        elif line.rep is not None:
            line.phase = phase
    return lines


def pulse_lines(guide: Guide, count: int, marks: Marks, length: int, taken: dict[int, Line]) -> list[Line]:
    """Return `count` even pulses in every inhale and exhale: words ("In, two, three"), ticks, or none.

    The first pulse of a phase is its breath mark: "In."/"Out." spoken (unless a count
    is said then), the breath tone itself in tone mode.
    """
    mode = guide.pacing.breath_cues
    if mode == "silent":
        return []
    ends = [at for at, _ in marks[1:]] + [length]
    lines = []
    for (start, phase), end in zip(marks, ends):
        if phase == "hold":
            continue  # still at the top of a rep: no pulses
        for k in range(count):
            offset = start + (end - start) * k // count
            if mode == "tone":
                if k:
                    lines.append(Line(offset, "pulse", kind="tone"))
            elif k or start not in taken:
                lines.append(Line(offset, guide.book.pulse(k + 1, phase), pulse=True))
    return lines


def tied_lines(guide: Guide, exercise: Exercise, part: str, length: int, marks: Marks,
               rep: float) -> tuple[list[Line], list[tuple[str, int, int]]]:
    """Return the author's tied cues of a part, each at its phase's start or its rep's start.

    Also return the cues tied to a rep the part does not reach: (text, rep, reps in the part).
    """
    if part not in ("reps", "work", "hold") or guide.minimal:
        return [], []
    span = samples(rep) if rep else guide.breath
    count = -(-length // span)  # reps, or the breaths of a hold, begun in the part
    offsets = [at for at, _ in marks]
    lines = []
    missing = []
    for cue in exercise.tied:
        if cue.at is not None:
            if part != "reps":
                continue
            if cue.at > count:
                missing.append((cue.text, cue.at, count))
                continue
            lines.append(Line(samples((cue.at - 1) * rep), cue.text, tied=True))
            continue
        for number in range(1, count + 1):
            if not cue.due(number):
                continue
            first, end = bisect.bisect_left(offsets, (number - 1) * span), number * span
            found = next((i for i in range(first, len(marks)) if marks[i][0] >= end or marks[i][1] == cue.on), None)
            if found is not None and marks[found][0] < end:
                until = marks[found + 1][0] if found + 1 < len(marks) else length
                lines.append(Line(marks[found][0], cue.text, phase=cue.on, tied=True, until=until))
    return lines, missing


def countdown(guide: Guide, length: int) -> list[Line]:
    """Count down the last seconds before a hold: "Three. Two. One." ending as it starts."""
    n = guide.pacing.countdown
    return [Line(max(0, length - k * SAMPLE_RATE), guide.book.countdown(k)) for k in range(n, 0, -1)]


def milestones(guide: Guide, length: int, work: Duration | None = None, droppable: bool = False,
               effort: bool = True) -> list[Line]:
    """Say "Halfway." in a long hold or work, and "Last few." near the end of work: an effort's words.

    Between pulses there may be no room: then they are left out (`droppable`).
    """
    lines: list[Line] = []
    if guide.minimal or not effort:
        return lines
    if guide.pacing.halfway and length >= samples(HALFWAY_FROM):
        # As near the middle as the breath marks allow, never pushing one of them.
        lines.append(Line(length // 2, guide.book.say("halfway"), "cue", droppable=droppable))
    if work is not None and length >= samples(LAST_FEW_FROM):
        # The last breath of work counted in breaths; else the last few seconds.
        before = guide.breath if work.in_breaths else samples(LAST_FEW)
        lines.append(Line(length - before, guide.book.say("last_few"), "cue", droppable=True))
    return lines


def opening(guide: Guide, key: str, exercise: Exercise) -> str:
    """Announce a hold or timed work; it begins on an inhale, which spoken breath cues say with it.

    The inhale is added where the whole line is said within the inhale. A rest pose is
    announced as the rest it is ("Rest for one minute.").
    """
    book = guide.book
    said = book.duration(getattr(exercise, key))
    if exercise.kind is Kind.REST:
        return book.say("rest", duration=said)
    text = book.say(key, duration=said)
    if guide.pacing.breath_cues == "voice" and not guide.minimal:
        longer = book.say(f"{key}_and_inhale", duration=said)
        guide.length_of(text)  # measured too, so both are among the lines a session may say
        if guide.length_of(longer) <= samples(guide.pacing.inhale - MIN_GAP):
            text = longer
    return text


def next_up(guide: Guide, length: int, upcoming: Exercise | None) -> list[Line]:
    """Name the exercise that comes next, midway through a rest, if it fits there."""
    if not guide.pacing.announce_next or upcoming is None or guide.minimal:
        return []
    return [Line(length // 2, guide.book.next_up(upcoming.name), "cue", droppable=True)]
