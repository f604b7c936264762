"""The timed narration script: a pure function of routine, pacing and clip lengths."""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from pilates_audio import languages
from pilates_audio.format import Duration, Exercise, Kind, Routine, format_clock, localized
from pilates_audio.settings import Pacing
from pilates_audio.timing.tones import TONES

SAMPLE_RATE = 44100
SCRIPT_VERSION = 1

# Breathing room between spoken lines, in seconds.
LEAD_IN = 0.5  # before the first word, so no player clips it
SENTENCE_GAP = 0.6  # between lines of intro, setup and outro
MIN_GAP = 0.3  # between lines spoken inside reps, holds and rests
TAIL = 2.0  # after the last word, so the session does not stop abruptly
PULSE_GAP = 0.05  # seconds between pulse words, which follow each other closely
PULSE_SLACK = 0.03  # seconds a pulse may land from its subdivision
HALFWAY_FROM = 30.0  # holds and work at least this long get a "halfway"
LAST_FEW = 5.0  # seconds before the end of timed work that "last few" is said
LAST_FEW_FROM = 15.0  # work at least this long gets a "last few"
SLIVER = 44  # samples (1 ms): a pause shorter than this joins the pause beside it
NOTICEABLE = 0.05  # seconds: a cue that runs past its phase by less is heard on time, and not warned about

LengthOf = Callable[[str], int]
_WORD = re.compile(r"\w+")


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
    level: int = 0  # 1: an exercise inside a section (a round), listed under the section's chapter


