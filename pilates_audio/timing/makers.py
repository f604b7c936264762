"""The cue makers: the lines a timed part says, each kind made by one maker in MAKERS.

Rep counts, the openings of holds, work and rests, tied cues, pulses, breath words and
tones, the author's plain cues, halfway, last few, next up and counts in.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable

from pilates_audio import languages
from pilates_audio.format import Exercise, Kind
from pilates_audio.settings import Pacing
from pilates_audio.timing import warnings
from pilates_audio.timing.placement import MIN_GAP, Line, Phase, Role
from pilates_audio.timing.script import SAMPLE_RATE, CueKind, LengthOf, Part, samples

HALFWAY_FROM = 30.0  # holds and work at least this long get a "halfway"
LAST_FEW = 5.0  # seconds before the end of timed work that "last few" is said
LAST_FEW_FROM = 15.0  # work at least this long gets a "last few"

Marks = list[tuple[int, Phase]]  # where each breath phase of a part begins, and which phase it is


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


@dataclass
class Span:
    """A timed part being laid out, as its makers see it: each maker also sees the lines made before its own."""

    part: Part
    exercise: Exercise | None  # None only in a transition between two exercises
    length: int  # in samples
    marks: Marks = field(default_factory=list)  # where its breath phases begin
    rep: float = 0.0  # one rep, in seconds (reps only); without it, each breath of the part counts as one
    cues: tuple[str, ...] = ()  # the author's plain cues said in this part
    upcoming: Exercise | None = None  # the exercise after a rest
    lines: list[Line] = field(default_factory=list)  # made so far
    warnings: list[str] = field(default_factory=list)  # what its makers found to warn about


@dataclass(frozen=True)
class Maker:
    """One kind of line: the parts it is said in, and the function that makes its lines in one of them."""

    parts: frozenset[Part]
    make: Callable[[Guide, Span], list[Line]]


def make(guide: Guide, span: Span) -> list[Line]:
    """Add a part's lines to those it has, maker by maker in the order of MAKERS; return them all, in order."""
    for maker in MAKERS:
        if span.part in maker.parts:
            span.lines.extend(maker.make(guide, span))
    return span.lines


def _due_at(lines: list[Line]) -> dict[int, Line]:
    """Return the spoken lines due at their moments, by moment, leaving out the tied cues said after them."""
    return {line.offset: line for line in lines
            if line.role == Role.FIXED and line.kind == CueKind.SPEECH and not line.tied}


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
            marks += [(samples(start), Phase.INHALE), (samples(start + inhale), Phase.EXHALE)]
            breaths += 1
    else:
        count = 0
        while samples(count * rep) < length:
            start = count * rep
            marks += [(samples(start), Phase.INHALE), (samples(start + inhale), Phase.HOLD)]
            breathed, phase = inhale, Phase.EXHALE
            while breathed < rep - pause - 1e-9:
                marks.append((samples(start + pause + breathed), phase))
                breathed += exhale if phase == Phase.EXHALE else inhale
                phase = Phase.INHALE if phase == Phase.EXHALE else Phase.EXHALE
            count += 1
    return [(offset, phase) for offset, phase in marks if offset < length]


def rep_counts(guide: Guide, span: Span) -> list[Line]:
    """Count each rep, with its side if the sides alternate; worded once the breath it starts on is known."""
    exercise = span.exercise
    count_reps = guide.pacing.count_reps
    turns = exercise.alternating  # each rep names its side, at every guidance level
    lines = []
    for i in range(exercise.reps):
        turn = turns[i % len(turns)] if turns else None
        if count_reps or turn:
            lines.append(Line(samples(i * span.rep), "", rep=(i + 1, i + 1 == exercise.reps and exercise.reps > 1),
                              side=turn, counted=count_reps))
    return lines


def opening(guide: Guide, span: Span) -> list[Line]:
    """Announce a hold or timed work as it begins, unless the setup announced it (see `announced_first`).

    It begins on an inhale, which spoken breath cues say with it where the whole line is
    said within the inhale. A rest pose is announced as the rest it is ("Rest for one minute.").
    """
    exercise, key = span.exercise, span.part
    if announced_first(exercise) == key:
        return []
    book = guide.book
    said = book.duration(getattr(exercise, key))
    if exercise.kind is Kind.REST:
        return [Line(0, book.say("rest", duration=said))]
    text = book.say(key, duration=said)
    if guide.pacing.breath_cues == "voice" and not guide.minimal:
        longer = book.say(f"{key}_and_inhale", duration=said)
        guide.length_of(text)  # measured too, so both are among the lines a session may say
        if guide.length_of(longer) <= samples(guide.pacing.inhale - MIN_GAP):
            text = longer
    return [Line(0, text)]


