"""Drawing a class's exercises from the library: by role and position, weighted to the focus, then balanced."""

from __future__ import annotations

import datetime
import random
import zlib
from dataclasses import dataclass

from pilates_audio.compose.forms import Form
from pilates_audio.compose.model import SECTIONS, Focus, Role
from pilates_audio.compose.order import FLOW, Layout, at_stop, arrange, is_flexion, stops, weighted_order
from pilates_audio.format.model import Kind

# Each day favours one of three parts of the library and leaves out the part the day before favoured, so that two
# days in a row share little even where a class takes much of what suits it: an exercise of the day's part is
# DAY_WEIGHT times likelier than one of the next day's part.
PARTS = 3
DAY_WEIGHT = 10.0
# Draws go from strict to loose: at first a run takes at most a third of its position's main exercises, an
# exercise on the focus is 4 times likelier than one off it and the day before's part is left out, so that days
# differ; if no such draw keeps the rules, runs take more, the focus weighs more and the day before's part comes
# back. (share of a position, weight of the focus, weight of the day before's part) for each stage:
STAGES = ((0.35, 4.0, 0.0), (0.5, 8.0, 0.0), (0.8, 20.0, 1.0))


def parts(pools: dict[Role, list[Form]], focus: tuple[Focus, ...]) -> dict[str, int]:
    """Return which part of the library each exercise is in.

    Each position's exercises of each role are dealt out in turn, those on the focus first, in an order of
    their ids that is the same on every machine and every run: each part has its share of every kind.
    """
    found: dict[str, int] = {}
    for role in (Role.MAIN, Role.WARM_UP, Role.COOL_DOWN, Role.CENTRING):
        for stop in range(len(FLOW)):
            dealt = sorted(at_stop(pools, role, stop), key=lambda form: (not on_focus(form, focus),
                                                                       zlib.crc32(form.id.encode("utf-8"))))
            for number, form in enumerate(form for form in dealt if form.id not in found):
                found[form.id] = number % PARTS
    return found


