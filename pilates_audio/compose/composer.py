"""Composing a class: choices in, a routine file out that plays at the length asked for."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, replace

from pilates_audio import languages, settings
from pilates_audio.compose import plan
from pilates_audio.compose.forms import Form, form
from pilates_audio.compose.library import Library, avoided, load_library
from pilates_audio.compose.model import Caution, Focus, Level, Prop, Role
from pilates_audio.errors import InputError
from pilates_audio.format import Routine
from pilates_audio.format.units import format_seconds

SHORTEST = 10 * 60.0  # seconds: the shortest class asked for
LONGEST = 90 * 60.0  # and the longest


@dataclass(frozen=True)
class Choices:
    """What a person asks of a class."""

    length: float = 1500.0  # seconds
    level: Level = Level.BEGINNER
    focus: tuple[Focus, ...] = ()
    avoid: tuple[str, ...] = ()  # caution tags or condition names, as typed
    props: tuple[Prop, ...] = ()  # what the person has
    seed: int | None = None  # None: today's date as YYYYMMDD
    language: str = "en"


@dataclass(frozen=True)
class Composed:
    """A composed class: the routine file's text, the same checked, and how it was made."""

    text: str  # the routine file's YAML, with its comment header
    routine: Routine  # the same, checked
    seed: int
    name: str  # a file stem from the date and the choices: 2026-12-03-25m-beginner-upper-back
    seconds: float  # planned length at the pacing
    warnings: tuple[str, ...]


def day_seed(day: datetime.date) -> int:
    """Return the seed of a day's class: its date as YYYYMMDD."""
    return day.year * 10000 + day.month * 100 + day.day


def pools(library: Library, choices: Choices, cautions: frozenset[Caution]) -> dict[Role, list[Form]]:
    """Return, for each role, the forms of the library's exercises that suit the choices, in the order of their ids."""
    found: dict[Role, list[Form]] = {role: [] for role in Role}
    for move in library.moves:
        way = move.at(choices.level, cautions, frozenset(choices.props))
        if way is None:
            continue
        done = form(move, way)
        for role in move.roles:
            found[Role.MAIN if role is Role.COUNTER_POSE else role].append(done)
    for role in found:  # an exercise both main and counter-pose is listed once
        found[role] = list({done.id: done for done in found[role]}.values())
    return found


def file_name(choices: Choices, day: datetime.date) -> str:
    """Return the stem of a composed class's file: its date, length, level and focus."""
    parts = [day.isoformat(), format_seconds(choices.length), choices.level.value,
             *(area.value for area in choices.focus)]
    return "-".join(parts)


def compose(choices: Choices, pacing: settings.Pacing | None = None, library: Library | None = None) -> Composed:
    """Compose a class from the library: the exercises, their order and doses, written as a routine file.

    The file names the pacing's preset (standard without one), and the class is planned as a plain
    `render` of the file paces it. The library is the shipped one unless another is given.
    """
    if not SHORTEST <= choices.length <= LONGEST:
        raise InputError(f"--length {format_seconds(choices.length)}: a class lasts from "
                         f"{format_seconds(SHORTEST)} to {format_seconds(LONGEST)}")
    try:
        language = languages.resolve(choices.language)
    except ValueError as exc:
        raise InputError(f"--language {choices.language}: {exc}") from None
    seed = choices.seed if choices.seed is not None else day_seed(datetime.date.today())
    choices = replace(choices, seed=seed, focus=tuple(dict.fromkeys(choices.focus)),
                      props=tuple(dict.fromkeys(choices.props)))
    cautions = avoided(choices.avoid)
    book = languages.phrasebook(language)
    found = pools(library or load_library(), choices, cautions)
    name = file_name(choices, datetime.date.today())
    made = plan.make(choices, found, book, pacing, random.Random(seed), name, cautions)
    return Composed(made.text, made.routine, seed, name, made.seconds, made.warnings)
