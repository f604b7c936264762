"""The walk over a routine: its sections, exercises, sides and the transitions between, into a timed script."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pilates_audio.format import Duration, Exercise, Kind, Routine, localized
from pilates_audio.settings import Pacing
from pilates_audio.timing import makers, warnings
from pilates_audio.timing.layout import Layout
from pilates_audio.timing.makers import Guide
from pilates_audio.timing.placement import SENTENCE_GAP, Line, join_slivers
from pilates_audio.timing.script import SAMPLE_RATE, Chapter, LengthOf, Script, samples

LEAD_IN = 0.5  # seconds before the first word, so no player clips it
TAIL = 2.0  # seconds after the last word, so the session does not stop abruptly

_WORD = re.compile(r"\w+")


@dataclass
class Walk(Layout):
    """Walk a routine from its intro to its outro, laying out each exercise's parts in turn."""

    next_announced: bool = False  # the last rest already named the exercise that comes next
    own_pacing: dict[str, Pacing] = field(default_factory=dict)

    def script(self, routine: Routine) -> Script:
        """Lay out the whole routine and return its timed script."""
        self.pause(samples(LEAD_IN), "intro", None)
        self.chapters.append(Chapter(0, self.guide.book.chapter("intro")))
        self.sequence([f"{routine.title}."] + ([routine.intro] if routine.intro else []), "intro", None)
        exercises = routine.exercises
        for i, exercise in enumerate(exercises):
            previous = exercises[i - 1] if i else None
            announce = []
            # Below full guidance, the setup that follows at once names the exercise itself.
            if self.pacing.announce_next and self.guide.full and previous is not None and not self.next_announced:
                announce = [self.guide.book.next_up(exercise.name)]
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
        self.chapters.append(Chapter(self.now, self.guide.book.chapter("outro")))
        self.sequence([routine.outro or self.guide.book.say("closing")], "outro", None, samples(TAIL))
        # Each cause is named once, not once for every side, direction or round it comes back in.
        return Script(routine.title, self.pacing, tuple(join_slivers(self.cues)), tuple(self.chapters),
                      tuple(dict.fromkeys(self.warnings)), tuple(self.own_pacing.items()))

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
            cues = [cue for cue in dict.fromkeys(exercise.cues) if cue in moved]
            self.warnings.append(warnings.moved_to_setup(exercise.name, cues, next(iter(moved.values()))))

    def exercise(self, exercise: Exercise, previous: Exercise | None, upcoming: Exercise | None,
                 moved: tuple[str, ...] = ()) -> None:
        """Play an exercise from its setup to its rest; `moved` cues are said in the setup, before the work."""
        self.section(exercise, previous)
        self.setup(exercise, moved)
        sides = exercise.sides or (None,)
        for i, side in enumerate(sides):
            if i:
                switch = self.guide.book.say("switch_side", side=self.guide.book.word(side))
                self.transition([switch], exercise, side, release=exercise.hold is not None,
                                countdown=exercise.reps is None and self.pacing.countdown > 0 and exercise.effort,
                                switch=_switch_time(exercise, self.pacing))
            self.work(exercise, side)
        if exercise.rests:
            self.rest(exercise, upcoming)

    def setup(self, exercise: Exercise, moved: tuple[str, ...]) -> None:
        """Name the exercise, with its chapter, and say how to get into it; count in a hold that starts at once."""
        guide = self.guide
        book = guide.book
        name = exercise.name
        title = book.say("round_chapter", name=name, number=str(exercise.round)) if exercise.rounds > 1 else name
        self.chapters.append(Chapter(self.now, title, 1 if exercise.section else 0))
        texts = [] if _rest_says_name(guide, exercise) else [f"{name}."]
        working = exercise.working
        if exercise.setup and not (guide.minimal and working):
            texts.append(exercise.setup)
        if not working:
            texts.extend(exercise.cues)
        texts.extend(moved)
        if exercise.sides:
            texts.append(book.say("first_side", side=book.word(exercise.sides[0])))
        if exercise.alternating and not guide.minimal:
            texts.append(book.say("alternate_sides", side=book.word(exercise.alternating[0])))
        first = _announced_first(exercise)
        if first is not None:
            texts.append(book.say(first, duration=book.duration(getattr(exercise, first))))
        # A breath to get into position (or, with nothing to count, to do what was said).
        self.sequence(texts, "setup", name, 0 if working or not texts else guide.breath)
        if working and texts:
            # A hold that starts straight away is counted in, one number a second (an effort only).
            holds_first = exercise.reps is None and self.pacing.countdown > 0 and exercise.effort
            settle = max(guide.breath, (self.pacing.countdown + 1) * SAMPLE_RATE) if holds_first else guide.breath
            self.timed("setup", exercise, None, settle, makers.countdown(guide, settle) if holds_first else [],
                       exact=False)

    def rest(self, exercise: Exercise, upcoming: Exercise | None) -> None:
        """Rest after an exercise, naming the one that comes next if it fits."""
        book = self.guide.book
        key = "release_and_rest" if exercise.hold else "rest"
        # A rest pose's own rest goes on quietly: "Release, and rest" would say a second rest.
        resting = exercise.kind is Kind.REST and (exercise.hold or exercise.work) is not None
        said = [] if resting else [Line(0, book.say(key, duration=book.duration(exercise.rest)))]
        length = samples(exercise.rest.seconds(self.pacing.breath))
        # Said in the rest if it fits there; else (with full guidance) the transition says it.
        cues = makers.next_up(self.guide, length, upcoming)
        self.work_part("rest", exercise, None, length, said, cues)
        self.next_announced = bool(cues) and cues[0].placed

    def section(self, exercise: Exercise, previous: Exercise | None) -> None:
        """Begin a section, or a round of one, with its chapter: "Section two: Core. Round one of three." """
        where = (exercise.section_number, exercise.round)
        if not exercise.section or (previous is not None and (previous.section_number, previous.round) == where):
            return
        book = self.guide.book
        said = []
        if exercise.round == 1:
            said.append(book.section(exercise.section_number, exercise.section))
        title = exercise.section
        if exercise.rounds > 1:
            said.append(book.round_of(exercise.round, exercise.rounds))
            title = book.say("round_chapter", name=exercise.section, number=str(exercise.round))
        self.chapters.append(Chapter(self.now, title))
        self.sequence(said, "section", None, samples(SENTENCE_GAP))

    def work(self, exercise: Exercise, side: str | None) -> None:
        """Play the reps (and again the other way, with reverse), the work and the hold of one side."""
        guide = self.guide
        cues = [] if guide.minimal else list(exercise.cues)
        breath = self.pacing.breath
        if exercise.reps is not None:
            for direction in range(2 if exercise.reverse else 1):
                if direction:
                    self.transition([guide.book.say("reverse")], exercise, side,
                                    switch=_switch_time(exercise, self.pacing))
                self.reps(exercise, side, cues)  # the cues in each direction, as on each side
            cues = []  # said with the reps
        if exercise.work is not None:
            length = samples(exercise.work.seconds(breath))
            fixed = [] if _announced_first(exercise) == "work" else [Line(0, makers.opening(guide, "work", exercise))]
            # Spread over the whole time, the first at the start.
            lines = [Line(length * i // len(cues), cue, "cue", movable=True) for i, cue in enumerate(cues)]
            lines += makers.milestones(guide, length, exercise.work, bool(exercise.pulses), exercise.effort)
            self.work_part("work", exercise, side, length, fixed, lines)
            cues = []
        if exercise.hold is not None:
            length = samples(exercise.hold.seconds(breath))
            fixed = [] if _announced_first(exercise) == "hold" else [Line(0, makers.opening(guide, "hold", exercise))]
            # Spread over the hold's whole breaths, as over a set of reps: the first on the first breath.
            breaths = max(int(length // samples(breath)), len(cues))
            lines = [Line(samples(i * breaths // len(cues) * breath), cue, "cue", movable=True)
                     for i, cue in enumerate(cues)]
            self.work_part("hold", exercise, side, length, fixed,
                           lines + makers.milestones(guide, length, droppable=bool(exercise.pulses),
                                                     effort=exercise.effort))

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
                fixed.append(Line(samples(i * rep), "", rep=(i + 1, i + 1 == exercise.reps and exercise.reps > 1),
                                  side=turn, counted=self.pacing.count_reps))
        # Spread over the whole set, the first on the first rep.
        lines = [Line(samples(i * exercise.reps // len(cues) * rep), cue, "cue", movable=True)
                 for i, cue in enumerate(cues)]
        length = samples(exercise.reps * rep)
        marks = makers.phase_marks(self.guide, length, rep, pause)
        self.work_part("reps", exercise, side, length, fixed, lines, marks, rep)


def _ends_held(exercise: Exercise | None) -> bool:
    """Tell whether an exercise ends still holding, so the next part must release it."""
    return exercise is not None and exercise.hold is not None and not exercise.rests


def _switch_time(exercise: Exercise, pacing: Pacing) -> Duration:
    """Return the time to change side or direction: the exercise's `switch`, else the transition."""
    return exercise.switch if exercise.switch is not None else pacing.transition


def _announced_first(exercise: Exercise) -> str | None:
    """Return the part ("work" or "hold") whose opening is said in the setup, not in the part.

    An exercise with pulses and no reps starts pulsing at once: its first work or hold is
    announced before it begins, so the first pulses are not talked over.
    """
    if not exercise.pulses or exercise.reps is not None:
        return None
    return "work" if exercise.work is not None else "hold" if exercise.hold is not None else None


def _rest_says_name(guide: Guide, exercise: Exercise) -> bool:
    """Tell whether a rest pose's announcement ("Rest for three breaths.") already says its name ("Rest")."""
    if exercise.kind is not Kind.REST or exercise.reps is not None:
        return False
    amount = exercise.work or exercise.hold or (exercise.rest if exercise.rests else None)
    if amount is None:
        return False
    said = guide.book.say("rest", duration=guide.book.duration(amount)).casefold()
    return set(_WORD.findall(exercise.name.casefold())) <= set(_WORD.findall(said))


def plan(routine: Routine, pacing: Pacing, length_of: LengthOf) -> Script:
    """Lay out the whole session: every line, pause and chapter at its exact time.

    Texts the routine gives per language are said in the session's (ValidationError if one lacks it).
    """
    return Walk(pacing, length_of).script(localized.in_language(routine, pacing.language))


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
