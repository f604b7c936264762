"""The walk over a routine: its sections, exercises, sides and the transitions between, into a timed script."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from pilates_audio.format import Duration, Exercise, Kind, Routine, localized
from pilates_audio.settings import Pacing
from pilates_audio.timing import makers, warnings
from pilates_audio.timing.layout import Layout
from pilates_audio.timing.makers import Guide, Span
from pilates_audio.timing.placement import SENTENCE_GAP, join_slivers
from pilates_audio.timing.script import SAMPLE_RATE, Chapter, LengthOf, Part, Script, samples

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
        self.pause(samples(LEAD_IN), Part.INTRO, None)
        self.chapters.append(Chapter(0, self.guide.book.chapter("intro")))
        self.sequence([f"{routine.title}."] + ([routine.intro] if routine.intro else []), Part.INTRO, None)
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
        self.sequence([routine.outro or self.guide.book.say("closing")], Part.OUTRO, None, samples(TAIL))
        # Each cause is named once, not once for every side, direction or round it comes back in.
        return Script(routine.title, self.pacing, tuple(join_slivers(self.cues)), tuple(self.chapters),
                      tuple(dict.fromkeys(self.warnings)), tuple(self.own_pacing.items()))

    def exercise_with_room(self, exercise: Exercise, previous: Exercise | None, upcoming: Exercise | None) -> None:
        """Play an exercise; its plain cues that find no room in its work are said in its setup instead.

        Which cues find no room is known once the work is laid out: the exercise is laid out
        again without them, until all that is left fits (each time one more moves, so it ends).
        """
        mark = len(self.cues), len(self.chapters), len(self.warnings), self.next_announced
        moved: dict[str, Part] = {}
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
        first = makers.announced_first(exercise)
        if first is not None:
            texts.append(book.say(first, duration=book.duration(getattr(exercise, first))))
        # A breath to get into position (or, with nothing to count, to do what was said).
        self.sequence(texts, Part.SETUP, name, 0 if working or not texts else guide.breath)
        if working and texts:
            # A hold that starts straight away is counted in, one number a second (an effort only).
            counted = makers.counts_in(self.pacing, exercise)
            settle = max(guide.breath, (self.pacing.countdown + 1) * SAMPLE_RATE) if counted else guide.breath
            self.timed(Part.SETUP, exercise, None, settle, self.make(Span(Part.SETUP, exercise, settle)), exact=False)

    def rest(self, exercise: Exercise, upcoming: Exercise | None) -> None:
        """Rest after an exercise, naming the one that comes next if it fits."""
        length = samples(exercise.rest.seconds(self.pacing.breath))
        lines = self.work_part(Part.REST, exercise, None, length, upcoming=upcoming)
        # Said in the rest if it fits there; else (with full guidance) the transition says it.
        self.next_announced = any(line.placed for line in lines if line.names_next)

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
        self.sequence(said, Part.SECTION, None, samples(SENTENCE_GAP))

    def work(self, exercise: Exercise, side: str | None) -> None:
        """Play the reps (and again the other way, with reverse), the work and the hold of one side.

        The author's plain cues are said in the first of them (in each direction of the reps).
        """
        guide = self.guide
        cues = () if guide.minimal else exercise.cues
        breath = self.pacing.breath
        if exercise.reps is not None:
            pause = exercise.hold_each.seconds(breath) if exercise.hold_each else 0.0
            rep = exercise.breaths_per_rep * breath + pause
            for direction in range(2 if exercise.reverse else 1):
                if direction:
                    self.transition([guide.book.say("reverse")], exercise, side,
                                    switch=_switch_time(exercise, self.pacing))
                self.work_part(Part.REPS, exercise, side, samples(exercise.reps * rep), rep, pause, cues)
            cues = ()
        if exercise.work is not None:
            self.work_part(Part.WORK, exercise, side, samples(exercise.work.seconds(breath)), cues=cues)
            cues = ()
        if exercise.hold is not None:
            self.work_part(Part.HOLD, exercise, side, samples(exercise.hold.seconds(breath)), cues=cues)


def _ends_held(exercise: Exercise | None) -> bool:
    """Tell whether an exercise ends still holding, so the next part must release it."""
    return exercise is not None and exercise.hold is not None and not exercise.rests


def _switch_time(exercise: Exercise, pacing: Pacing) -> Duration:
    """Return the time to change side or direction: the exercise's `switch`, else the transition."""
    return exercise.switch if exercise.switch is not None else pacing.transition


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


def plan_if_known(routine: Routine, pacing: Pacing, known: Callable[[str], int | None]) -> Script | None:
    """Plan with the lengths `known` gives, if it knows every line the plan says; else None.

    A plan is a function of the lengths it asks for, and it asks only for lines it may say
    (see `candidate_lines`): when they are all known, this is the plan `plan` makes once
    every candidate's length is known, without laying out every candidate first.
    """
    unknown: list[str] = []

    def length(text: str) -> int:
        found = known(text)
        if found is None:
            unknown.append(text)
            return SAMPLE_RATE  # any length: this plan is thrown away
        return found

    script = plan(routine, pacing, length)
    return None if unknown else script


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
