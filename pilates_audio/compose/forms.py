"""An exercise as a class does it: one of its ways (model.Way), the values its dose ranges may take, their cost."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pilates_audio.compose.model import Focus, Move, Position, Shape, Way
from pilates_audio.format.model import Kind, default_kind
from pilates_audio.format.units import Duration, parse_duration, parse_range

DOSE_KEYS = ("reps", "hold_each", "work", "hold", "rest")  # the keys whose ranges the composer chooses within
SECONDS_STEP = 5  # a range in seconds is played on multiples of 5 s (and its ends): 20s, 25s, 30s
SPEECH_CHARS_PER_WORD = 5.5  # letters and spaces of a spoken word, to guess a setup's length before planning


@dataclass(frozen=True)
class Dose:
    """A key with a range: the values the composer may write for it, shortest first."""

    key: str
    values: tuple[Any, ...]  # int reps, or Duration

    def seconds(self, index: int, breath: float) -> float:
        value = self.values[index]
        return float(value) if self.key == "reps" else value.seconds(breath)


@dataclass(frozen=True)
class Form:
    """One exercise in a class: the move, the way of it the class does, and that way's doses read for choosing."""

    move: Move
    way: Way
    doses: tuple[Dose, ...]
    kind: Kind
    fixed: tuple[tuple[str, Any], ...] = ()  # the dose keys written as one value: reps as int, else Duration
    sets: int = 1  # how many times its reps, work and hold are done: once per side
    directions: int = 1  # how many times its reps are done on each side: twice with reverse
    breaths_per_rep: float = 1.0

    @property
    def keys(self) -> tuple[tuple[str, Any], ...]:
        return self.way.keys

    @property
    def id(self) -> str:
        return self.move.id

    @property
    def name(self) -> str:
        return str(self.way.name)

    @property
    def position(self) -> Position:
        return self.move.position

    @property
    def focus(self) -> tuple[Focus, ...]:
        return self.move.focus

    @property
    def shape(self) -> Shape:
        return self.move.shape

    @property
    def counters_flexion(self) -> bool:
        return Shape.FLEXION in self.move.counters and self.move.shape is not Shape.FLEXION

    def dose_seconds(self, choice: tuple[int, ...], breath: float) -> float:
        """Return the seconds its dose lasts (reps, work, hold on each side, and its rest) for indices into doses."""
        chosen = {key: float(value) if key == "reps" else value.seconds(breath) for key, value in self.fixed}
        for dose, index in zip(self.doses, choice):
            chosen[dose.key] = dose.seconds(index, breath)
        reps = chosen.get("reps", 0.0) * (self.breaths_per_rep * breath + chosen.get("hold_each", 0.0))
        return (self.sets * (reps * self.directions + chosen.get("work", 0.0) + chosen.get("hold", 0.0))
                + chosen.get("rest", 0.0))

    def guess_overhead(self, breath: float, transition: float, rate: int) -> float:
        """Return a first guess of its time besides the dose (its name, setup, getting into place), before planning."""
        keys = dict(self.keys)
        setup = keys.get("setup") or ""
        text = setup if isinstance(setup, str) else str(next(iter(setup.values()), ""))
        words = (len(text) + len(self.name)) / SPEECH_CHARS_PER_WORD
        switches = (self.sets - 1) * (transition + 2.0)
        return words * 60 / rate + breath + transition + switches + 2.0

    def dose_text(self, choice: tuple[int, ...]) -> dict[str, Any]:
        """Return the dose keys as they are written in the routine, one value each."""
        written: dict[str, Any] = {}
        for dose, index in zip(self.doses, choice):
            value = dose.values[index]
            if dose.key == "rest" and value.amount == 0:
                written[dose.key] = None  # no rest: the key is left out
            else:
                written[dose.key] = value if dose.key == "reps" else str(value)
        return written


def _fixed(keys: dict[str, Any], ranged: tuple[Dose, ...]) -> tuple[tuple[str, Any], ...]:
    """Return the dose keys written as one value, read: reps as a number, the rest as durations."""
    skip = {dose.key for dose in ranged}
    return tuple((key, keys[key] if key == "reps" else parse_duration(keys[key], zero_allowed=key == "rest"))
                 for key in DOSE_KEYS if key in keys and key not in skip)


def _steps(low: Duration, high: Duration) -> tuple[Duration, ...]:
    """Return the values to choose from within a range: whole breaths (halves if written), or seconds by 5."""
    if low.in_breaths:
        halves = not (float(low.amount).is_integer() and float(high.amount).is_integer())
        step = 0.5 if halves else 1.0
        count = int(math.floor((high.amount - low.amount) / step + 1e-9))
        values = [low.amount + step * n for n in range(count + 1)]
    else:
        first = math.ceil(low.amount / SECONDS_STEP) * SECONDS_STEP
        values = [low.amount, *range(int(first), int(high.amount) + 1, SECONDS_STEP)]
    values.append(high.amount)
    return tuple(Duration(float(amount), low.unit) for amount in sorted(set(values)))


def doses(keys: dict[str, Any]) -> tuple[Dose, ...]:
    """Return the keys written as ranges, with the values each may take."""
    found = []
    for key in DOSE_KEYS:
        value = keys.get(key)
        if key == "reps" and isinstance(value, str) and "-" in value:
            low, high = (int(part) for part in value.split("-"))
            found.append(Dose(key, tuple(range(low, high + 1))))
        elif key != "reps" and value is not None:
            span = parse_range(value, zero_allowed=key == "rest")
            if span is not None:
                found.append(Dose(key, _steps(*span)))
    return tuple(found)


def form(move: Move, way: Way | None = None) -> Form:
    """Return a move done one way (as written if None), with its doses read."""
    way = way or move.written()
    keys = way.routine_keys
    kind = Kind(keys["kind"]) if "kind" in keys else default_kind(keys["name"], "reps" in keys, "work" in keys)
    ranged = doses(keys)
    return Form(move=move, way=way, doses=ranged, kind=kind, fixed=_fixed(keys, ranged),
                sets=2 if keys.get("sides") not in (None, "alternate") else 1,
                directions=2 if keys.get("reverse") is True else 1,
                breaths_per_rep=float(keys.get("breaths_per_rep", 1)))
