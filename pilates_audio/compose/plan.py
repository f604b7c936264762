"""Making a class: how many exercises, which ones, their doses to the length, the routine file, the timed plan."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pilates_audio import settings
from pilates_audio.compose import dose, writer
from pilates_audio.compose.forms import Form, form
from pilates_audio.compose.model import Caution, Focus, Level, Move, Position, Role, Shape
from pilates_audio.compose.refusals import MAIN_LEAST, Refusals
from pilates_audio.compose.selection import (FOCUS_SHARE, STAGES, Counts, Draft, Drawing, balance, day_part,
                                             on_focus, shortfall)
from pilates_audio.errors import InputError
from pilates_audio.format import Routine, check_plain
from pilates_audio.languages import Phrasebook

if TYPE_CHECKING:
    from pilates_audio.compose.composer import Choices
    from pilates_audio.timing import Script

OUTSIDE = 40.0  # seconds: a first guess of the time outside the exercises (title, intro, sections, closing)
SHARES = {Role.CENTRING: 0.05, Role.WARM_UP: 0.2, Role.COOL_DOWN: 0.15}  # of the class, roughly; the rest is main
AROUND_SHARE = 0.3  # of the warm-up and cool-down exercises that suit the choices, at most, in a class
VARIED_SHARE = 0.3  # of the main exercises that suit the choices, at first, in a class's main set
POOL_SHARE = 0.7  # of the exercises that suit the choices, at most, in one part of a class
AIM = 0.02  # of the length: planning again until the class lands this close
TOLERANCE = 0.025  # of the length: what is accepted after the last plan (the rule is 3 %)
ROUNDS = 4  # plans of one draw, each correcting the guesses of the last
FOCUS_ROOM = 0.9  # of the main exercises on the focus, at most, make its 60 %
ATTEMPTS = 8  # drafts fitted and planned before refusing
DRAWS = 15  # draws of a draft's exercises, cheap, before taking fewer
RELAXATION_HOLD = "6-15 breaths"  # the closing relaxation the composer adds when the library has none to suit


@dataclass(frozen=True)
class Made:
    """A class made: its text, checked routine, planned seconds and warnings."""

    text: str
    routine: Routine
    seconds: float
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Miss:
    """A draw whose doses cannot reach the length: the seconds missing (more than zero) or over (less)."""

    gap: float


class Maker:
    """Makes one class from the pools of forms that suit the choices."""

    def __init__(self, choices: Choices, pools: dict[Role, list[Form]], book: Phrasebook,
                 pacing: settings.Pacing | None, rng: random.Random, name: str = "composed",
                 cautions: frozenset[Caution] = frozenset()):
        self.choices = choices
        self.name = name
        self.pools = pools
        self.book = book
        self.rng = rng
        self.preset = pacing.preset if pacing is not None else settings.SETTINGS["preset"].default
        guide = settings.resolve([settings.Layer("routine", {"preset": self.preset})])[0]
        self.breath, self.transition, self.rate = guide.breath, guide.transition_seconds, guide.rate
        if not any(candidate.kind.value == "rest" for candidate in pools[Role.COOL_DOWN]):
            pools[Role.COOL_DOWN].append(relaxation(book))
        self.guess = {candidate.id: self.estimate(candidate) for role in pools for candidate in pools[role]}
        self.on_focus = sum(1 for candidate in pools[Role.MAIN] if on_focus(candidate, choices.focus))
        closing = [candidate for candidate in pools[Role.COOL_DOWN] if candidate.kind.value == "rest"]
        self.closing = sum(self.guess[candidate.id] for candidate in closing) / len(closing)
        self.words = writer.ClassText(choices, book, self.preset, cautions)
        self.refusals = Refusals(choices, pools, self.on_focus)

    def estimate(self, candidate: Form) -> float:
        """Return a first guess of an exercise's seconds where the level starts in each of its ranges."""
        return (candidate.guess_overhead(self.breath, self.transition, self.rate)
                + dose.start(candidate, self.choices.level).seconds(self.breath))

    def mean(self, role: Role) -> float:
        pool = self.pools[role]
        return sum(self.guess[candidate.id] for candidate in pool) / len(pool)

    def counts(self, main_change: int = 0) -> Counts:
        """Return how many exercises each part has for the length, from the mean guess of each pool.

        The main set takes what is left after a centring and its share of warm-up and cool-down, but at most
        part of its pool, so that days differ and the areas can be balanced; what it cannot take goes to the
        warm-up and cool-down, and past their pools to longer doses and rests.
        """
        length = self.choices.length
        centring = min(1 if length < 45 * 60 else 2, len(self.pools[Role.CENTRING]))
        around = SHARES[Role.WARM_UP] + SHARES[Role.COOL_DOWN]
        wanted = round((1 - around - SHARES[Role.CENTRING]) * length / self.mean(Role.MAIN))
        # At first no more than a part of the pool, so that days differ: a class that cannot be filled so asks more.
        main = self.capped(Role.MAIN, min(wanted, int(VARIED_SHARE * len(self.pools[Role.MAIN]))) + main_change)
        if self.choices.focus:  # enough of the main set can be on the focus
            main = min(main, int(FOCUS_ROOM * self.on_focus / FOCUS_SHARE))
        main = max(MAIN_LEAST, main)
        rest = length - OUTSIDE - centring * self.mean(Role.CENTRING) - main * self.mean(Role.MAIN) - self.closing
        warm_up = self.capped(Role.WARM_UP, round(rest * SHARES[Role.WARM_UP] / around / self.mean(Role.WARM_UP)),
                              AROUND_SHARE)
        cool_down = self.capped(Role.COOL_DOWN, round(rest * SHARES[Role.COOL_DOWN] / around
                                                      / self.mean(Role.COOL_DOWN)), AROUND_SHARE)
        return Counts(centring, warm_up, main, cool_down)

    def longest(self) -> float:
        """Return a bound on the longest class the pools can make: as many exercises as a class may take of each,
        the longest first, each at the top of its ranges with the longest rest fitting may add."""
        def top(candidate: Form) -> float:
            item = dose.with_rest(dose.fullest(candidate, None))
            item = dose.Item(item.form, item.doses, tuple(len(one.values) - 1 for one in item.doses))
            return candidate.guess_overhead(self.breath, self.transition, self.rate) + item.seconds(self.breath)

        total = OUTSIDE
        for role, share in ((Role.CENTRING, 0.0), (Role.WARM_UP, AROUND_SHARE), (Role.MAIN, POOL_SHARE),
                            (Role.COOL_DOWN, AROUND_SHARE)):
            count = 2 if role is Role.CENTRING else self.capped(role, len(self.pools[role]), share) + (
                1 if role is Role.COOL_DOWN else 0)
            total += sum(sorted((top(candidate) for candidate in self.pools[role]), reverse=True)[:count])
        return total

    def capped(self, role: Role, wanted: int, share: float = 0.0) -> int:
        return max(1, min(wanted, int((share or POOL_SHARE) * len(self.pools[role]))))

    def make(self) -> Made:
        """Draw, fit and plan until a class keeps every rule, or refuse saying what to relax."""
        self.refusals.empty()
        if self.choices.length > (1 + TOLERANCE) * self.longest():
            raise self.refusals.after(self.choices.length - self.longest())
        change, last = 0, None
        for attempt in range(ATTEMPTS):
            counts = self.counts(change)
            draft = self.draw(counts)
            if draft is None:
                if counts.main <= MAIN_LEAST:
                    break
                change -= max(1, counts.main // 8)  # fewer exercises, each longer
                continue
            # At first doses stay in the level's part of each range, while more or fewer exercises can fit the
            # length instead; then they may take the whole range.
            outcome = self.fitted(draft, attempt < ATTEMPTS // 2
                                  and MAIN_LEAST < counts.main < self.capped(Role.MAIN, len(self.pools[Role.MAIN])))
            if isinstance(outcome, Made):
                return outcome
            if isinstance(outcome, Miss):
                last = outcome
                step = max(1, round(abs(outcome.gap) / self.mean(Role.MAIN)))
                change += step if outcome.gap > 0 else -step
        raise self.refusals.after(last.gap if last is not None else None)

    def draw(self, counts: Counts) -> Draft | None:
        """Return the first of several draws whose main set keeps the focus and balance on the guesses, if any."""
        for number in range(DRAWS):
            stage = STAGES[number * len(STAGES) // DRAWS]
            draft = Drawing(self.pools, self.choices.focus, self.rng, stage, day_part(self.choices.seed)).draft(counts)
            if draft is None:
                continue
            draft = balance(draft, self.pools, self.guess, self.choices.focus)
            if shortfall(list(draft.main), self.guess, self.choices.focus) == 0:
                return draft
        return None

    def fitted(self, draft: Draft, in_band: bool) -> Made | Miss | None:
        """Choose the draft's doses to the length, planning again until it lands; None if it breaks the focus.

        With `in_band`, each dose stays in the level's part of its range.
        """
        length, level = self.choices.length, self.choices.level
        items = [dose.start(candidate, level, self.choices.focus != () and candidate in draft.main
                            and on_focus(candidate, self.choices.focus)) for candidate in draft.forms]
        overheads = [candidate.guess_overhead(self.breath, self.transition, self.rate) for candidate in draft.forms]
        outside = OUTSIDE
        for _ in range(ROUNDS):
            items = self.doses(items, draft, length - outside - sum(overheads), in_band)
            gap = length - outside - sum(overheads) - sum(item.seconds(self.breath) for item in items)
            if abs(gap) > TOLERANCE * length:
                return Miss(gap)
            made, script = self.written(draft, items)
            lengths = chapters(script, len(items))
            if abs(made.seconds - length) <= AIM * length:
                break
            overheads = [spent - item.seconds(self.breath) for spent, item in zip(lengths, items)]
            outside = made.seconds - sum(lengths)
        if abs(made.seconds - length) > TOLERANCE * length:
            return Miss(length - made.seconds)
        main = lengths[len(draft.centring) + len(draft.warm_up):][:len(draft.main)]
        seconds = {candidate.id: spent for candidate, spent in zip(draft.main, main)}
        return made if shortfall(list(draft.main), seconds, self.choices.focus) == 0 else None

    def doses(self, items: list[dose.Item], draft: Draft, goal: float, in_band: bool) -> list[dose.Item]:
        """Fit the doses to `goal` seconds: in the level's part of each range, then (unless `in_band`) all of it,
        then with rests."""
        level = self.choices.level
        items = dose.fit(items, goal, self.breath, level)
        if abs(goal - _sum(items, self.breath)) > AIM * self.choices.length and not in_band:
            items = dose.fit(items, goal, self.breath, None)
        if goal - _sum(items, self.breath) > AIM * self.choices.length:
            last = len(items) - len(draft.cool_down)  # rests go between the exercises before the cool-down
            items = [dose.with_rest(item) if number < last else item for number, item in enumerate(items)]
            items = dose.fit(items, goal, self.breath, level if in_band else None)
        return items

    def written(self, draft: Draft, items: list[dose.Item]) -> tuple[Made, Script]:
        """Write the class, check it as a routine and plan it as a plain render would."""
        from pilates_audio import render
        from pilates_audio.timing import SAMPLE_RATE

        data, warnings = self.words.data(draft, items)
        # Checked as data, as its file will read: the same keys and values, without writing and parsing YAML.
        routine, problems = check_plain(data, Path(f"{self.name}.yaml"))
        if routine is None:  # a library file the format refuses: said as the format says it
            raise InputError("\n".join(str(problem) for problem in problems))
        pacing = render.effective_pacing(routine, {})[0]  # as `render` of the file will pace it
        script, _ = render.estimated_script(routine, pacing)
        text = self.words.text(data)
        return Made(text, routine, script.duration / SAMPLE_RATE, warnings), script


def _sum(items: list[dose.Item], breath: float) -> float:
    return sum(item.seconds(breath) for item in items)


def chapters(script: Script, count: int) -> list[float]:
    """Return the seconds of each exercise's chapter (to the next chapter), in order."""
    from pilates_audio.timing import SAMPLE_RATE

    marks = list(script.chapters)
    lengths = []
    for number, chapter in enumerate(marks):
        if chapter.level == 1:
            end = marks[number + 1].start if number + 1 < len(marks) else script.duration
            lengths.append((end - chapter.start) / SAMPLE_RATE)
    return lengths[:count]


def relaxation(book: Phrasebook) -> Form:
    """Return the closing relaxation the composer adds when no relaxation in the library suits the choices."""
    tag = book.tag
    keys = (("name", book.say("relaxation")), ("kind", "rest"), ("setup", {tag: book.say("relaxation_setup")}),
            ("cues", [{tag: book.say("relaxation_cue")}]), ("hold", RELAXATION_HOLD))
    move = Move(id="relaxation", name=book.say("relaxation"), level=Level.BEGINNER, position=Position.SUPINE,
                focus=(Focus.BREATHING,), roles=(Role.COOL_DOWN,), shape=Shape.NEUTRAL, keys=keys)
    return form(move)



def make(choices: Choices, pools: dict[Role, list[Form]], book: Phrasebook, pacing: settings.Pacing | None,
         rng: random.Random, name: str, cautions: frozenset[Caution]) -> Made:
    """Make a class (see Maker); `name` names the routine's file, `cautions` are those the choices avoid."""
    return Maker(choices, pools, book, pacing, rng, name, cautions).make()
