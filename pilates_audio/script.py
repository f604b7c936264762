"""The timed narration script: a pure function of routine, pacing and clip lengths."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from pilates_audio import phrases
from pilates_audio.pacing import Pacing
from pilates_audio.routine import Exercise, Routine
from pilates_audio.units import Duration, format_clock

SAMPLE_RATE = 44100
SCRIPT_VERSION = 1

# Breathing room between spoken lines, in seconds.
LEAD_IN = 0.5  # before the first word, so no player clips it
SENTENCE_GAP = 0.6  # between lines of intro, setup and outro
MIN_GAP = 0.3  # between lines spoken inside reps, holds and rests
TAIL = 2.0  # after the last word, so the session does not stop abruptly

LengthOf = Callable[[str], int]


def samples(seconds: float) -> int:
    """Convert seconds to a whole number of samples."""
    return int(round(seconds * SAMPLE_RATE))


def seconds(count: int) -> float:
    """Convert samples to seconds, rounded to the millisecond for the script."""
    return round(count / SAMPLE_RATE, 3)


@dataclass(frozen=True)
class Cue:
    """One stretch of the session: a spoken line, a pause or a tone."""

    start: int
    end: int
    kind: str
    part: str
    exercise: str | None
    side: str | None = None
    text: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start

    def to_json(self, breath: float) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": seconds(self.start),
            "end": seconds(self.end),
            "kind": self.kind,
            "part": self.part,
            "exercise": self.exercise,
            "side": self.side,
        }
        if self.kind == "pause":
            data["breaths"] = round(self.length / SAMPLE_RATE / breath, 3)
        else:
            data["text"] = self.text
        return data


@dataclass(frozen=True)
class Chapter:
    """A named point in the session that players can jump to."""

    start: int
    title: str


@dataclass(frozen=True)
class Script:
    """The whole timed plan of a session."""

    title: str
    pacing: Pacing
    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> int:
        return self.cues[-1].end if self.cues else 0

    @property
    def spoken_lines(self) -> list[str]:
        """Return each distinct spoken line once, in the order first spoken."""
        return list(dict.fromkeys(cue.text for cue in self.cues if cue.kind == "speech"))

    def to_json(self) -> dict[str, Any]:
        breath = self.pacing.breath
        return {
            "version": SCRIPT_VERSION,
            "title": self.title,
            "duration": seconds(self.duration),
            "pacing": self.pacing.to_json(),
            "chapters": [{"start": seconds(c.start), "title": c.title} for c in self.chapters],
            "cues": [cue.to_json(breath) for cue in self.cues],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        """Return the plan as a timeline a person can read."""
        lines = [self.title]
        chapter_starts = {c.start: c.title for c in self.chapters}
        shown: set[int] = set()
        breath = self.pacing.breath
        for cue in self.cues:
            if cue.start in chapter_starts and cue.start not in shown:
                shown.add(cue.start)
                lines.append(f"\n# {chapter_starts[cue.start]}")
            if cue.kind == "speech":
                text = cue.text
            elif cue.kind == "tone":
                text = f"[tone: {cue.text}]"
            else:
                secs = cue.length / SAMPLE_RATE
                text = f"… {secs:.1f}s ({secs / breath:.2f} breaths)"
            part = cue.part + (f" ({cue.side})" if cue.side else "")
            lines.append(f"{format_clock_exact(cue.start)}  {part:<18} {text}")
        lines.append(f"\ntotal {format_clock(self.duration / SAMPLE_RATE)} ({self.duration / SAMPLE_RATE:.1f}s)")
        return "\n".join(lines) + "\n"


def format_clock_exact(count: int) -> str:
    """Write a sample position as mm:ss, truncating so a line never shows a later second."""
    whole = count // SAMPLE_RATE
    return f"{whole // 60:02d}:{whole % 60:02d}"


@dataclass
class _Line:
    offset: int
    text: str
    anchored: bool
    start: int = 0
    length: int = 0


@dataclass
class _Planner:
    """Lay out parts one after another, each as tiling cues."""

    routine: Routine
    pacing: Pacing
    length_of: LengthOf
    cues: list[Cue] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def now(self) -> int:
        return self.cues[-1].end if self.cues else 0

    @property
    def breath(self) -> int:
        return samples(self.pacing.breath)

    def pause(self, length: int, part: str, exercise: str | None, side: str | None = None) -> None:
        if length > 0:
            self.cues.append(Cue(self.now, self.now + length, "pause", part, exercise, side))

    def speak(self, text: str, part: str, exercise: str | None, side: str | None = None) -> None:
        self.cues.append(Cue(self.now, self.now + self.length_of(text), "speech", part, exercise, side, text))

    def sequence(self, texts: Iterable[str], part: str, exercise: str | None, tail: int) -> None:
        """Speak lines one after another, then pause for `tail` samples."""
        for i, text in enumerate(texts):
            if i:
                self.pause(samples(SENTENCE_GAP), part, exercise)
            self.speak(text, part, exercise)
        self.pause(tail, part, exercise)

    def timed(self, part: str, exercise: Exercise | None, side: str | None, length: int, lines: list[_Line],
              exact: bool = True) -> None:
        """Fill a part of fixed length, placing lines within it; grow it only if they cannot fit."""
        gap = samples(MIN_GAP)
        placed: list[_Line] = []
        for line in lines:
            line.length = self.length_of(line.text)
        for line in (entry for entry in lines if entry.anchored):
            previous_end = placed[-1].start + placed[-1].length + gap if placed else 0
            line.start = max(line.offset, previous_end)
            placed.append(line)
        floating_floor = 0
        for line in (entry for entry in lines if not entry.anchored):
            line.start = _first_fit(placed, max(line.offset, floating_floor), line.length, gap, length)
            floating_floor = line.start + line.length + gap
            placed.append(line)
            placed.sort(key=lambda entry: entry.start)
        name = exercise.name if exercise else None
        base = self.now
        cursor = 0
        for line in placed:
            self.pause(line.start - cursor, part, name, side)
            self.cues.append(Cue(base + line.start, base + line.start + line.length, "speech", part, name, side, line.text))
            cursor = line.start + line.length
        if not exact and placed:
            # A part that may stretch (a transition) still leaves a pause after its words.
            length = max(length, cursor + samples(SENTENCE_GAP))
        if cursor > length:
            if exact:
                over = (cursor - length) / SAMPLE_RATE
                last = max(placed, key=lambda entry: entry.start + entry.length)
                where = f"{exercise.name}, {part}" if exercise else part
                self.warnings.append(f'{where}: "{last.text}" does not fit; the {part} runs {over:.1f}s longer')
        else:
            self.pause(length - cursor, part, name, side)

    def plan(self) -> Script:
        routine, pacing = self.routine, self.pacing
        self.pause(samples(LEAD_IN), "intro", None)
        self.chapters.append(Chapter(0, phrases.CHAPTERS["intro"]))
        self.sequence([f"{routine.title}."] + ([routine.intro] if routine.intro else []), "intro", None, 0)
        previous: Exercise | None = None
        for exercise in routine.exercises:
            self.transition([], release=_ends_held(previous))
            self.exercise(exercise, previous)
            previous = exercise
        self.transition([], release=_ends_held(previous))
        self.chapters.append(Chapter(self.now, phrases.CHAPTERS["outro"]))
        self.sequence([routine.outro or phrases.say("closing")], "outro", None, samples(TAIL))
        return Script(routine.title, pacing, tuple(self.cues), tuple(self.chapters), tuple(self.warnings))

    def transition(self, texts: list[str], exercise: Exercise | None = None, side: str | None = None,
                   release: bool = False) -> None:
        """Join two parts with the pacing's transition pause, releasing a hold that just ended."""
        if release:
            texts = [phrases.say("release")] + texts
        length = samples(self.pacing.transition_seconds)
        self.timed("transition", exercise, side, length, [_Line(0, text, anchored=True) for text in texts], exact=False)

    def exercise(self, exercise: Exercise, previous: Exercise | None) -> None:
        name = exercise.name
        self.chapters.append(Chapter(self.now, name))
        texts = []
        if exercise.section and (previous is None or previous.section != exercise.section):
            texts.append(f"{exercise.section}.")
        texts.append(f"{name}.")
        if exercise.setup:
            texts.append(exercise.setup)
        working = exercise.reps is not None or exercise.hold is not None
        if not working:
            texts.extend(exercise.cues)
        sides = exercise.sides or (None,)
        if exercise.sides:
            texts.append(phrases.say("first_side", side=phrases.PHRASES[sides[0]]))
        # One breath to get into position before the work begins.
        self.sequence(texts, "setup", name, self.breath if working else 0)
        for i, side in enumerate(sides):
            if i:
                switch = phrases.say("switch_side", side=phrases.PHRASES[side])
                self.transition([switch], exercise, side, release=exercise.hold is not None)
            self.work(exercise, side)
        if exercise.rest:
            key = "release_and_rest" if exercise.hold else "rest"
            text = phrases.say(key, duration=phrases.duration(exercise.rest))
            length = samples(exercise.rest.seconds(self.pacing.breath))
            self.timed("rest", exercise, None, length, [_Line(0, text, anchored=True)])

    def work(self, exercise: Exercise, side: str | None) -> None:
        """Play the reps and the hold of one side."""
        cues = list(exercise.cues)
        breath = self.pacing.breath
        if exercise.reps is not None:
            rep = samples(exercise.breaths_per_rep * breath)
            lines = [_Line(i * rep, phrases.count(i + 1), anchored=True) for i in range(exercise.reps)]
            lines += [_Line(min(i, exercise.reps - 1) * rep, cue, anchored=False) for i, cue in enumerate(cues)]
            length = samples(exercise.reps * exercise.breaths_per_rep * breath)
            self.timed("reps", exercise, side, length, lines)
            cues = []
        if exercise.hold is not None:
            text = phrases.say("hold", duration=phrases.duration(exercise.hold))
            lines = [_Line(0, text, anchored=True)]
            lines += [_Line(samples(i * breath), cue, anchored=False) for i, cue in enumerate(cues)]
            self.timed("hold", exercise, side, samples(exercise.hold.seconds(breath)), lines)


def _ends_held(exercise: Exercise | None) -> bool:
    """Tell whether an exercise ends still holding, so the next part must release it."""
    return exercise is not None and exercise.hold is not None and exercise.rest is None


def _first_fit(placed: list[_Line], earliest: int, length: int, gap: int, limit: int) -> int:
    """Return the earliest start at or after `earliest` where a line fits between placed ones."""
    candidates = sorted({earliest} | {p.start + p.length + gap for p in placed if p.start + p.length + gap > earliest})
    for start in candidates:
        end = start + length
        clear = all(end + gap <= p.start or start >= p.start + p.length + gap for p in placed)
        if clear and end <= limit:
            return start
    return max([earliest] + [p.start + p.length + gap for p in placed])


def plan(routine: Routine, pacing: Pacing, length_of: LengthOf) -> Script:
    """Lay out the whole session: every line, pause and chapter at its exact time."""
    return _Planner(routine, pacing, length_of).plan()


def spoken_lines(routine: Routine, pacing: Pacing) -> list[str]:
    """Return every line the session will speak, whatever the clips' lengths."""
    return plan(routine, pacing, lambda text: SAMPLE_RATE).spoken_lines
