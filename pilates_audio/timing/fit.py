"""Fit a session to a target length: choose within its ranges, then scale the breath."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pilates_audio.errors import InputError
from pilates_audio.format import Routine, format_clock
from pilates_audio.settings import Pacing
from pilates_audio.timing.script import SAMPLE_RATE, LengthOf
from pilates_audio.timing.walk import minimum_seconds, plan

STEPS = 40  # halvings: far finer than a millisecond of breath
BREATH_FLAGS = ("inhale", "exhale")  # given as flags, --length keeps them as they are


@dataclass(frozen=True)
class Target:
    """A length asked for with --length, and whether the breath must stay as the user gave it."""

    seconds: float
    keep_breath: bool = False


def as_target(value: "Target | float | None") -> "Target | None":
    """Return a target length, taking plain seconds as one that may scale the breath."""
    return value if value is None or isinstance(value, Target) else Target(float(value))


@dataclass(frozen=True)
class Fit:
    """What fitting chose: the routine with its ranges set, the pacing, and the result."""

    routine: Routine
    pacing: Pacing
    fill: float
    seconds: float
    target: float

    def describe(self, original: Routine) -> list[str]:
        """Say what was chosen, one line each, for a person."""
        lines = [
            f"fitted to {format_clock(self.target)}: {format_clock(self.seconds)} "
            f"({self.seconds:.1f}s) with inhale {self.pacing.inhale:g}s, exhale {self.pacing.exhale:g}s"
        ]
        for before, after in zip(original.exercises, self.routine.exercises):
            chosen = [f"{key} {getattr(after, key)}" if key != "rest" or after.rests else "no rest"
                      for key in ("reps", "hold_each", "work", "hold", "rest") if getattr(before, f"{key}_max") is not None]
            if chosen:
                lines.append(f"  {after.name}: {', '.join(chosen)}")
        return lines


def tolerance(target: float) -> float:
    """Return how close a fitted session must land: 5 s or 1 %, whichever is more."""
    return max(5.0, 0.01 * target)


def scaled(pacing: Pacing, scale: float) -> Pacing:
    """Return the pacing with both breath phases scaled, to the hundredth of a second."""
    if scale == 1.0:
        return pacing
    return replace(pacing, inhale=round(pacing.inhale * scale, 2), exhale=round(pacing.exhale * scale, 2),
                   tempo=pacing.tempo * scale)


def scale_bounds(pacing: Pacing) -> tuple[float, float]:
    """Return how far the breath may be scaled while each phase stays within its bounds."""
    low = max(pacing.min_phase / pacing.inhale, pacing.min_phase / pacing.exhale)
    high = min(pacing.max_phase / pacing.inhale, pacing.max_phase / pacing.exhale)
    if low > high:
        # No one scale puts both phases within bounds (say a 2 s inhale and an 8 s exhale
        # with bounds of 2.5 s to 5 s): keep the breath as it is and use only the ranges.
        return 1.0, 1.0
    return low, high


def _total(routine: Routine, pacing: Pacing, fill: float, scale: float, length_of: LengthOf, cap: float) -> float:
    """Return the session's length with its ranges `fill` of the way up and the breath scaled by `scale`."""
    chosen, paced = routine.choose(fill), scaled(pacing, scale)
    # Far over the cap, the quick bound says as much as a laid-out script would (and a range
    # up to a million reps is never laid out).
    shortest = minimum_seconds(chosen, paced)
    if shortest > cap:
        return shortest
    return plan(chosen, paced, length_of).duration / SAMPLE_RATE


def reach(routine: Routine, pacing: Pacing, length_of: LengthOf, keep_breath: bool = False,
          cap: float = float("inf")) -> tuple[float, float]:
    """Return the shortest and longest the routine lasts with its ranges and the breath within its bounds.

    Past `cap` either may be a lower bound only: the routine lasts at least that long.
    """
    low, high = (1.0, 1.0) if keep_breath else scale_bounds(pacing)
    shortest = _total(routine, pacing, 0.0, low, length_of, cap)
    # Past the cap the longest may be only the quick bound, below a shortest that was laid out in full.
    return shortest, max(shortest, _total(routine, pacing, 1.0, high, length_of, cap))


def fit(routine: Routine, pacing: Pacing, goal: Target | float, length_of: LengthOf, fill: float | None = None) -> Fit:
    """Choose values inside the ranges and a breath length so the session lasts the target.

    With `fill` given, keep the ranges where they are and only scale the breath. A
    breath the user gave as a flag is never scaled. A session that cannot land within
    the tolerance is refused, saying the nearest it can make.
    """
    goal = as_target(goal)
    target = goal.seconds
    refit = fill is not None
    low_scale, high_scale = (1.0, 1.0) if goal.keep_breath else scale_bounds(pacing)
    breath = ("the breath you gave (--inhale and --exhale are kept as they are)" if goal.keep_breath else
              f"a breath of {pacing.min_phase:g}s to {pacing.max_phase:g}s per inhale or exhale")
    pace = min(max(1.0, low_scale), high_scale)  # the user's own breath, if within bounds
    slack = tolerance(target)
    cap = 2 * target + 600  # past this, no script is laid out: the quick bound says enough

    def total(f: float, scale: float) -> float:
        return _total(routine, pacing, f, scale, length_of, cap)

    if fill is None:
        shortest, longest = reach(routine, pacing, length_of, goal.keep_breath, cap)
        if not shortest - slack <= target <= longest + slack:
            # Past the cap the ends are lower bounds: only the shortest is sure, and it is what the target misses.
            lasts = f"at least {format_clock(shortest)}" if longest > cap else \
                f"from {format_clock(shortest)} to {format_clock(longest)}"
            raise InputError(f"--length {format_clock(target)} is out of reach: this routine lasts {lasts} with its "
                             f"ranges and {breath}")
        # Keep the user's own breath where the ranges can do the work; the breath does the rest.
        if total(0.0, pace) >= target:
            fill = 0.0
        elif total(1.0, pace) <= target:
            fill = 1.0
        else:
            low, high = 0.0, 1.0
            for _ in range(STEPS):
                middle = (low + high) / 2
                low, high = (middle, high) if total(middle, pace) <= target else (low, middle)
            fill = min((low, high), key=lambda f: abs(total(f, pace) - target))
    if abs(total(fill, pace) - target) <= slack:
        scale = pace
    else:
        low, high = low_scale, high_scale
        for _ in range(STEPS):
            middle = (low + high) / 2
            low, high = (middle, high) if total(fill, middle) <= target else (low, middle)
        scale = low if abs(total(fill, low) - target) <= abs(total(fill, high) - target) else high
    landed = total(fill, scale)
    if abs(landed - target) > slack and not refit:
        # Within the shortest and longest, but its ranges move in steps the breath cannot bridge.
        # (On the spoken lengths, after synthesis, what it lands on is said instead.)
        raise InputError(
            f"--length {format_clock(target)} is out of reach within {slack:g} s: with its ranges and {breath}, "
            f"the nearest this routine makes is {format_clock(landed)}; choose that, or "
            + ("leave the breath to --length" if goal.keep_breath else "widen --min-phase and --max-phase"))
    return Fit(routine.choose(fill), scaled(pacing, scale), fill, landed, target)
