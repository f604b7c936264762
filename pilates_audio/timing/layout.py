"""Laying out parts one after another as tiling cues: pauses, lines said in turn, and timed parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from pilates_audio.format import Duration, Exercise, Kind
from pilates_audio.settings import Pacing
from pilates_audio.timing import makers, warnings
from pilates_audio.timing.makers import Guide, Marks
from pilates_audio.timing.placement import MIN_GAP, SENTENCE_GAP, Line, place
from pilates_audio.timing.script import SAMPLE_RATE, Chapter, Cue, LengthOf, samples


@dataclass
class Layout:
    """Cues laid out so far, each part starting where the one before ends, and what to warn about."""

    pacing: Pacing
    length_of: LengthOf
    cues: list[Cue] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unfit: dict[str, str] = field(default_factory=dict)  # plain cues with no room in their part, and the part

    @property
    def now(self) -> int:
        return self.cues[-1].end if self.cues else 0

    @property
    def guide(self) -> Guide:
        """The one speaking, with the pacing in force now."""
        return Guide(self.pacing, self.length_of)

    def pause(self, length: int, part: str, exercise: str | None, side: str | None = None) -> None:
        if length > 0:
            self.cues.append(Cue(self.now, self.now + length, "pause", part, exercise, side))

    def speak(self, text: str, part: str, exercise: str | None, side: str | None = None) -> None:
        self.cues.append(Cue(self.now, self.now + self.length_of(text), "speech", part, exercise, side, text))

    def sequence(self, texts: Iterable[str], part: str, exercise: str | None, tail: int = 0) -> None:
        """Speak lines one after another, then pause for `tail` samples."""
        for i, text in enumerate(texts):
            if i:
                self.pause(samples(SENTENCE_GAP), part, exercise)
            self.speak(text, part, exercise)
        self.pause(tail, part, exercise)

    def timed(self, part: str, exercise: Exercise | None, side: str | None, length: int, lines: list[Line],
              exact: bool = True) -> None:
        """Fill a part of fixed length, placing lines within it; grow it only if they cannot fit."""
        placement = place(lines, length, self.length_of, self.guide.breath)
        if exact and exercise is not None:
            self.warnings.extend(warnings.left_out(exercise.name, part, placement.due))
        for text in placement.unfit:
            self.unfit.setdefault(text, part)
        self.write(part, exercise.name if exercise else None, side, length, placement.lines, exact)

    def write(self, part: str, name: str | None, side: str | None, length: int, placed: list[Line],
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
                over = [line for line in placed if line.end > length and line.kind == "speech"]
                self.warnings.append(warnings.grown(name, part, over, cursor - length))
            # Words that ran over still get a breath of quiet before what follows.
            self.pause(samples(SENTENCE_GAP), part, name, side)
        else:
            self.pause(length - cursor, part, name, side)

    def work_part(self, part: str, exercise: Exercise | None, side: str | None, length: int,
                  fixed: list[Line], cues: list[Line], marks: Marks | None = None, rep: float = 0.0) -> None:
        """Lay out a breath-paced part (reps, hold, rest) with its breath cues and tied cues.

        `rep` is the length of one rep in seconds; without it (a hold), each breath counts as one.
        """
        guide = self.guide
        marks = marks if marks is not None else makers.phase_marks(guide, length)
        tied: list[Line] = []
        if exercise is not None:
            tied, missing = makers.tied_lines(guide, exercise, part, length, marks, rep)
            self.warnings.extend(warnings.rep_missing(exercise.name, *entry) for entry in missing)
        at = {line.offset: line for line in fixed}
        if exercise is not None and exercise.pulses and part in ("reps", "work", "hold"):
            pulses = makers.pulse_lines(guide, exercise.pulses, marks, length, at)
            fixed = fixed + [line for line in pulses if line.kind == "speech"]
            cues = cues + [line for line in pulses if line.kind == "tone"]
            at.update((line.offset, line) for line in pulses if line.kind == "speech")
        # A rest pose is as quiet as a rest.
        resting = exercise is not None and exercise.kind is Kind.REST
        extra = makers.breath_lines(guide, at, marks, {line.offset for line in tied}, "rest" if resting else part)
        for line in fixed:
            if line.rep is not None:
                line.text = guide.book.rep_line(*line.rep, line.phase, line.side, line.counted)
        # What is due at one moment is said in order: the count or breath word, then the tied cue.
        due = sorted(fixed + [line for line in extra if line.role == "fixed" and line.kind == "speech"] + tied,
                     key=lambda line: (line.offset, line.tied))
        others = [line for line in extra if not (line.role == "fixed" and line.kind == "speech")]
        self.timed(part, exercise, side, length, due + others + cues)

    def transition(self, texts: list[str], exercise: Exercise | None = None, side: str | None = None,
                   release: bool = False, countdown: bool = False, switch: Duration | None = None) -> None:
        """Join two parts with the pacing's transition pause, releasing a hold that just ended.

        A `switch` time (changing side or direction) is quiet, whole, after the words and before
        any countdown: the time to get there, not to listen.
        """
        if release:
            texts = [self.guide.book.say("release")] + texts
        length = samples(self.pacing.transition_seconds)
        # A line that filled the part before to its last moment still gets a gap before the next.
        sound = next((cue for cue in reversed(self.cues) if cue.kind != "pause"), None)  # the last one heard
        lead = max(0, samples(MIN_GAP) - (self.now - sound.end)) if sound is not None else 0
        lines = [Line(lead, text) for text in texts]
        if switch is not None:
            words = lead + sum(self.length_of(text) for text in texts) + samples(MIN_GAP) * max(0, len(texts) - 1)
            length = words + samples(switch.seconds(self.pacing.breath)) + (
                self.pacing.countdown * SAMPLE_RATE if countdown else 0)
        if countdown and self.pacing.countdown:
            # The words first, then a full count of one number a second into the hold.
            said = sum(self.length_of(text) + samples(MIN_GAP) for text in texts)
            length = max(length, said + samples(SENTENCE_GAP) + self.pacing.countdown * SAMPLE_RATE)
            lines += makers.countdown(self.guide, length)
        self.timed("transition", exercise, side, length, lines, exact=False)
