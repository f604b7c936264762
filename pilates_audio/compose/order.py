"""Putting exercises in order: through the positions in their flow, changing seldom, each flexion countered."""

from __future__ import annotations

import random

from pilates_audio.compose.forms import Form
from pilates_audio.compose.model import Position, Role, Shape

# Kneeling and hands and knees are one stop of the flow: going from one to the other is not a change of position.
ONE_STOP = (Position.KNEELING, Position.FOUR_POINT)
# The stops a class moves through: the positions in their order (Position), and standing again, which may open
# a class and close it.
FLOW: tuple[tuple[Position, ...], ...] = (
    *(ONE_STOP if position is ONE_STOP[0] else (position,) for position in Position if position not in ONE_STOP[1:]),
    (Position.STANDING,))
RUN = 3  # a position taken between two changes holds at least this many exercises: one change in any four
SPREAD = 1.25  # how far above the main set's share of the whole pool a run's share may go
MAX_FLEXIONS = 2  # flexions in a row before the exercise that counters them


STOPS = {position: tuple(index for index, group in enumerate(FLOW) if position in group) for position in Position}


def stops(position: Position) -> tuple[int, ...]:
    """Return the places in FLOW where a position may come."""
    return STOPS[position]


def weighted_order(items: list, weights: list[float], rng: random.Random) -> list:
    """Return the items in a random order where heavier ones tend to come first (sampling without replacement)."""
    keys = [rng.random() ** (1.0 / weight) for weight in weights]
    return [items[index] for index in sorted(range(len(items)), key=lambda index: -keys[index])]


class Layout:
    """Choose which stop of the flow each run of exercises takes, so the roles of the slots can be filled."""

    def __init__(self, slots: list[Role], pools: dict[Role, list[Form]], rng: random.Random,
                 liked: dict[int, float] | None = None, variety: float = 1.0):
        self.slots = slots
        self.rng = rng
        self.liked = liked or {}  # a weight for each stop: those with more exercises on the focus come up sooner
        self.available = {(stop, role): _usable(at_stop(pools, role, stop), role)
                          for stop in range(len(FLOW)) for role in Role}
        # Without a focus, no one position holds most of the main set (its areas stay balanced); with one, the
        # positions with most exercises on the focus may.
        self.longest = slots.count(Role.MAIN) if liked else max(RUN, -(-slots.count(Role.MAIN) // 2))
        # A run takes at most `variety` of its position's main exercises, so that two days at one position
        # differ; a longer class, needing more of them, takes more.
        placed = {stop: len(at_stop(pools, Role.MAIN, stop)) for stop in range(len(FLOW))}
        share = min(1.0, max(variety, SPREAD * slots.count(Role.MAIN) / max(len(pools[Role.MAIN]), 1)))
        self.most = {stop: max(1, int(share * placed[stop])) for stop in range(len(FLOW))}
        # How many slots of each role come before each slot, to count a run's needs at once.
        self.before = {role: [0] for role in Role}
        for slot in slots:
            for role in Role:
                self.before[role].append(self.before[role][-1] + (slot is role))

    def options(self, start: int, last: int) -> list[tuple[int, int]]:
        """Return, in a random order, the (stop, length) a run may take from slot `start`, after stop `last`.

        A run after the first holds at least RUN slots unless it ends the list, and no run more than
        half the main set, so that the main set moves through several positions.
        """
        total = len(self.slots)
        found = []
        for stop in range(last + 1, len(FLOW)):
            for length in range(1, total - start + 1):
                main = self.before[Role.MAIN][start + length] - self.before[Role.MAIN][start]
                if main > min(self.longest, self.most[stop]):
                    break
                if ((last < 0 or length >= RUN or start + length == total) and self._fits(stop, start, length)
                        and self._room_after(stop, start + length)):
                    found.append((stop, length))
        return weighted_order(found, [self.liked.get(stop, 1.0) for stop, _ in found], self.rng)

    def _room_after(self, stop: int, start: int) -> bool:
        """Tell whether the stops after `stop` have exercises enough, all told, for the slots from `start`."""
        total = len(self.slots)
        return all(sum(self.available[(later, role)] for later in range(stop + 1, len(FLOW)))
                   >= self.before[role][total] - self.before[role][start] for role in (Role.WARM_UP, Role.MAIN))

    def _fits(self, stop: int, start: int, length: int) -> bool:
        """Tell whether a stop has enough exercises of each role the slots need (not counting those drawn)."""
        end = start + length
        return all(self.available[(stop, role)] >= self.before[role][end] - self.before[role][start]
                   for role in (Role.CENTRING, Role.WARM_UP, Role.MAIN))


def at_stop(pools: dict[Role, list[Form]], role: Role, stop: int) -> list[Form]:
    """Return the forms of a role that may come at a stop of the flow."""
    return [form for form in pools[role] if stop in STOPS[form.position]]


def _usable(forms: list[Form], role: Role) -> int:
    """Return how many of these forms one run can hold: for the main set, flexions only with counters to follow."""
    if role is not Role.MAIN:
        return len(forms)
    flexions = sum(1 for form in forms if is_flexion(form))
    counters = sum(1 for form in forms if form.counters_flexion)
    return len(forms) - flexions + min(flexions, MAX_FLEXIONS * (counters + 1))


def is_flexion(form: Form) -> bool:
    return form.shape is Shape.FLEXION


def arrange(main: list[Form], forced: Form | None, can_trail: bool) -> tuple[list[Form], bool] | None:
    """Order a run's main exercises so each run of flexions is followed by one that counters it.

    `forced` comes first (it counters the flexions that ended the run before); with `can_trail`, the run
    may end on flexions that the next run's first exercise counters. Return the order and whether it
    trails, or None if the exercises cannot be ordered so.
    """
    flexions = [form for form in main if is_flexion(form)]
    counters = [form for form in main if form.counters_flexion]
    others = [form for form in main if not is_flexion(form) and not form.counters_flexion]
    if not flexions:
        return ([forced] if forced else []) + others + counters, False
    blocks = [flexions[i:i + MAX_FLEXIONS] for i in range(0, len(flexions), MAX_FLEXIONS)]
    if len(counters) >= len(flexions):
        blocks = [[form] for form in flexions]
    trailing = len(blocks) > len(counters)
    if len(blocks) > len(counters) + (1 if can_trail else 0):
        return None
    spare = counters[len(blocks):]
    order = ([forced] if forced else []) + others + spare
    for number, block in enumerate(blocks):
        order += block + ([counters[number]] if number < len(counters) else [])
    return order, trailing
