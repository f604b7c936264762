"""Laying out parts one after another as tiling cues: pauses, lines said in turn, and timed parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from pilates_audio.format import Duration, Exercise
from pilates_audio.settings import Pacing
from pilates_audio.timing import makers, warnings
from pilates_audio.timing.makers import Guide, Span
from pilates_audio.timing.placement import MIN_GAP, SENTENCE_GAP, Line, Role, place
from pilates_audio.timing.script import SAMPLE_RATE, Chapter, Cue, CueKind, LengthOf, Part, samples


@dataclass
class Layout:
    """Cues laid out so far, each part starting where the one before ends, and what to warn about."""

    pacing: Pacing
    length_of: LengthOf
    cues: list[Cue] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unfit: dict[str, Part] = field(default_factory=dict)  # plain cues with no room in their part, and the part

    @property
    def now(self) -> int:
        return self.cues[-1].end if self.cues else 0

    @property
    def guide(self) -> Guide:
        """The one speaking, with the pacing in force now."""
        return Guide(self.pacing, self.length_of)

    def pause(self, length: int, part: Part, exercise: str | None, side: str | None = None) -> None:
        if length > 0:
            self.cues.append(Cue(self.now, self.now + length, CueKind.PAUSE, part, exercise, side))

    def speak(self, text: str, part: Part, exercise: str | None, side: str | None = None) -> None:
        self.cues.append(Cue(self.now, self.now + self.length_of(text), CueKind.SPEECH, part, exercise, side, text))

    def sequence(self, texts: Iterable[str], part: Part, exercise: str | None, tail: int = 0) -> None:
        """Speak lines one after another, then pause for `tail` samples."""
        for i, text in enumerate(texts):
            if i:
                self.pause(samples(SENTENCE_GAP), part, exercise)
            self.speak(text, part, exercise)
        self.pause(tail, part, exercise)

    def timed(self, part: Part, exercise: Exercise | None, side: str | None, length: int, lines: list[Line],
              exact: bool = True) -> None:
        """Fill a part of fixed length, placing lines within it; grow it only if they cannot fit."""
        placement = place(lines, length, self.length_of, self.guide.breath)
        if exact and exercise is not None:
            self.warnings.extend(warnings.left_out(exercise.name, part, placement.due))
        for text in placement.unfit:
            self.unfit.setdefault(text, part)
        self.write(part, exercise.name if exercise else None, side, length, placement.lines, exact)

    def write(self, part: Part, name: str | None, side: str | None, length: int, placed: list[Line],
              exact: bool) -> None:
        """Write a part's placed lines as cues, with the pauses between them; warn if they grow it."""
        base = self.now
        cursor = 0
        for line in placed:
            line.placed = True
            self.pause(line.start - cursor, part, name, side)
            self.cues.append(Cue(base + line.start, base + line.end, line.kind, part, name, side, line.text))
            cursor = line.end
        if placed and cursor > length - (0 if exact else samples(SENTENCE_GAP)):
            if exact:
                over = [line for line in placed if line.end > length and line.kind == CueKind.SPEECH]
                self.warnings.append(warnings.grown(name, part, over, cursor - length))
            # Words that ran over still get a breath of quiet before what follows.
            self.pause(samples(SENTENCE_GAP), part, name, side)
        else:
            self.pause(length - cursor, part, name, side)

    def make(self, span: Span) -> list[Line]:
        """Return the lines the makers make for a part (after any it has already), and keep their warnings."""
        lines = makers.make(self.guide, span)
        self.warnings.extend(span.warnings)
        return lines

    def work_part(self, part: Part, exercise: Exercise, side: str | None, length: int, rep: float = 0.0,
                  pause: float = 0.0, cues: tuple[str, ...] = (), upcoming: Exercise | None = None) -> list[Line]:
        """Lay out a breath-paced part (reps, work, hold, rest) with what its makers make; return their lines.

        `rep` is the length of one rep in seconds, `pause` the stillness at its top (see `phase_marks`).
        """
        guide = self.guide
        marks = makers.phase_marks(guide, length, rep, pause)
        lines = self.make(Span(part, exercise, length, marks, rep, cues, upcoming))
        for line in lines:
            if line.rep is not None:
                line.text = guide.book.rep_line(*line.rep, line.phase, line.side, line.counted)
        # What is due at one moment is said in order: the count or breath word, then the tied cue.
        due = [line for line in lines if line.role == Role.FIXED and line.kind == CueKind.SPEECH]
        others = [line for line in lines if not (line.role == Role.FIXED and line.kind == CueKind.SPEECH)]
        self.timed(part, exercise, side, length, sorted(due, key=lambda line: (line.offset, line.tied)) + others)
        return lines

    def transition(self, texts: list[str], exercise: Exercise | None = None, side: str | None = None,
                   release: bool = False, switch: Duration | None = None) -> None:
        """Join two parts with the pacing's transition pause, releasing a hold that just ended.

        A `switch` time (changing side or direction) is quiet, whole, after the words and before
        any countdown into the exercise: the time to get there, not to listen.
        """
        if release:
            texts = [self.guide.book.say("release")] + texts
        length = samples(self.pacing.transition_seconds)
        # A line that filled the part before to its last moment still gets a gap before the next.
        sound = next((cue for cue in reversed(self.cues) if cue.kind != CueKind.PAUSE), None)  # the last one heard
        lead = max(0, samples(MIN_GAP) - (self.now - sound.end)) if sound is not None else 0
        lines = [Line(lead, text) for text in texts]
        countdown = makers.counts_in(self.pacing, exercise)
        if switch is not None:
            words = lead + sum(self.length_of(text) for text in texts) + samples(MIN_GAP) * max(0, len(texts) - 1)
            length = words + samples(switch.seconds(self.pacing.breath)) + (
                self.pacing.countdown * SAMPLE_RATE if countdown else 0)
        if countdown:
            # The words first, then a full count of one number a second into the hold.
            said = sum(self.length_of(text) + samples(MIN_GAP) for text in texts)
            length = max(length, said + samples(SENTENCE_GAP) + self.pacing.countdown * SAMPLE_RATE)
        made = self.make(Span(Part.TRANSITION, exercise, length, lines=lines))
        self.timed(Part.TRANSITION, exercise, side, length, made, exact=False)
