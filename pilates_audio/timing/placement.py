"""Placing a part's lines in time: pure functions over lines, returning what was left out or ran over."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from enum import StrEnum

from pilates_audio.timing.script import Cue, CueKind, LengthOf, samples
from pilates_audio.timing.tones import TONES

# Breathing room between spoken lines, in seconds.
SENTENCE_GAP = 0.6  # between lines of intro, setup and outro
MIN_GAP = 0.3  # between lines spoken inside reps, holds and rests
PULSE_GAP = 0.05  # seconds between pulse words, which follow each other closely
PULSE_SLACK = 0.03  # seconds a pulse may land from its subdivision
SLIVER = 44  # samples (1 ms): a pause shorter than this joins the pause beside it
NOTICEABLE = 0.05  # seconds: a cue that runs past its phase by less is heard on time, and not warned about


class Role(StrEnum):
    """How a line is placed: its priority against the others of its part."""

    FIXED = "fixed"  # counts and announcements: at their moment
    CUE = "cue"  # the author's cues, halfway, next up: in the gaps between
    OPTIONAL = "optional"  # breath words: at their exact moment, only if it is free


class Phase(StrEnum):
    """A phase of the breath: in, out, or the still moment at the top of a rep (hold_each)."""

    INHALE = "inhale"
    EXHALE = "exhale"
    HOLD = "hold"


@dataclass
class Line:
    """Something to say or sound inside a part, before it is placed.

    Its `role` sets its priority (see Role); its `kind` is speech or a tone.
    """

    offset: int
    text: str
    role: Role = Role.FIXED
    kind: CueKind = CueKind.SPEECH
    rep: tuple[int, bool] | None = None  # (number, is the last) for a rep count, worded once placed
    side: str | None = None  # the side a rep count names (sides: alternate)
    counted: bool = True  # a rep line that says its number (else only its side)
    phase: Phase | None = None  # the breath phase a rep count starts on, when it is said with it
    droppable: bool = False  # a cue that is left out, rather than growing the part, when it cannot fit
    movable: bool = False  # an author's plain cue: with no room in its part, it is said in the setup instead
    tied: bool = False  # an author's cue with a moment of its own: said right after what else is due then
    until: int | None = None  # where a tied cue's phase ends: it should be said by then
    mark: bool = False  # a breath word said before a tied cue: on its moment, or left out
    pulse: bool = False  # a pulse word, on its even subdivision of a breath phase
    names_next: bool = False  # names the exercise that comes next (a rest that says it spares the transition)
    placed: bool = False
    start: int = 0
    length: int = 0

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass
class Due:
    """The lines due at their moments in a part, as placed, and what had to be left out."""

    tones: list[Line]
    speech: list[Line] = field(default_factory=list)
    pulses_dropped: int = 0  # too quick to say on their beats
    pulses_covered: int = 0  # left out where a tied cue is said
    late: list[Line] = field(default_factory=list)  # tied cues that would run past the end of the part

    def past_phase(self) -> dict[str, tuple[Phase | None, int]]:
        """Return each tied cue that runs noticeably past its phase: its phase and the most it runs over, in samples."""
        past: dict[str, tuple[Phase | None, int]] = {}
        for line in self.speech:
            if line.until is not None and line.end - line.until >= samples(NOTICEABLE):
                phase, over = past.get(line.text, (line.phase, 0))
                past[line.text] = (phase, max(over, line.end - line.until))
        return past


@dataclass
class Placement:
    """A part's lines as placed, in time order, and what placing them leaves to warn about."""

    lines: list[Line]
    due: Due
    unfit: list[str]  # the author's plain cues with no room in the part, in the order met


def place(lines: list[Line], length: int, length_of: LengthOf, breath: int) -> Placement:
    """Place a part's lines within its `length`: what is due at its moment, then breath cues, then cues in the gaps.

    `breath` (in samples) is how late a cue may be said to keep the breath words around it.
    """
    gap = samples(MIN_GAP)
    for line in lines:
        line.length = samples(TONES[line.text].seconds) if line.kind == CueKind.TONE else length_of(line.text)
    fixed = [entry for entry in lines if entry.role == Role.FIXED]
    due = place_fixed(fixed, length, gap)
    # A breath word before a tied cue is said before it in every rep or in none: where it is
    # late once, or pushes the cue past its phase, it is only an ordinary breath word, said if free.
    loose = loose_marks(fixed, due.speech, samples(NOTICEABLE))
    for mark in loose:
        mark.role, mark.mark = Role.OPTIONAL, False
    if loose:
        due = place_fixed([entry for entry in fixed if entry.role == Role.FIXED], length, gap)
    timeline = Timeline(due.tones + due.speech)
    for line in (entry for entry in lines if entry.role == Role.OPTIONAL):
        line.start = line.offset
        if line.end <= length and timeline.clear(line, gap):
            timeline.add(line)
    placed, unfit = place_cues(length, timeline.lines, [entry for entry in lines if entry.role == Role.CUE], breath)
    return Placement(placed, due, unfit)