def rest_opening(guide: Guide, span: Span) -> list[Line]:
    """Say the rest after an exercise and how long it lasts, releasing a hold that ended it."""
    exercise, book = span.exercise, guide.book
    # A rest pose's own rest goes on quietly: "Release, and rest" would say a second rest.
    if exercise.kind is Kind.REST and (exercise.hold or exercise.work) is not None:
        return []
    key = "release_and_rest" if exercise.hold else "rest"
    return [Line(0, book.say(key, duration=book.duration(exercise.rest)))]


def tied(guide: Guide, span: Span) -> list[Line]:
    """Make the author's tied cues of a part, each at its phase's start or its rep's start.

    A cue tied to a rep the part does not reach is warned about instead.
    """
    exercise, length, marks, rep = span.exercise, span.length, span.marks, span.rep
    if guide.minimal:
        return []
    step = samples(rep) if rep else guide.breath
    count = -(-length // step)  # reps, or the breaths of a hold, begun in the part
    offsets = [at for at, _ in marks]
    lines = []
    for cue in exercise.tied:
        if cue.at is not None:
            if span.part != Part.REPS:
                continue
            if cue.at > count:
                span.warnings.append(warnings.rep_missing(exercise.name, cue.text, cue.at, count))
                continue
            lines.append(Line(samples((cue.at - 1) * rep), cue.text, tied=True))
            continue
        for number in range(1, count + 1):
            if not cue.due(number):
                continue
            first, end = bisect.bisect_left(offsets, (number - 1) * step), number * step
            found = next((i for i in range(first, len(marks)) if marks[i][0] >= end or marks[i][1] == cue.on), None)
            if found is not None and marks[found][0] < end:
                until = marks[found + 1][0] if found + 1 < len(marks) else length
                lines.append(Line(marks[found][0], cue.text, phase=Phase(cue.on), tied=True, until=until))
    return lines


def pulse_words(guide: Guide, span: Span) -> list[Line]:
    """Say the pulses of an exercise that has them, with spoken breath cues: "In, two, three"."""
    return _pulses(guide, span, "voice")


def pulse_ticks(guide: Guide, span: Span) -> list[Line]:
    """Tick the pulses of an exercise that has them, with breath tones."""
    return _pulses(guide, span, "tone")


def _pulses(guide: Guide, span: Span, mode: str) -> list[Line]:
    """Return the exercise's count of even pulses in every inhale and exhale, if the breath cues are `mode`.

    The first pulse of a phase is its breath mark: "In."/"Out." spoken (unless a line
    is due then), the breath tone itself in tone mode.
    """
    count = span.exercise.pulses
    if not count or guide.pacing.breath_cues != mode:
        return []
    marks = span.marks
    taken = _due_at(span.lines)
    ends = [at for at, _ in marks[1:]] + [span.length]
    lines = []
    for (start, phase), end in zip(marks, ends):
        if phase == Phase.HOLD:
            continue  # still at the top of a rep: no pulses
        for k in range(count):
            offset = start + (end - start) * k // count
            if mode == "tone":
                if k:
                    lines.append(Line(offset, "pulse", kind=CueKind.TONE))
            elif k or start not in taken:
                lines.append(Line(offset, guide.book.pulse(k + 1, phase), pulse=True))
    return lines


def breath(guide: Guide, span: Span) -> list[Line]:
    """Add the breath cues of a part: merged into a count, or on their own where free.

    Where an author's cue is tied to a phase, its breath word is said first, for sure.
    Below full guidance, rests (and rest poses) are quiet; minimal guidance says no breath words at all.
    Words name the first breath of the part, then every `breath_cues_every`th; tones mark every phase.
    """
    mode = guide.pacing.breath_cues
    resting = span.part == Part.REST or (span.exercise is not None and span.exercise.kind is Kind.REST)
    if mode == "silent" or (resting and not guide.full) or (mode == "voice" and guide.minimal):
        return []
    fixed = _due_at(span.lines)
    tied_at = {line.offset for line in span.lines if line.tied}
    lines = []
    count = 0
    for offset, phase in span.marks:
        count += phase == Phase.INHALE
        if mode == "voice" and (count - 1) % guide.pacing.breath_cues_every:
            continue  # a breath not named (with the still moment at the top of its rep)
        line = fixed.get(offset)
        if line is None and offset in tied_at and phase != Phase.HOLD:
            lines.append(Line(offset, guide.book.breath_cue(phase), mark=True) if mode == "voice"
                         else Line(offset, phase.value, kind=CueKind.TONE))
            continue
        if phase == Phase.HOLD:
            # The still moment at the top of a rep: said if free, never a tone.
            if mode == "voice" and line is None:
                lines.append(Line(offset, guide.book.say("hold_each"), Role.OPTIONAL))
        elif mode == "tone":
            # A line due at a tone's moment follows straight after it; other tones,
            # like spoken breath cues, give way to an author's cue with nowhere else to go.
            lines.append(Line(offset, phase.value, Role.FIXED if line else Role.OPTIONAL, kind=CueKind.TONE))
        elif line is None:
            lines.append(Line(offset, guide.book.breath_cue(phase), Role.OPTIONAL))
        elif line.rep is not None:
            line.phase = phase
    return lines


def plain_cues(guide: Guide, span: Span) -> list[Line]:
    """Spread the author's plain cues over a part, the first at its start: over its reps, breaths or time."""
    cues, length = span.cues, span.length
    if span.part == Part.REPS:
        reps = span.exercise.reps
        offsets = [samples(i * reps // len(cues) * span.rep) for i in range(len(cues))]
    elif span.part == Part.HOLD:
        each = guide.pacing.breath
        breaths = max(int(length // samples(each)), len(cues))
        offsets = [samples(i * breaths // len(cues) * each) for i in range(len(cues))]
    else:
        offsets = [length * i // len(cues) for i in range(len(cues))]
    return [Line(offset, cue, Role.CUE, movable=True) for offset, cue in zip(offsets, cues)]


def halfway(guide: Guide, span: Span) -> list[Line]:
    """Say "Halfway." in a long hold or work (an effort's), as near the middle as the breath marks allow."""
    exercise = span.exercise
    if guide.minimal or not exercise.effort or not guide.pacing.halfway or span.length < samples(HALFWAY_FROM):
        return []
    # Between pulses there may be no room: then it is left out.
    return [Line(span.length // 2, guide.book.say("halfway"), Role.CUE, droppable=bool(exercise.pulses))]


def last_few(guide: Guide, span: Span) -> list[Line]:
    """Say "Last few." near the end of long work (an effort's): its last breath, or its last few seconds."""
    exercise = span.exercise
    if guide.minimal or not exercise.effort or span.length < samples(LAST_FEW_FROM):
        return []
    before = guide.breath if exercise.work.in_breaths else samples(LAST_FEW)
    return [Line(span.length - before, guide.book.say("last_few"), Role.CUE, droppable=True)]


def next_up(guide: Guide, span: Span) -> list[Line]:
    """Name the exercise that comes next, midway through a rest, if it fits there."""
    if not guide.pacing.announce_next or span.upcoming is None or guide.minimal:
        return []
    return [Line(span.length // 2, guide.book.next_up(span.upcoming.name), Role.CUE, droppable=True,
                 names_next=True)]


def countdown(guide: Guide, span: Span) -> list[Line]:
    """Count in a hold or work that follows the part at once: "Three. Two. One." ending as it starts."""
    if not counts_in(guide.pacing, span.exercise):
        return []
    n = guide.pacing.countdown
    return [Line(max(0, span.length - k * SAMPLE_RATE), guide.book.countdown(k)) for k in range(n, 0, -1)]


def counts_in(pacing: Pacing, exercise: Exercise | None) -> bool:
    """Tell whether the setup or side change before an exercise counts it in: an effort without reps."""
    return exercise is not None and exercise.reps is None and pacing.countdown > 0 and bool(exercise.effort)


def announced_first(exercise: Exercise) -> Part | None:
    """Return the part (work or hold) whose opening is said in the setup, not in the part.

    An exercise with pulses and no reps starts pulsing at once: its first work or hold is
    announced before it begins, so the first pulses are not talked over.
    """
    if not exercise.pulses or exercise.reps is not None:
        return None
    return Part.WORK if exercise.work is not None else Part.HOLD if exercise.hold is not None else None


WORKING = frozenset({Part.REPS, Part.WORK, Part.HOLD})  # the parts an exercise is worked in
TIMED = frozenset({Part.WORK, Part.HOLD})

# The makers, in the order they make their lines: each sees what those before it made (pulse
# words are due at their moments, so breath words give way to them; breath words are said
# before tied cues). The order is also the order placement meets the lines in: the lines due at
# their moments are taken by moment (tied cues last), the rest as made, so where two lines could
# take one moment or one gap, the one made first has it.
MAKERS: tuple[Maker, ...] = (
    Maker(frozenset({Part.REPS}), rep_counts),
    Maker(TIMED, opening),
    Maker(frozenset({Part.REST}), rest_opening),
    Maker(WORKING, tied),
    Maker(WORKING, pulse_words),
    Maker(WORKING | {Part.REST}, breath),
    Maker(WORKING, plain_cues),
    Maker(TIMED, halfway),
    Maker(frozenset({Part.WORK}), last_few),
    Maker(frozenset({Part.REST}), next_up),
    Maker(WORKING, pulse_ticks),  # after the breath tones: a line due where both sound waits for them in turn
    Maker(frozenset({Part.SETUP, Part.TRANSITION}), countdown),
)
