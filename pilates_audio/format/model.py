"""The routine as the rest of the tool sees it: exercises, their kinds and cues, checked and ready to plan."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from pilates_audio import settings
from pilates_audio.format.tracks import Track
from pilates_audio.format.units import Duration


class Kind(str, Enum):
    """What an exercise asks of the body, which sets how it is narrated."""

    STRETCH = "stretch"  # held softly: no countdown, no halfway
    REST = "rest"  # a rest pose: announced as a rest, as quiet as one
    EFFORT = "effort"  # reps, work, strong holds: counted in, "Halfway.", "Last few."


# Without `kind:`, the name says it (in English): a rest pose whatever its dose, unless it
# has reps; a stretch when it is held (no reps, no work). Anything else is effort.
_REST_NAMES = re.compile(r"\b(?:rest(?:ing)?|relax\w*|savasana|shavasana|corpse pose|child[’']?s? pose)\b", re.I)
_STRETCH_NAMES = re.compile(r"\b(?:stretch\w*|release|roll(?:ing)? down|twist\w*|fold\w*|opener|breathing)\b", re.I)


def default_kind(name: str, reps: bool, work: bool) -> Kind:
    """Return the kind of an exercise that does not say: from its name and what it does."""
    if reps:
        return Kind.EFFORT
    if _REST_NAMES.search(name):
        return Kind.REST
    return Kind.STRETCH if _STRETCH_NAMES.search(name) and not work else Kind.EFFORT


@dataclass(frozen=True)
class TiedCue:
    """A cue said at its moment: at the start of a breath phase (`on`), or as a rep begins (`at`)."""

    text: str
    on: str | None = None  # "inhale" or "exhale"
    at: int | None = None  # the rep, from 1
    reps: tuple[int, ...] = ()  # with `on`: only on these reps (or breaths of a hold)
    every: int = 1  # with `on`: on every Nth rep, from the first

    def due(self, rep: int) -> bool:
        """Tell whether the cue is said on rep (or breath) number `rep`, counting from 1."""
        if self.at is not None:
            return rep == self.at
        return (not self.reps or rep in self.reps) and (rep - 1) % self.every == 0


@dataclass(frozen=True)
class Exercise:
    """One exercise as the routine describes it."""

    name: str
    kind: Kind = Kind.EFFORT  # as written, or as its name and dose suggest
    setup: str | None = None
    cues: tuple[str, ...] = ()  # plain cues, spread over the work
    tied: tuple[TiedCue, ...] = ()  # cues with a moment of their own
    reps: int | None = None
    breaths_per_rep: float = 1.0
    hold_each: Duration | None = None  # seconds still at the top of each rep, after its first inhale
    work: Duration | None = None  # continuous movement for a time, after the reps
    hold: Duration | None = None
    sides: tuple[str, ...] = ()
    alternating: tuple[str, ...] = ()  # sides: alternate: the reps take these sides in turn, in one set
    pulses: int | None = None  # even counts inside every breath phase (the Hundred: 5)
    reverse: bool = False  # the reps again in the other direction, on each side
    switch: Duration | None = None  # time to change side or direction, before any countdown
    pacing: tuple[tuple[str, Any], ...] = ()  # its own tempo and narration (pacing.EXERCISE_KEYS)
    rest: Duration | None = None
    section: str | None = None
    section_number: int = 0  # which section, from 1 (0: the routine has none)
    round: int = 1  # which round of its section, from 1
    rounds: int = 1  # how many times its section plays
    # The top of a range (reps: 6-10); reps, hold and rest above hold its low end.
    reps_max: int | None = None
    hold_each_max: Duration | None = None
    work_max: Duration | None = None
    hold_max: Duration | None = None
    rest_max: Duration | None = None

    @property
    def rests(self) -> bool:
        """Tell whether the exercise ends with a rest (a rest of zero is none)."""
        return self.rest is not None and self.rest.amount > 0

    @property
    def has_range(self) -> bool:
        return any(value is not None
                   for value in (self.reps_max, self.hold_each_max, self.work_max, self.hold_max, self.rest_max))

    @property
    def effort(self) -> bool:
        """Tell whether the exercise is effort: counted into, with "Halfway." and "Last few."."""
        return self.kind is Kind.EFFORT

    @property
    def working(self) -> bool:
        """Tell whether the exercise has timed work to do (reps, work or a hold), not only words."""
        return self.reps is not None or self.work is not None or self.hold is not None

    def choose(self, fill: float) -> "Exercise":
        """Return the exercise with each range set `fill` of the way from its low end to its top."""
        changes: dict = {}
        if self.reps_max is not None and self.reps is not None:
            changes["reps"] = self.reps + int(round(fill * (self.reps_max - self.reps)))
        for key in ("hold_each", "work", "hold", "rest"):
            low, high = getattr(self, key), getattr(self, f"{key}_max")
            if low is not None and high is not None:
                amount = low.amount + fill * (high.amount - low.amount)
                # Whole seconds and whole breaths: values an instructor would say. Half
                # breaths only where the author wrote one (1.5-3 breaths).
                halves = low.in_breaths and not (float(low.amount).is_integer() and float(high.amount).is_integer())
                amount = int(amount * 2 + 0.5) / 2 if halves else float(int(amount + 0.5))
                changes[key] = Duration(min(max(amount, low.amount), high.amount), low.unit)
        return replace(self, **changes)


@dataclass(frozen=True)
class Routine:
    """A whole routine, checked and ready to plan."""

    path: str
    title: str
    exercises: tuple[Exercise, ...]
    description: str | None = None
    instructor: str | None = None
    intro: str | None = None
    collection: str | None = None
    cover: Path | None = None
    music: tuple[Track, ...] = ()  # played in turn under the session, looped
    outro: str | None = None
    pacing: tuple[tuple[str, Any], ...] = ()
    includes: tuple[Path, ...] = ()  # the block files it includes, directly or not

    @property
    def name(self) -> str:
        """Return the base name outputs are named after."""
        return Path(self.path).stem

    @property
    def pacing_layer(self) -> settings.Layer:
        return settings.Layer("routine", dict(self.pacing))

    @property
    def has_range(self) -> bool:
        return any(exercise.has_range for exercise in self.exercises)

    def choose(self, fill: float) -> "Routine":
        """Return the routine with every range set `fill` of the way up (0: low ends)."""
        return replace(self, exercises=tuple(exercise.choose(fill) for exercise in self.exercises))


@dataclass(frozen=True)
class Block:
    """A file holding only a list of exercises, for routines to include."""

    path: str
    exercises: tuple[Exercise, ...]