def place_cues(length: int, placed: list[Line], cues: list[Line], breath: int) -> tuple[list[Line], list[str]]:
    """Fit the cues into the gaps between what is placed; return all that is placed, in time order, and the unfit.

    A plain cue of the author's with no room is not placed: its text is returned among the unfit.
    """
    gap = samples(MIN_GAP)
    unfit: list[str] = []
    floor = 0
    for line in cues:
        earliest = max(line.offset, floor)
        kept = [p for p in placed if p.role != Role.OPTIONAL]
        # Near its moment: around the breath words if that costs at most a breath of
        # delay, else they give way. Failing that, anywhere after the cue before it;
        # failing that, it runs over (or is left out, or moves to the setup, if it may).
        keeping = first_fit(placed, earliest, line.length, gap, length)
        displacing = first_fit(kept, earliest, line.length, gap, length)
        start = keeping if keeping - displacing <= breath else displacing
        for others in (placed, kept):
            if start + line.length <= length:
                break
            start = first_fit(others, floor, line.length, gap, length)
        if start + line.length > length and (line.droppable or line.movable):
            if line.movable:
                unfit.append(line.text)
            continue
        line.start = start
        placed = [p for p in placed if p.role != Role.OPTIONAL or clear(p, [line], gap)] + [line]
        placed.sort(key=lambda entry: entry.start)
        floor = line.end + gap
    return placed, unfit


def place_fixed(lines: list[Line], length: int, gap: int) -> Due:
    """Place the lines due at their moments: each on its moment, or as soon after the line before as it may.

    Tones mark the breath, never late: each at its exact moment. A line due during a
    tone follows straight after it; a later tone the line is still speaking over is
    left out, as spoken breath cues give way to counts and announcements.
    """
    due = Due([entry for entry in lines if entry.kind == CueKind.TONE])
    for line in due.tones:
        line.start = line.offset
    speech = due.speech
    for line in (entry for entry in lines if entry.kind != CueKind.TONE):
        # Pulse words follow each other closely; everything else keeps the usual gap.
        space = samples(PULSE_GAP) if line.pulse and speech and speech[-1].pulse else gap
        line.start = line.offset if not speech else max(line.offset, speech[-1].end + space)
        for tone in due.tones:
            if tone.start <= line.start < tone.end:
                line.start = tone.end
        if line.mark and line.start != line.offset:
            continue  # a breath word is said on its moment or not at all
        if line.pulse and line.start - line.offset > samples(PULSE_SLACK):
            if speech and speech[-1].tied:
                due.pulses_covered += 1
            else:
                due.pulses_dropped += 1
            continue  # a pulse is said on its beat or not at all
        if line.tied and line.end > length:
            due.late.append(line)
            continue  # an author's cue is never heard after its part has ended
        due.tones = [t for t in due.tones if not (line.start < t.start < line.end + gap)]
        speech.append(line)
    return due


def loose_marks(lines: list[Line], said: list[Line], slack: int) -> list[Line]:
    """Return the breath words before tied cues that cannot be said the same way in every rep.

    A cue's breath word is kept only if, everywhere the cue is said, it is said on its
    moment and the cue still ends within its phase (give or take `slack`).
    """
    spoken = {id(line) for line in said}
    marks = {line.offset: line for line in lines if line.mark}
    tied = [line for line in lines if line.tied and line.offset in marks]
    loose = {line.text for line in tied if id(marks[line.offset]) not in spoken
             or (id(line) in spoken and line.until is not None and line.end - line.until >= slack)}
    return list({id(mark): mark for mark in (marks[line.offset] for line in tied if line.text in loose)}.values())


class Timeline:
    """Lines placed in a part, in time order, so a new one is checked against its neighbours only.

    Checking every placed line made planning grow with the square of the reps.
    """

    def __init__(self, lines: list[Line]) -> None:
        self.lines = sorted(lines, key=lambda entry: entry.start)
        self.starts = [line.start for line in self.lines]
        self.longest = max((line.length for line in self.lines), default=0)

    def add(self, line: Line) -> None:
        at = bisect.bisect_right(self.starts, line.start)
        self.starts.insert(at, line.start)
        self.lines.insert(at, line)
        self.longest = max(self.longest, line.length)

    def clear(self, line: Line, gap: int) -> bool:
        """Tell whether `line` keeps at least `gap` away from every placed line."""
        low = bisect.bisect_left(self.starts, line.start - self.longest - gap)
        high = bisect.bisect_right(self.starts, line.end + gap)
        return clear(line, self.lines[low:high], gap)


def clear(line: Line, others: list[Line], gap: int) -> bool:
    """Tell whether a line keeps at least `gap` away from every other line."""
    return all(line.end + gap <= other.start or line.start >= other.end + gap for other in others if other is not line)


def first_fit(placed: list[Line], earliest: int, length: int, gap: int, limit: int) -> int:
    """Return the earliest start at or after `earliest` where a line fits between placed ones."""
    candidates = sorted({earliest} | {p.start + p.length + gap for p in placed if p.start + p.length + gap > earliest})
    for start in candidates:
        end = start + length
        fits = all(end + gap <= p.start or start >= p.start + p.length + gap for p in placed)
        if fits and end <= limit:
            return start
    return max([earliest] + [p.start + p.length + gap for p in placed])


def join_slivers(cues: list[Cue]) -> list[Cue]:
    """Join each pause shorter than SLIVER to the pause beside it, so no cue is empty to the millisecond."""
    joined: list[Cue] = []
    for cue in cues:
        if joined and cue.kind == joined[-1].kind == CueKind.PAUSE and min(cue.length, joined[-1].length) < SLIVER:
            longer = cue if cue.length > joined[-1].length else joined[-1]
            cue = replace(longer, start=joined.pop().start, end=cue.end)
        joined.append(cue)
    return joined