def day_part(seed: int) -> int:
    """Return the part of the library a seed favours: by the day it names (YYYYMMDD), else by the number."""
    try:
        number = datetime.date(seed // 10000, seed // 100 % 100, seed % 100).toordinal()
    except ValueError:
        number = seed
    return number % PARTS
FOCUS_SHARE = 0.6  # of the main set's time, at least, on the focus
AREA_SHARE = 0.4  # of the main set's time, at most, on one area not chosen (see `area`)
MARGIN = 0.04  # kept from both limits when drawing, for fitting the length to move within
SWAPS = 40  # exchanges tried to balance the main set
SEARCH_LIMIT = 120  # runs tried in one draw before giving up on it


@dataclass(frozen=True)
class Counts:
    """How many exercises each part of a class has (the cool-down's without its closing relaxation)."""

    centring: int
    warm_up: int
    main: int
    cool_down: int


@dataclass(frozen=True)
class Draft:
    """A class's exercises in order, section by section, before their doses are chosen."""

    centring: tuple[Form, ...]
    warm_up: tuple[Form, ...]
    main: tuple[Form, ...]
    cool_down: tuple[Form, ...]  # its closing relaxation last

    @property
    def forms(self) -> tuple[Form, ...]:
        return self.centring + self.warm_up + self.main + self.cool_down

    @property
    def sections(self) -> tuple[tuple[Role, tuple[Form, ...]], ...]:
        """Return each section's role (SECTIONS) with its exercises, in order."""
        return tuple(zip(SECTIONS, (self.centring, self.warm_up, self.main, self.cool_down)))


def on_focus(form: Form, focus: tuple[Focus, ...]) -> bool:
    """Tell whether an exercise works a chosen area: any of its areas counts."""
    return any(area in focus for area in form.focus)


def area(form: Form, focus: tuple[Focus, ...]) -> Focus:
    """Return the area an exercise's time counts for: its first area on the focus, else its main area."""
    return next((found for found in form.focus if found in focus), form.focus[0])


def shortfall(main: list[Form], seconds: dict[str, float], focus: tuple[Focus, ...], margin: float = 0.0) -> float:
    """Return how far the main set is from its focus and balance rules, 0 when it keeps them (with `margin`)."""
    total = sum(seconds[form.id] for form in main) or 1.0
    missing = 0.0
    if focus:
        share = sum(seconds[form.id] for form in main if on_focus(form, focus)) / total
        missing += max(0.0, FOCUS_SHARE + margin - share)
    areas: dict[Focus, float] = {}
    for form in main:
        areas[area(form, focus)] = areas.get(area(form, focus), 0.0) + seconds[form.id] / total
    return missing + sum(max(0.0, share - AREA_SHARE + margin) for area, share in areas.items() if area not in focus)


class Drawing:
    """One draw of a class from the pools of forms, by a seeded random generator."""

    def __init__(self, pools: dict[Role, list[Form]], focus: tuple[Focus, ...], rng: random.Random,
                 stage: tuple[float, float, float] = STAGES[0], day: int | None = None):
        self.pools = pools
        self.day = day
        self.parts = parts(pools, focus) if day is not None else {}
        self.variety, self.focus_weight, self.before_weight = stage
        self.focus = focus
        self.rng = rng
        self.used: set[str] = set()
        self.placed = {(role, stop): at_stop(pools, role, stop) for role in Role for stop in range(len(FLOW))}

    def weight(self, form: Form, role: Role) -> float:
        weight = self.focus_weight if role is Role.MAIN and self.focus and on_focus(form, self.focus) else 1.0
        if self.day is None:
            return weight
        part = self.parts.get(form.id)
        return weight * (DAY_WEIGHT if part == self.day else self.before_weight if part == (self.day - 1) % PARTS
                         else 1.0)

    def open(self, forms: list[Form], role: Role) -> list[Form]:
        """Return the forms not yet used and not left out (of weight zero), in their order."""
        return [form for form in forms if form.id not in self.used and self.weight(form, role) > 0]

    def take(self, role: Role, stop: int | None, count: int, exclude: tuple[Form, ...] = ()) -> list[Form]:
        """Draw `count` unused forms of a role (at a stop of the flow), or fewer if there are not so many."""
        candidates = [form for form in self.open(self.pools[role] if stop is None else self.placed[(role, stop)], role)
                      if form not in exclude]
        chosen = weighted_order(candidates, [self.weight(form, role) for form in candidates], self.rng)[:count]
        self.used.update(form.id for form in chosen)
        return chosen

    def draft(self, counts: Counts) -> Draft | None:
        """Draw a class of these counts, or None if this draw finds no order that keeps the rules."""
        slots = [Role.CENTRING] * counts.centring + [Role.WARM_UP] * counts.warm_up + [Role.MAIN] * counts.main
        liked = {stop: 1.0 + sum(max(0.0, self.weight(form, Role.MAIN) - 1.0)
                                 for form in self.placed[(Role.MAIN, stop)])
                 for stop in range(len(FLOW))} if self.focus else None
        self.layout, self.slots, self.tries = Layout(slots, self.pools, self.rng, liked, self.variety), slots, 0
        runs = self.runs(0, -1, False)
        if runs is None:
            return None
        centring = tuple(form for run in runs for form, role in run if role is Role.CENTRING)
        warm_up = tuple(form for run in runs for form, role in run if role is Role.WARM_UP)
        main = tuple(form for run in runs for form, role in run if role is Role.MAIN)
        return Draft(centring, warm_up, main, tuple(self.cool_down(counts.cool_down)))

    def runs(self, start: int, last: int, counter_first: bool) -> list[list[tuple[Form, Role]]] | None:
        """Fill the slots from `start` in runs of one position each, after stop `last`; None if none fits.

        With `counter_first`, the run before ended on flexions: this run's first exercise must counter them.
        """
        if start == len(self.slots):
            return None if counter_first else []
        for stop, length in self.layout.options(start, last):
            self.tries += 1
            if self.tries > SEARCH_LIMIT:
                return None
            before = set(self.used)
            filled = self.run(stop, self.slots[start:start + length], counter_first)
            if filled is not None:
                rest = self.runs(start + length, stop, filled[1])
                if rest is not None:
                    return [filled[0], *rest]
            self.used = before
        return None

    def run(self, stop: int, roles: list[Role], counter_first: bool) -> tuple[list[tuple[Form, Role]], bool] | None:
        """Draw one run's exercises, in order; return them and whether it ends on flexions left to counter."""
        filled: list[tuple[Form, Role]] = []
        for role in (Role.CENTRING, Role.WARM_UP):
            drawn = self.take(role, stop, roles.count(role))
            if len(drawn) != roles.count(role):
                return None
            filled += [(form, role) for form in drawn]
        count = roles.count(Role.MAIN)
        if not count:
            return (filled, False) if not counter_first else None
        forced = None
        if counter_first:
            counters = [form for form in self.open(self.placed[(Role.MAIN, stop)], Role.MAIN) if form.counters_flexion]
            if not counters:
                return None
            forced = weighted_order(counters, [self.weight(form, Role.MAIN) for form in counters], self.rng)[0]
            self.used.add(forced.id)
        ordered = self.main_run(stop, count - (1 if forced else 0), forced)
        if ordered is None:
            return None
        return filled + [(form, Role.MAIN) for form in ordered[0]], ordered[1]

    def main_run(self, stop: int, count: int, forced: Form | None) -> tuple[list[Form], bool] | None:
        """Draw and order the main exercises of one run after `forced`; return them and whether they trail flexions."""
        drawn = self.take(Role.MAIN, stop, count)
        if len(drawn) != count:
            return None
        while True:
            ordered = arrange(drawn, forced, True)
            if ordered is not None:
                return ordered
            flexions = [form for form in drawn if is_flexion(form)]
            spare = [form for form in self.open(self.placed[(Role.MAIN, stop)], Role.MAIN) if not is_flexion(form)]
            if not flexions or not spare:
                return None
            drawn.remove(flexions[-1])
            replacement = weighted_order(spare, [self.weight(form, Role.MAIN) for form in spare], self.rng)[0]
            self.used.add(replacement.id)
            drawn.append(replacement)

    def cool_down(self, count: int) -> list[Form]:
        """Draw the cool-down's stretches in the order of the flow, then its closing relaxation."""
        stretches = [form for form in self.open(self.pools[Role.COOL_DOWN], Role.COOL_DOWN)
                     if form.kind is not Kind.REST]
        picked = weighted_order(stretches, [self.weight(form, Role.COOL_DOWN) for form in stretches], self.rng)[:count]
        self.used.update(form.id for form in picked)
        picked.sort(key=lambda form: stops(form.position)[0])
        closing = [form for form in self.pools[Role.COOL_DOWN] if form.kind is Kind.REST and form.id not in self.used]
        # The relaxation closes every class: one the day before favoured may close this one too.
        weights = [self.weight(form, Role.COOL_DOWN) or 1.0 for form in closing]
        return picked + weighted_order(closing, weights, self.rng)[:1]


def balance(draft: Draft, pools: dict[Role, list[Form]], seconds: dict[str, float], focus: tuple[Focus, ...]
            ) -> Draft:
    """Exchange main exercises for others of the same place and shape until the focus and balance rules hold."""
    main = list(draft.main)
    used = {form.id for form in draft.forms}
    for _ in range(SWAPS):
        now = shortfall(main, seconds, focus, MARGIN)
        if now == 0:
            break
        best = None
        for place, form in enumerate(main):
            for other in pools[Role.MAIN]:
                if other.id in used or not _alike(form, other):
                    continue
                trial = main[:place] + [other] + main[place + 1:]
                after = shortfall(trial, seconds, focus, MARGIN)
                if after < now and (best is None or after < best[0]):
                    best = (after, place, other)
        if best is None:
            break
        _, place, other = best
        used.discard(main[place].id)
        used.add(other.id)
        main[place] = other
    return Draft(draft.centring, draft.warm_up, tuple(main), draft.cool_down)


def _alike(form: Form, other: Form) -> bool:
    """Tell whether one main exercise can take another's place without breaking the order's rules."""
    return (stops(form.position) == stops(other.position) and is_flexion(form) == is_flexion(other)
            and form.counters_flexion == other.counters_flexion)

