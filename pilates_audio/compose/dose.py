"""Choosing each exercise's dose within its ranges: by level first, then step by step to the length asked for."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pilates_audio.compose.forms import Dose, Form
from pilates_audio.compose.model import Level
from pilates_audio.format.units import Duration

# Where in each range a level plays (0: the low end, 1: the top), and the part of the range fitting keeps to
# before it may use the rest: a beginner works in the lower part of each range, an advanced class the upper.
START = {Level.BEGINNER: 0.25, Level.INTERMEDIATE: 0.5, Level.ADVANCED: 0.75}
BAND = {Level.BEGINNER: (0.0, 0.6), Level.INTERMEDIATE: (0.2, 0.8), Level.ADVANCED: (0.4, 1.0)}
ADDED_REST = Dose("rest", tuple(Duration(float(n), "breaths") for n in range(4)))  # a rest fitting may add: 0-3


@dataclass(frozen=True)
class Item:
    """One exercise of a class as fitting sees it: its form, the chosen index into each dose, and its weight."""

    form: Form
    doses: tuple[Dose, ...]  # the form's own, and perhaps a rest fitting may add
    choice: tuple[int, ...]
    favoured: bool = False  # on the focus: lengthened first, shortened last

    def seconds(self, breath: float) -> float:
        return self.form.dose_seconds(self.choice[:len(self.form.doses)], breath) + self._added(breath)

    def _added(self, breath: float) -> float:
        extra = self.doses[len(self.form.doses):]
        return sum(dose.seconds(index, breath) for dose, index in zip(extra, self.choice[len(self.form.doses):]))

    def written(self) -> dict:
        """Return the dose keys as written in the routine (None: leave the key out)."""
        text = self.form.dose_text(self.choice[:len(self.form.doses)])
        for dose, index in zip(self.doses[len(self.form.doses):], self.choice[len(self.form.doses):]):
            value = dose.values[index]
            text[dose.key] = str(value) if value.amount else None
        return text


def start(form: Form, level: Level, favoured: bool = False) -> Item:
    """Return an exercise at the level's place in each of its ranges."""
    choice = tuple(round(START[level] * (len(dose.values) - 1)) for dose in form.doses)
    return Item(form, form.doses, choice, favoured)


def fullest(form: Form, level: Level | None) -> Item:
    """Return an exercise at the top of the level's part of each of its ranges (None: of each whole range)."""
    return Item(form, form.doses, tuple(_bounds(dose, level)[1] for dose in form.doses))


def with_rest(item: Item) -> Item:
    """Return the exercise with a rest after it that fitting may lengthen (only if it has none of its own)."""
    if "rest" in dict(item.form.keys) or len(item.doses) > len(item.form.doses):
        return item
    return replace(item, doses=item.doses + (ADDED_REST,), choice=item.choice + (0,))


def _bounds(dose: Dose, level: Level | None) -> tuple[int, int]:
    top = len(dose.values) - 1
    if level is None or dose is ADDED_REST:
        return 0, top
    low, high = BAND[level]
    return min(round(low * top), top), max(round(high * top), 0)


def _fill(item: Item, number: int) -> float:
    top = len(item.doses[number].values) - 1
    return item.choice[number] / top if top else 1.0


def fit(items: list[Item], goal: float, breath: float, level: Level | None) -> list[Item]:
    """Move the doses one step at a time until their seconds are as near `goal` as the steps allow.

    The focus is lengthened first and shortened last; among the rest, each step is taken where the range
    is least used (lengthening) or most used (shortening). With `level`, only within the level's part of
    each range.
    """
    items = list(items)
    total = sum(item.seconds(breath) for item in items)
    while True:
        gap = goal - total
        best = None
        for place, item in enumerate(items):
            for number, dose in enumerate(item.doses):
                low, high = _bounds(dose, level)
                index = item.choice[number] + (1 if gap > 0 else -1)
                if not low <= index <= high:
                    continue
                moved = replace(item, choice=item.choice[:number] + (index,) + item.choice[number + 1:])
                change = moved.seconds(breath) - item.seconds(breath)
                if abs(gap - change) >= abs(gap):
                    continue
                fill = _fill(item, number)
                rank = (item.favoured == (gap < 0), fill if gap > 0 else -fill, place)
                if best is None or rank < best[0]:
                    best = (rank, place, moved, change)
        if best is None:
            return items
        _, place, moved, change = best
        items[place] = moved
        total += change