@dataclass(frozen=True)
class Script:
    """The whole timed plan of a session."""

    title: str
    pacing: Pacing
    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    warnings: tuple[str, ...] = ()
    own_pacing: tuple[tuple[str, Pacing], ...] = ()  # exercises with a pacing of their own, by name
    music: Any = None  # the bed under the voice as rendered (a beds.Plan), if there is one

    @property
    def duration(self) -> int:
        return self.cues[-1].end if self.cues else 0

    @property
    def spoken_lines(self) -> list[str]:
        """Return each distinct spoken line once, in the order first spoken."""
        return list(dict.fromkeys(cue.text for cue in self.cues if cue.kind == "speech"))

    def to_json(self) -> dict[str, Any]:
        own = dict(self.own_pacing)
        data: dict[str, Any] = {
            "version": SCRIPT_VERSION,
            "title": self.title,
            "duration": seconds(self.duration),
            "pacing": self.pacing.to_json(),
        }
        if own:
            # Only what differs from the session's pacing, and the breath it makes.
            session = data["pacing"]
            data["exercise_pacing"] = {name: {key: value for key, value in pacing.to_json().items()
                                              if value != session[key] or key == "breath"}
                                       for name, pacing in own.items()}
        if self.music is not None:
            data["music"] = self.music.to_json()
        data["chapters"] = [{"start": seconds(c.start), "title": c.title} for c in self.chapters]
        data["cues"] = [cue.to_json(own.get(cue.exercise, self.pacing).breath) for cue in self.cues]
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def to_text(self, shortest_pause: float = 0.0) -> str:
        """Return the plan as a timeline a person can read, leaving out pauses shorter than `shortest_pause` s."""
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
                if round(secs, 1) < shortest_pause:  # compared as shown: a pause shown as 1.0s is one
                    continue
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
    """Something to say or sound inside a part, before it is placed.

    `role` sets its priority: "fixed" lines (counts, announcements) go at their
    moment; "cue" lines (the author's cues) fit into the gaps between them; "optional"
    lines (breath cues) go at their exact moment only if it is free.
    """

    offset: int
    text: str
    role: str = "fixed"
    kind: str = "speech"
    rep: tuple[int, bool] | None = None  # (number, is the last) for a rep count, worded once placed
    side: str | None = None  # the side a rep count names (sides: alternate)
    counted: bool = True  # a rep line that says its number (else only its side)
    phase: str | None = None  # the breath phase a rep count starts on, when it is said with it
    droppable: bool = False  # a cue that is left out, rather than growing the part, when it cannot fit
    movable: bool = False  # an author's plain cue: with no room in its part, it is said in the setup instead
    tied: bool = False  # an author's cue with a moment of its own: said right after what else is due then
    until: int | None = None  # where a tied cue's phase ends: it should be said by then
    mark: bool = False  # a breath word said before a tied cue: on its moment, or left out
    pulse: bool = False  # a pulse word, on its even subdivision of a breath phase
    placed: bool = False
    start: int = 0
    length: int = 0

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass
class _Planner:
    """Lay out parts one after another, each as tiling cues."""

    routine: Routine
    pacing: Pacing
    length_of: LengthOf
    cues: list[Cue] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_announced: bool = False  # the last rest already named the exercise that comes next
    own_pacing: dict[str, Pacing] = field(default_factory=dict)
    unfit: dict[str, str] = field(default_factory=dict)  # plain cues with no room in their part, and the part

    @property
    def now(self) -> int:
        return self.cues[-1].end if self.cues else 0

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

    def timed(self, part: str, exercise: Exercise | None, side: str | None, length: int, lines: list[_Line],
              exact: bool = True) -> None:
        """Fill a part of fixed length, placing lines within it; grow it only if they cannot fit."""
        gap = samples(MIN_GAP)
        for line in lines:
            line.length = samples(TONES[line.text].seconds) if line.kind == "tone" else self.length_of(line.text)
        fixed = [entry for entry in lines if entry.role == "fixed"]
        due = _place_fixed(fixed, length, gap)
        # A breath word before a tied cue is said before it in every rep or in none: where it is
        # late once, or pushes the cue past its phase, it is only an ordinary breath word, said if free.
        loose = _loose_marks(fixed, due.speech, samples(NOTICEABLE))
        for mark in loose:
            mark.role, mark.mark = "optional", False
        if loose:
            due = _place_fixed([entry for entry in fixed if entry.role == "fixed"], length, gap)
        if exact and exercise is not None:
            self.warn_due(exercise.name, part, due)
        timeline = _Timeline(due.tones + due.speech)
        for line in (entry for entry in lines if entry.role == "optional"):
            line.start = line.offset
            if line.end <= length and timeline.clear(line, gap):
                timeline.add(line)
        placed = self.place_cues(part, length, timeline.lines, [entry for entry in lines if entry.role == "cue"])
        name = exercise.name if exercise else None
        base = self.now
        cursor = 0
        for line in placed:
            line.placed = True
            self.pause(line.start - cursor, part, name, side)
            self.cues.append(Cue(base + line.start, base + line.end, line.kind, part, name, side, line.text))
            cursor = line.end
        if placed and cursor > length - (0 if exact else samples(SENTENCE_GAP)):
            if exact:
                self.warn_grown(name, part, [line for line in placed if line.end > length and line.kind == "speech"],
                                cursor - length)
            # Words that ran over still get a breath of quiet before what follows.
            self.pause(samples(SENTENCE_GAP), part, name, side)
        else:
            self.pause(length - cursor, part, name, side)

    def place_cues(self, part: str, length: int, placed: list[_Line], cues: list[_Line]) -> list[_Line]:
        """Fit the cues into the gaps between what is placed; return all that is placed, in time order.

        A plain cue of the author's with no room is said in the setup instead (`unfit`).
        """
        gap = samples(MIN_GAP)
        floor = 0
        for line in cues:
            earliest = max(line.offset, floor)
            kept = [p for p in placed if p.role != "optional"]
            # Near its moment: around the breath words if that costs at most a breath of
            # delay, else they give way. Failing that, anywhere after the cue before it;
            # failing that, it runs over (or is left out, or moves to the setup, if it may).
            keeping = _first_fit(placed, earliest, line.length, gap, length)
            displacing = _first_fit(kept, earliest, line.length, gap, length)
            start = keeping if keeping - displacing <= self.breath else displacing
            for others in (placed, kept):
                if start + line.length <= length:
                    break
                start = _first_fit(others, floor, line.length, gap, length)
            if start + line.length > length and (line.droppable or line.movable):
                if line.movable:
                    self.unfit.setdefault(line.text, part)
                continue
            line.start = start
            placed = [p for p in placed if p.role != "optional" or _clear(p, [line], gap)] + [line]
            placed.sort(key=lambda entry: entry.start)
            floor = line.end + gap
        return placed

    def warn_due(self, name: str, part: str, due: _Due) -> None:
        """Name what was left out of the lines due at their moments, and the tied cues that ran past their phase."""
        if due.pulses_dropped:
            self.warnings.append(f"{name}: {due.pulses_dropped} of the pulses in the {part} are left out: too quick "
                                 "to say on their beats at this pace; slow the breath, or use breath_cues: tone")
        if due.pulses_covered:
            self.warnings.append(f"{name}: {due.pulses_covered} of the pulses in the {part} are left out where its "
                                 "tied cues are said; tie fewer cues to the breath, or make them plain cues")
        # A tied cue that runs out of its phase is said (never cut short), and named once.
        past: dict[str, tuple[str, int]] = {}
        for line in due.speech:
            if line.until is not None and line.end - line.until >= samples(NOTICEABLE):
                phase, over = past.get(line.text, (line.phase, 0))
                past[line.text] = (phase, max(over, line.end - line.until))
        for text, (phase, over) in past.items():
            self.warnings.append(f'{name}: the cue "{text}" runs {over / SAMPLE_RATE:.1f} s past its {phase} in the '
                                 f"{part}; shorten it, or slow the breath")
        for text in dict.fromkeys(line.text for line in due.late):
            self.warnings.append(f'{name}: the cue "{text}" is left out at the end of the {part}: said there, it '
                                 "would run past it; shorten it, or slow the breath")

    def warn_grown(self, name: str | None, part: str, over: list[_Line], grown: int) -> None:
        """Name the lines that did not fit in a part, and how much it grows for them."""
        noun = "the cue" if all(line.role == "cue" or line.tied for line in over) else "the line"
        quoted = " and ".join(f'"{line.text}"' for line in over)
        verb = "do" if len(over) > 1 else "does"
        grows = "grow" if part == "reps" else "grows"
        self.warnings.append(f"{name + ': ' if name else ''}{noun}{'s' if len(over) > 1 else ''} {quoted} {verb} not "
                             f"fit in the {part}; the {part} {grows} by {grown / SAMPLE_RATE + SENTENCE_GAP:.1f} s")

    def phase_marks(self, length: int, rep: float = 0.0, pause: float = 0.0) -> list[tuple[int, str]]:
        """Return where each breath phase of a part begins, inhale and exhale in turn from its start.

        With a `pause`, each rep (of `rep` seconds) starts on an inhale and holds still
        after it for `pause` seconds before breathing on.
        """
        inhale, exhale = self.pacing.inhale, self.pacing.exhale
        marks: list[tuple[int, str]] = []
        if not pause:
            breaths = 0
            while samples(breaths * self.pacing.breath) < length:
                start = breaths * self.pacing.breath
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

    def breath_lines(self, length: int, fixed: dict[int, _Line], marks: list[tuple[int, str]],
                     tied: set[int] = frozenset(), part: str = "") -> list[_Line]:
        """Add the breath cues of a part: merged into a count, or on their own where free.

        Where an author's cue is tied to a phase, its breath word is said first, for sure.
        Below full guidance, rests are quiet; minimal guidance says no breath words at all.
        Words name the first breath of the part, then every `breath_cues_every`th; tones mark every phase.
        """
        mode = self.pacing.breath_cues
        if mode == "silent" or (part == "rest" and not self.full) or (mode == "voice" and self.minimal):
            return []
        lines = []
        breath = 0
        for offset, phase in marks:
            breath += phase == "inhale"
            if mode == "voice" and (breath - 1) % self.pacing.breath_cues_every:
                continue  # a breath not named (with the still moment at the top of its rep)
            line = fixed.get(offset)
            if line is None and offset in tied and phase != "hold":
                lines.append(_Line(offset, self.book.breath_cue(phase), mark=True) if mode == "voice"
                             else _Line(offset, phase, kind="tone"))
                continue
            if phase == "hold":
                # The still moment at the top of a rep: said if free, never a tone.
                if mode == "voice" and line is None:
                    lines.append(_Line(offset, self.book.say("hold_each"), "optional"))
            elif mode == "tone":
                # A line due at a tone's moment follows straight after it; other tones,
                # like spoken breath cues, give way to an author's cue with nowhere else to go.
                lines.append(_Line(offset, phase, "fixed" if line else "optional", kind="tone"))
            elif line is None:
                lines.append(_Line(offset, self.book.breath_cue(phase), "optional"))
            elif line.rep is not None:
                line.phase = phase
        return lines

    def work_part(self, part: str, exercise: Exercise | None, side: str | None, length: int,
                  fixed: list[_Line], cues: list[_Line], marks: list[tuple[int, str]] | None = None,
                  rep: float = 0.0) -> None:
        """Lay out a breath-paced part (reps, hold, rest) with its breath cues and tied cues.

        `rep` is the length of one rep in seconds; without it (a hold), each breath counts as one.
        """
        marks = marks if marks is not None else self.phase_marks(length)
        tied = self.tied_lines(exercise, part, length, marks, rep) if exercise is not None else []
        at = {line.offset: line for line in fixed}
        if exercise is not None and exercise.pulses and part in ("reps", "work", "hold"):
            pulses = self.pulse_lines(exercise.pulses, marks, length, at)
            fixed = fixed + [line for line in pulses if line.kind == "speech"]
            cues = cues + [line for line in pulses if line.kind == "tone"]
            at.update((line.offset, line) for line in pulses if line.kind == "speech")
        # A rest pose is as quiet as a rest.
        resting = exercise is not None and exercise.kind is Kind.REST
        extra = self.breath_lines(length, at, marks, {line.offset for line in tied}, "rest" if resting else part)
        for line in fixed:
            if line.rep is not None:
                line.text = self.book.rep_line(*line.rep, line.phase, line.side, line.counted)
        # What is due at one moment is said in order: the count or breath word, then the tied cue.
        due = sorted(fixed + [line for line in extra if line.role == "fixed" and line.kind == "speech"] + tied,
                     key=lambda line: (line.offset, line.tied))
        others = [line for line in extra if not (line.role == "fixed" and line.kind == "speech")]
        self.timed(part, exercise, side, length, due + others + cues)

    def pulse_lines(self, count: int, marks: list[tuple[int, str]], length: int, taken: dict[int, _Line]
                    ) -> list[_Line]:
        """Return `count` even pulses in every inhale and exhale: words ("In, two, three"), ticks, or none.

        The first pulse of a phase is its breath mark: "In."/"Out." spoken (unless a count
        is said then), the breath tone itself in tone mode.
        """
        mode = self.pacing.breath_cues
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
                        lines.append(_Line(offset, "pulse", kind="tone"))
                elif k or start not in taken:
                    lines.append(_Line(offset, self.book.pulse(k + 1, phase), pulse=True))
        return lines

    def tied_lines(self, exercise: Exercise, part: str, length: int, marks: list[tuple[int, str]],
                   rep: float) -> list[_Line]:
        """Return the author's tied cues of a part, each at its phase's start or its rep's start."""
        if part not in ("reps", "work", "hold") or self.minimal:
            return []
        span = samples(rep) if rep else self.breath
        count = -(-length // span)  # reps, or the breaths of a hold, begun in the part
        offsets = [at for at, _ in marks]
        lines = []
        for cue in exercise.tied:
            if cue.at is not None:
                if part != "reps":
                    continue
                if cue.at > count:
                    self.warnings.append(f'{exercise.name}: the cue "{cue.text}" is said at rep {cue.at}, but there '
                                         f"are {count} reps this time; it is left out")
                    continue
                lines.append(_Line(samples((cue.at - 1) * rep), cue.text, tied=True))
                continue
            for number in range(1, count + 1):
                if not cue.due(number):
                    continue
                first, end = bisect.bisect_left(offsets, (number - 1) * span), number * span
                found = next((i for i in range(first, len(marks)) if marks[i][0] >= end or marks[i][1] == cue.on),
                             None)
                if found is not None and marks[found][0] < end:
                    until = marks[found + 1][0] if found + 1 < len(marks) else length
                    lines.append(_Line(marks[found][0], cue.text, phase=cue.on, tied=True, until=until))
        return lines

    def plan(self) -> Script:
        routine = self.routine
        self.pause(samples(LEAD_IN), "intro", None)
        self.chapters.append(Chapter(0, self.book.chapter("intro")))
        self.sequence([f"{routine.title}."] + ([routine.intro] if routine.intro else []), "intro", None)
        exercises = routine.exercises
        for i, exercise in enumerate(exercises):
            previous = exercises[i - 1] if i else None
            announce = []
            # Below full guidance, the setup that follows at once names the exercise itself.
            if self.pacing.announce_next and self.full and previous is not None and not self.next_announced:
                announce = [self.book.next_up(exercise.name)]
            self.next_announced = False
            self.transition(announce, release=_ends_held(previous))
            upcoming = exercises[i + 1] if i + 1 < len(exercises) else None
            session, self.pacing = self.pacing, self.pacing.for_exercise(exercise.pacing)
            if self.pacing is not session:
                self.own_pacing[exercise.name] = self.pacing
            try:
                self.exercise_with_room(exercise, previous, upcoming)
            finally:
                self.pacing = session
        self.transition([], release=_ends_held(exercises[-1]))
        self.chapters.append(Chapter(self.now, self.book.chapter("outro")))
        self.sequence([routine.outro or self.book.say("closing")], "outro", None, samples(TAIL))
        # Each cause is named once, not once for every side, direction or round it comes back in.
        return Script(routine.title, self.pacing, tuple(join_slivers(self.cues)), tuple(self.chapters),
                      tuple(dict.fromkeys(self.warnings)), tuple(self.own_pacing.items()))

    def transition(self, texts: list[str], exercise: Exercise | None = None, side: str | None = None,
                   release: bool = False, countdown: bool = False, switch: Duration | None = None) -> None:
        """Join two parts with the pacing's transition pause, releasing a hold that just ended.

        A `switch` time (changing side or direction) is quiet, whole, after the words and before
        any countdown: the time to get there, not to listen.
        """
        if release:
            texts = [self.book.say("release")] + texts
        length = samples(self.pacing.transition_seconds)
        # A line that filled the part before to its last moment still gets a gap before the next.
        sounds = [cue for cue in self.cues if cue.kind != "pause"]
        lead = max(0, samples(MIN_GAP) - (self.now - sounds[-1].end)) if sounds else 0
        lines = [_Line(lead, text) for text in texts]
        if switch is not None:
            words = lead + sum(self.length_of(text) for text in texts) + samples(MIN_GAP) * max(0, len(texts) - 1)
            length = words + samples(switch.seconds(self.pacing.breath)) + (
                self.pacing.countdown * SAMPLE_RATE if countdown else 0)
        if countdown and self.pacing.countdown:
            # The words first, then a full count of one number a second into the hold.
            said = sum(self.length_of(text) + samples(MIN_GAP) for text in texts)
            length = max(length, said + samples(SENTENCE_GAP) + self.pacing.countdown * SAMPLE_RATE)
            lines += self.countdown(length)
        self.timed("transition", exercise, side, length, lines, exact=False)

    def switch_time(self, exercise: Exercise) -> Duration:
        """Return the time to change side or direction: the exercise's `switch`, else the transition."""
        return exercise.switch if exercise.switch is not None else self.pacing.transition

    def countdown(self, length: int) -> list[_Line]:
        """Count down the last seconds before a hold: "Three. Two. One." ending as it starts."""
        n = self.pacing.countdown
        return [_Line(max(0, length - k * SAMPLE_RATE), self.book.countdown(k)) for k in range(n, 0, -1)]

    def exercise_with_room(self, exercise: Exercise, previous: Exercise | None, upcoming: Exercise | None) -> None:
        """Play an exercise; its plain cues that find no room in its work are said in its setup instead.

        Which cues find no room is known once the work is laid out: the exercise is laid out
        again without them, until all that is left fits (each time one more moves, so it ends).
        """
        mark = len(self.cues), len(self.chapters), len(self.warnings), self.next_announced
        moved: dict[str, str] = {}
        while True:
            self.unfit = {}
            kept = replace(exercise, cues=tuple(cue for cue in exercise.cues if cue not in moved))
            self.exercise(kept, previous, upcoming, tuple(cue for cue in exercise.cues if cue in moved))
            if not self.unfit:
                break
            moved.update(self.unfit)
            del self.cues[mark[0]:], self.chapters[mark[1]:], self.warnings[mark[2]:]
            self.next_announced = mark[3]
        if moved:
            quoted = " and ".join(f'"{cue}"' for cue in dict.fromkeys(exercise.cues) if cue in moved)
            many = len(moved) > 1
            self.warnings.append(f"{exercise.name}: the cue{'s' if many else ''} {quoted} find{'' if many else 's'} "
                                 f"no room in the {next(iter(moved.values()))}, so {'they are' if many else 'it is'} "
                                 "said in the setup")

    def exercise(self, exercise: Exercise, previous: Exercise | None, upcoming: Exercise | None,
                 moved: tuple[str, ...] = ()) -> None:
        """Play an exercise from its setup to its rest; `moved` cues are said in the setup, before the work."""
        name = exercise.name
        self.section(exercise, previous)
        rounds = exercise.rounds > 1
        title = self.book.say("round_chapter", name=name, number=str(exercise.round)) if rounds else name
        self.chapters.append(Chapter(self.now, title, 1 if exercise.section else 0))
        texts = [] if self.rest_says_name(exercise) else [f"{name}."]
        working = exercise.working
        if exercise.setup and not (self.minimal and working):
            texts.append(exercise.setup)
        if not working:
            texts.extend(exercise.cues)
        texts.extend(moved)
        sides = exercise.sides or (None,)
        if exercise.sides:
            texts.append(self.book.say("first_side", side=self.book.word(sides[0])))
        if exercise.alternating and not self.minimal:
            texts.append(self.book.say("alternate_sides", side=self.book.word(exercise.alternating[0])))
        first = self.announced_first(exercise)
        if first is not None:
            texts.append(self.book.say(first, duration=self.book.duration(getattr(exercise, first))))
        # A breath to get into position (or, with nothing to count, to do what was said).
        self.sequence(texts, "setup", name, 0 if working or not texts else self.breath)
        if working and texts:
            # A hold that starts straight away is counted in, one number a second (an effort only).
            holds_first = exercise.reps is None and self.pacing.countdown > 0 and exercise.effort
            settle = max(self.breath, (self.pacing.countdown + 1) * SAMPLE_RATE) if holds_first else self.breath
            self.timed("setup", exercise, None, settle, self.countdown(settle) if holds_first else [], exact=False)
        for i, side in enumerate(sides):
            if i:
                switch = self.book.say("switch_side", side=self.book.word(side))
                self.transition([switch], exercise, side, release=exercise.hold is not None,
                                countdown=exercise.reps is None and self.pacing.countdown > 0 and exercise.effort,
                                switch=self.switch_time(exercise))
            self.work(exercise, side)
        if exercise.rests:
            key = "release_and_rest" if exercise.hold else "rest"
            # A rest pose's own rest goes on quietly: "Release, and rest" would say a second rest.
            resting = exercise.kind is Kind.REST and (exercise.hold or exercise.work) is not None
            said = [] if resting else [_Line(0, self.book.say(key, duration=self.book.duration(exercise.rest)))]
            length = samples(exercise.rest.seconds(self.pacing.breath))
            cues = []
            if self.pacing.announce_next and upcoming is not None and not self.minimal:
                # Said in the rest if it fits there; else (with full guidance) the transition says it.
                cues.append(_Line(length // 2, self.book.next_up(upcoming.name), "cue", droppable=True))
            self.work_part("rest", exercise, None, length, said, cues)
            self.next_announced = bool(cues) and cues[0].placed

    def section(self, exercise: Exercise, previous: Exercise | None) -> None:
        """Begin a section, or a round of one, with its chapter: "Section two: Core. Round one of three." """
        where = (exercise.section_number, exercise.round)
        if not exercise.section or (previous is not None and (previous.section_number, previous.round) == where):
            return
        said = []
        if exercise.round == 1:
            said.append(self.book.section(exercise.section_number, exercise.section))
        title = exercise.section
        if exercise.rounds > 1:
            said.append(self.book.round_of(exercise.round, exercise.rounds))
            title = self.book.say("round_chapter", name=exercise.section, number=str(exercise.round))
        self.chapters.append(Chapter(self.now, title))
        self.sequence(said, "section", None, samples(SENTENCE_GAP))

    def work(self, exercise: Exercise, side: str | None) -> None:
        """Play the reps (and again the other way, with reverse), the work and the hold of one side."""
        cues = [] if self.minimal else list(exercise.cues)
        breath = self.pacing.breath
        if exercise.reps is not None:
            for direction in range(2 if exercise.reverse else 1):
                if direction:
                    self.transition([self.book.say("reverse")], exercise, side, switch=self.switch_time(exercise))
                self.reps(exercise, side, cues)  # the cues in each direction, as on each side
            cues = []  # said with the reps
        if exercise.work is not None:
            length = samples(exercise.work.seconds(breath))
            fixed = [] if self.announced_first(exercise) == "work" else [_Line(0, self.opening("work", exercise))]
            # Spread over the whole time, the first at the start.
            lines = [_Line(length * i // len(cues), cue, "cue", movable=True) for i, cue in enumerate(cues)]
            lines += self.milestones(length, exercise.work, bool(exercise.pulses), exercise.effort)
            self.work_part("work", exercise, side, length, fixed, lines)
            cues = []
        if exercise.hold is not None:
            length = samples(exercise.hold.seconds(breath))
            fixed = [] if self.announced_first(exercise) == "hold" else [_Line(0, self.opening("hold", exercise))]
            # Spread over the hold's whole breaths, as over a set of reps: the first on the first breath.
            breaths = max(int(length // samples(breath)), len(cues))
            lines = [_Line(samples(i * breaths // len(cues) * breath), cue, "cue", movable=True)
                     for i, cue in enumerate(cues)]
            self.work_part("hold", exercise, side, length, fixed,
                           lines + self.milestones(length, droppable=bool(exercise.pulses), effort=exercise.effort))

    def rest_says_name(self, exercise: Exercise) -> bool:
        """Tell whether a rest pose's announcement ("Rest for three breaths.") already says its name ("Rest")."""
        if exercise.kind is not Kind.REST or exercise.reps is not None:
            return False
        amount = exercise.work or exercise.hold or (exercise.rest if exercise.rests else None)
        if amount is None:
            return False
        said = self.book.say("rest", duration=self.book.duration(amount)).casefold()
        return set(_WORD.findall(exercise.name.casefold())) <= set(_WORD.findall(said))

    @staticmethod
    def announced_first(exercise: Exercise) -> str | None:
        """Return the part ("work" or "hold") whose opening is said in the setup, not in the part.

        An exercise with pulses and no reps starts pulsing at once: its first work or hold is
        announced before it begins, so the first pulses are not talked over.
        """
        if not exercise.pulses or exercise.reps is not None:
            return None
        return "work" if exercise.work is not None else "hold" if exercise.hold is not None else None

    def reps(self, exercise: Exercise, side: str | None, cues: list[str]) -> None:
        """Play one set of reps: counts (with their sides, if they alternate), cues and breath marks."""
        breath = self.pacing.breath
        pause = exercise.hold_each.seconds(breath) if exercise.hold_each else 0.0
        rep = exercise.breaths_per_rep * breath + pause
        fixed = []
        turns = exercise.alternating  # each rep names its side, at every guidance level
        for i in range(exercise.reps):
            turn = turns[i % len(turns)] if turns else None
            if self.pacing.count_reps or turn:
                fixed.append(_Line(samples(i * rep), "", rep=(i + 1, i + 1 == exercise.reps and exercise.reps > 1),
                                   side=turn, counted=self.pacing.count_reps))
        # Spread over the whole set, the first on the first rep.
        lines = [_Line(samples(i * exercise.reps // len(cues) * rep), cue, "cue", movable=True)
                 for i, cue in enumerate(cues)]
        length = samples(exercise.reps * rep)
        self.work_part("reps", exercise, side, length, fixed, lines, self.phase_marks(length, rep, pause), rep)

    def opening(self, key: str, exercise: Exercise) -> str:
        """Announce a hold or timed work; it begins on an inhale, which spoken breath cues say with it.

        The inhale is added where the whole line is said within the inhale. A rest pose is
        announced as the rest it is ("Rest for one minute.").
        """
        said = self.book.duration(getattr(exercise, key))
        if exercise.kind is Kind.REST:
            return self.book.say("rest", duration=said)
        text = self.book.say(key, duration=said)
        if self.pacing.breath_cues == "voice" and not self.minimal:
            longer = self.book.say(f"{key}_and_inhale", duration=said)
            self.length_of(text)  # measured too, so both are among the lines a session may say
            if self.length_of(longer) <= samples(self.pacing.inhale - MIN_GAP):
                text = longer
        return text

    def milestones(self, length: int, work: Duration | None = None, droppable: bool = False,
                   effort: bool = True) -> list[_Line]:
        """Say "Halfway." in a long hold or work, and "Last few." near the end of work: an effort's words.

        Between pulses there may be no room: then they are left out (`droppable`).
        """
        lines: list[_Line] = []
        if self.minimal or not effort:
            return lines
        if self.pacing.halfway and length >= samples(HALFWAY_FROM):
            # As near the middle as the breath marks allow, never pushing one of them.
            lines.append(_Line(length // 2, self.book.say("halfway"), "cue", droppable=droppable))
        if work is not None and length >= samples(LAST_FEW_FROM):
            # The last breath of work counted in breaths; else the last few seconds.
            before = self.breath if work.in_breaths else samples(LAST_FEW)
            lines.append(_Line(length - before, self.book.say("last_few"), "cue", droppable=True))
        return lines


def join_slivers(cues: list[Cue]) -> list[Cue]:
    """Join each pause shorter than SLIVER to the pause beside it, so no cue is empty to the millisecond."""
    joined: list[Cue] = []
    for cue in cues:
        if joined and cue.kind == joined[-1].kind == "pause" and min(cue.length, joined[-1].length) < SLIVER:
            longer = cue if cue.length > joined[-1].length else joined[-1]
            cue = replace(longer, start=joined.pop().start, end=cue.end)
        joined.append(cue)
    return joined


def _ends_held(exercise: Exercise | None) -> bool:
    """Tell whether an exercise ends still holding, so the next part must release it."""
    return exercise is not None and exercise.hold is not None and not exercise.rests


@dataclass
class _Due:
    """The lines due at their moments in a part, as placed, and what had to be left out."""

    tones: list[_Line]
    speech: list[_Line] = field(default_factory=list)
    pulses_dropped: int = 0  # too quick to say on their beats
    pulses_covered: int = 0  # left out where a tied cue is said
    late: list[_Line] = field(default_factory=list)  # tied cues that would run past the end of the part


def _place_fixed(lines: list[_Line], length: int, gap: int) -> _Due:
    """Place the lines due at their moments: each on its moment, or as soon after the line before as it may.

    Tones mark the breath, never late: each at its exact moment. A line due during a
    tone follows straight after it; a later tone the line is still speaking over is
    left out, as spoken breath cues give way to counts and announcements.
    """
    due = _Due([entry for entry in lines if entry.kind == "tone"])
    for line in due.tones:
        line.start = line.offset
    speech = due.speech
    for line in (entry for entry in lines if entry.kind != "tone"):
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


def _loose_marks(lines: list[_Line], said: list[_Line], slack: int) -> list[_Line]:
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


class _Timeline:
    """Lines placed in a part, in time order, so a new one is checked against its neighbours only.

    Checking every placed line made planning grow with the square of the reps.
    """

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = sorted(lines, key=lambda entry: entry.start)
        self.starts = [line.start for line in self.lines]
        self.longest = max((line.length for line in self.lines), default=0)

    def add(self, line: _Line) -> None:
        at = bisect.bisect_right(self.starts, line.start)
        self.starts.insert(at, line.start)
        self.lines.insert(at, line)
        self.longest = max(self.longest, line.length)

    def clear(self, line: _Line, gap: int) -> bool:
        """Tell whether `line` keeps at least `gap` away from every placed line."""
        low = bisect.bisect_left(self.starts, line.start - self.longest - gap)
        high = bisect.bisect_right(self.starts, line.end + gap)
        return _clear(line, self.lines[low:high], gap)


def _clear(line: _Line, others: list[_Line], gap: int) -> bool:
    """Tell whether a line keeps at least `gap` away from every other line."""
    return all(line.end + gap <= other.start or line.start >= other.end + gap for other in others if other is not line)


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
    """Lay out the whole session: every line, pause and chapter at its exact time.

    Texts the routine gives per language are said in the session's (ValidationError if one lacks it).
    """
    return _Planner(localized.in_language(routine, pacing.language), pacing, length_of).plan()


def candidate_lines(routine: Routine, pacing: Pacing) -> list[str]:
    """Return every line the session may speak, whatever the clips' lengths.

    Where a line goes can depend on lengths (a breath word gives way where there is
    no room), but which lines are considered does not: synthesize all of these.
    """
    considered: dict[str, None] = {}

    def record(text: str) -> int:
        considered[text] = None
        return SAMPLE_RATE

    plan(routine, pacing, record)
    return list(considered)


def minimum_seconds(routine: Routine, pacing: Pacing) -> float:
    """Return a quick lower bound on a session's length, before planning a single line.

    Only the breath-paced parts and the transitions count, so a routine asking for a
    million reps is known to be far too long without laying them all out.
    """
    breath = pacing.breath
    total = pacing.transition_seconds * (len(routine.exercises) + 1)
    for exercise in routine.exercises:
        pause = exercise.hold_each.seconds(breath) if exercise.hold_each else 0.0
        work = (exercise.reps or 0) * (exercise.breaths_per_rep * breath + pause)
        work += exercise.hold.seconds(breath) if exercise.hold else 0.0
        work += exercise.work.seconds(breath) if exercise.work else 0.0
        total += max(1, len(exercise.sides)) * work
        total += exercise.rest.seconds(breath) if exercise.rest else 0.0
    return total
