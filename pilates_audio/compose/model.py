"""The exercise library as the composer sees it: what each exercise is, where it belongs and whom it does not suit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pilates_audio.format.keys import EXERCISE_KEYS


class Level(str, Enum):
    """How hard an exercise is; the levels are in order, easiest first."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Position(str, Enum):
    """Where the body is; a class moves through them in this order (the cool-down may come back)."""

    STANDING = "standing"
    SUPINE = "supine"
    SIDE_LYING = "side-lying"
    PRONE = "prone"
    KNEELING = "kneeling"
    FOUR_POINT = "four-point"
    SEATED = "seated"


class Focus(str, Enum):
    """An area of the body, or a quality, that an exercise works."""

    CORE = "core"
    UPPER_BACK = "upper-back"
    SHOULDERS = "shoulders"
    SPINE_MOBILITY = "spine-mobility"
    HIPS_AND_GLUTES = "hips-and-glutes"
    LEGS = "legs"
    BALANCE = "balance"
    BREATHING = "breathing"
    WHOLE_BODY = "whole-body"


class Role(str, Enum):
    """Where in a class an exercise belongs."""

    CENTRING = "centring"
    WARM_UP = "warm-up"
    MAIN = "main"
    COUNTER_POSE = "counter-pose"
    COOL_DOWN = "cool-down"


# The sections of a class, in order: every role but counter-pose, which is a main exercise.
SECTIONS = (Role.CENTRING, Role.WARM_UP, Role.MAIN, Role.COOL_DOWN)


class Prop(str, Enum):
    """What an exercise needs besides a mat."""

    BAND = "band"
    BALL = "ball"
    RING = "ring"
    WALL = "wall"
    CHAIR = "chair"


class Caution(str, Enum):
    """A reason someone may need to leave an exercise out."""

    LOADED_SPINAL_FLEXION = "loaded-spinal-flexion"
    SPINAL_EXTENSION = "spinal-extension"
    ROTATION = "rotation"
    LYING_ON_THE_BACK = "lying-on-the-back"
    LYING_ON_THE_FRONT = "lying-on-the-front"
    WEIGHT_ON_WRISTS = "weight-on-wrists"
    WEIGHT_ON_KNEES = "weight-on-knees"
    INVERSION = "inversion"
    NECK_STRAIN = "neck-strain"
    BALANCE = "balance"


class Shape(str, Enum):
    """What the spine mostly does in an exercise."""

    NEUTRAL = "neutral"
    FLEXION = "flexion"
    EXTENSION = "extension"
    ROTATION = "rotation"
    SIDE_BEND = "side-bend"


# A condition stands for the cautions it rules out. Conservative on purpose: pregnancy leaves out every
# exercise on the back or front, not only the long ones, and osteoporosis every rotation, loaded or not.
CONDITIONS: dict[str, tuple[Caution, ...]] = {
    "osteoporosis": (Caution.LOADED_SPINAL_FLEXION, Caution.ROTATION),
    "pregnancy": (Caution.LYING_ON_THE_FRONT, Caution.LYING_ON_THE_BACK, Caution.INVERSION, Caution.ROTATION),
    "wrists": (Caution.WEIGHT_ON_WRISTS,),
    "knees": (Caution.WEIGHT_ON_KNEES,),
    "neck": (Caution.NECK_STRAIN,),
    "low-back": (Caution.LOADED_SPINAL_FLEXION, Caution.SPINAL_EXTENSION),
}

# The keys of an exercise file that say how to do it, as a routine writes them; the rest describe it.
ROUTINE_KEYS = EXERCISE_KEYS


class Variant(str, Enum):
    """Which way of doing an exercise: easier than written, as written, or harder; in this order."""

    EASIER = "easier"
    STANDARD = "standard"
    HARDER = "harder"


@dataclass(frozen=True)
class Variation:
    """An easier or harder way to do an exercise: its level, the routine keys it changes, and what it needs."""

    level: Level
    keys: tuple[tuple[str, Any], ...]  # routine keys (ROUTINE_KEYS) that replace the exercise's own
    cautions: tuple[Caution, ...]
    props: tuple[Prop, ...]


@dataclass(frozen=True)
class Way:
    """One way to do an exercise, ready for a routine: the exercise as written, or a variation merged over it."""

    variant: Variant
    level: Level
    keys: tuple[tuple[str, Any], ...]  # every routine key of this way: the variation's over the exercise's
    cautions: tuple[Caution, ...]
    props: tuple[Prop, ...]

    @property
    def routine_keys(self) -> dict[str, Any]:
        return dict(self.keys)

    @property
    def name(self) -> str:
        return self.routine_keys["name"]

    def fits(self, level: Level, avoid: frozenset[Caution] = frozenset(), props: frozenset[Prop] | None = None
             ) -> bool:
        """Tell whether this way is at most `level`, has none of the cautions in `avoid` and needs only `props`.

        With `props` None, what it needs is not asked.
        """
        return (self.level.rank <= level.rank and not avoid.intersection(self.cautions)
                and (props is None or props.issuperset(self.props)))


@dataclass(frozen=True)
class Move:
    """One exercise of the library: the routine keys that do it, and what the composer knows about it."""

    id: str  # the file's name without .yaml
    name: str
    level: Level
    position: Position
    focus: tuple[Focus, ...]  # the first is the main one
    roles: tuple[Role, ...]
    shape: Shape
    keys: tuple[tuple[str, Any], ...]  # the routine keys (ROUTINE_KEYS) as written; a range is the dose range
    also: tuple[str, ...] = ()
    props: tuple[Prop, ...] = ()
    cautions: tuple[Caution, ...] = ()
    counters: tuple[Shape, ...] = ()
    easier: Variation | None = None
    harder: Variation | None = None
    path: Path | None = None

    @property
    def routine_keys(self) -> dict[str, Any]:
        return dict(self.keys)

    def names(self) -> tuple[str, ...]:
        """Return every name it is known by: its name, its other names and its id."""
        return (self.name, *self.also, self.id)

    def written(self) -> Way:
        """Return the way to do it as written."""
        return Way(Variant.STANDARD, self.level, self.keys, self.cautions, self.props)

    def ways(self) -> tuple[Way, ...]:
        """Return the ways to do it, easiest first: the easier variation, the exercise as written, the harder."""
        merged = [(variant, variation) for variant, variation in ((Variant.EASIER, self.easier),
                                                                  (Variant.HARDER, self.harder)) if variation]
        ways = {variant: Way(variant, variation.level, tuple({**dict(self.keys), **dict(variation.keys)}.items()),
                             variation.cautions, variation.props) for variant, variation in merged}
        return tuple(way for way in (ways.get(Variant.EASIER), self.written(), ways.get(Variant.HARDER))
                     if way is not None)

    def at(self, level: Level, avoid: frozenset[Caution] = frozenset(), props: frozenset[Prop] | None = None
           ) -> Way | None:
        """Return the way to do it in a class of `level` without the cautions in `avoid`, needing only `props`.

        That is the hardest way that fits (see Way.fits), None if none does. A harder way of the exercise's own
        level comes before the exercise as written, and that before an easier way of its level: the harder way is
        written to be harder, whatever its level says.
        """
        preference = (Variant.HARDER, Variant.STANDARD, Variant.EASIER)
        fitting = [way for way in self.ways() if way.fits(level, avoid, props)]
        return max(fitting, key=lambda way: (way.level.rank, -preference.index(way.variant)), default=None)
