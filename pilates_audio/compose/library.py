"""Reading the exercise library: one YAML file per exercise, in exercises/ beside this module, each checked."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilates_audio.compose.checks import MoveChecker
from pilates_audio.compose.model import (CONDITIONS, Caution, Focus, Level, Move, Position, Variant, Variation,
                                         Way)
from pilates_audio.errors import InputError, Problem, ValidationError
from pilates_audio.format import yamlsrc

FOLDER = Path(__file__).with_name("exercises")


@dataclass(frozen=True)
class Library:
    """Every exercise of the library, in the order of their ids."""

    moves: tuple[Move, ...]

    def find(self, name: str) -> Move | None:
        """Return the exercise known by `name` (its name, another name, its id or a variation's name, in any case)."""
        wanted = " ".join(name.split()).casefold()
        return next((move for move in self.moves if wanted in (known.casefold() for known in _known(move))), None)

    def named(self, name: str) -> Move:
        """Return the exercise known by `name`, or raise an InputError suggesting the closest names."""
        move = self.find(name)
        if move is not None:
            return move
        names = {known.casefold(): known for move in self.moves for known in _known(move)}
        close = [names[key] for key in difflib.get_close_matches(name.casefold(), list(names), n=3, cutoff=0.6)]
        hint = f"did you mean {_either(close)}?" if close else "`pilates-audio exercises` lists them all"
        raise InputError(f"no exercise in the library is called '{name}'; {hint}")

    def select(self, level: Level | None = None, focus: Iterable[Focus] = (), positions: Iterable[Position] = (),
               avoid: frozenset[Caution] = frozenset()) -> tuple[tuple[Move, Way], ...]:
        """Return each exercise that fits, with the way of it that does (see `listed`); no filter lets all through."""
        focus, positions = frozenset(focus), frozenset(positions)
        chosen = []
        for move in self.moves:
            way = listed(move, level or Level.ADVANCED, avoid)
            if way is None or (focus and not focus & set(move.focus)) or (positions and move.position not in positions):
                continue
            chosen.append((move, way))
        return tuple(chosen)


def listed(move: Move, level: Level, avoid: frozenset[Caution] = frozenset()) -> Way | None:
    """Return the way of an exercise that a listing shows: as written if it fits, else the easier, else the harder.

    A way fits when it is at most `level` and has none of the cautions in `avoid`; None if no way fits.
    """
    ways = {way.variant: way for way in move.ways()}
    order = (Variant.STANDARD, Variant.EASIER, Variant.HARDER)
    return next((ways[variant] for variant in order if variant in ways and ways[variant].fits(level, avoid)), None)


def _known(move: Move) -> tuple[str, ...]:
    return (*move.names(), *(way.name for way in move.ways()))


def _either(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def as_data(move: Move) -> dict[str, Any]:
    """Return every field of an exercise as JSON data: its id, its file's keys with the tags as their words."""
    tags = {"level": move.level.value, "position": move.position.value,
            "focus": [tag.value for tag in move.focus], "role": [tag.value for tag in move.roles],
            "props": [tag.value for tag in move.props], "cautions": [tag.value for tag in move.cautions],
            "shape": move.shape.value, "counters": [tag.value for tag in move.counters]}
    ways = {which: _variation_data(variation) for which, variation in (("easier", move.easier),
                                                                      ("harder", move.harder)) if variation}
    return {"id": move.id, "name": move.name, "also": list(move.also), **tags, **move.routine_keys, **ways}


def _variation_data(variation: Variation) -> dict[str, Any]:
    return {"level": variation.level.value, "cautions": [tag.value for tag in variation.cautions],
            "props": [tag.value for tag in variation.props], **dict(variation.keys)}


def avoided(values: Iterable[str]) -> frozenset[Caution]:
    """Return the cautions that `--avoid` values stand for: each a caution, or a condition (CONDITIONS)."""
    cautions: set[Caution] = set()
    for value in values:
        tag = value.strip().lower().replace("_", "-").replace(" ", "-")
        if tag in CONDITIONS:
            cautions.update(CONDITIONS[tag])
        elif tag in {caution.value for caution in Caution}:
            cautions.add(Caution(tag))
        else:
            raise InputError(f"cannot avoid '{value}': it is neither a caution nor a condition; the cautions are "
                             f"{', '.join(caution.value for caution in Caution)}; the conditions are "
                             f"{', '.join(CONDITIONS)}")
    return frozenset(cautions)


def check_move(path: Path, display: str | None = None) -> tuple[Move | None, list[Problem]]:
    """Read and check one exercise file; return its exercise (None if it has problems) and its problems."""
    shipped = path.parent.resolve() == FOLDER.resolve()
    move, _, problems = _read(path, display if display is not None else str(path), shipped)
    return move, problems


def _read(path: Path, display: str, shipped: bool
          ) -> tuple[Move | None, dict[str, tuple[str, int, int]], list[Problem]]:
    """Read one exercise file; return it, where each of its names is written, and its problems."""
    problems: list[Problem] = []
    # The shipped files are read the fast way: they are the package's own, and start-up waits for them.
    root = yamlsrc.parse_shipped(path.read_bytes(), display, problems) if shipped and path.is_file() else \
        yamlsrc.load(path, display, problems)
    if root is None:
        return None, {}, problems
    checker = MoveChecker(display, problems, path.parent)
    move = checker.move(root, path.stem)
    problems = list(dict.fromkeys(problems))  # the routine's check says a missing name too
    return (move if not problems else None), checker.spots, problems


def read_move(path: Path, display: str | None = None) -> Move:
    """Read and check one exercise file, raising ValidationError listing every problem."""
    move, problems = check_move(path, display)
    if move is None:
        raise ValidationError(problems)
    return move


def check_library(folder: Path = FOLDER, display: str | None = None) -> tuple[Library, list[Problem]]:
    """Read and check every exercise file of `folder` (shown as `display`): the exercises that pass, and all problems.

    Besides each file's own checks, no two exercises may share a name, another name or an id.
    """
    moves, problems = [], []
    owners: dict[str, Move] = {}
    shipped = folder.resolve() == FOLDER.resolve()
    for path in sorted(folder.glob("*.yaml")):
        shown = str(path) if display is None else str(Path(display) / path.name)
        move, spots, found = _read(path, shown, shipped)
        problems.extend(found)
        if move is None:
            continue
        clashes = [(key, spot) for key, spot in spots.items() if key in owners]
        for key, (name, line, column) in clashes:
            problems.append(Problem(shown, line, column, f"'{name}' is also a name of {owners[key].id}.yaml; each "
                                                         "name must find one exercise"))
        owners.update((key, move) for key in spots)
        moves.append(move)
    return Library(tuple(moves)), problems


@functools.lru_cache(maxsize=4)
def load_library(folder: Path = FOLDER, display: str | None = None) -> Library:
    """Read every exercise file of `folder` (the shipped library by default), once per process and folder.

    Every file is checked in full: with libyaml, the 95 files of the library take about 30 ms, and a class is
    never composed from an exercise that would not check. Problems name the files under `display`, if given.
    """
    library, problems = check_library(folder, display)
    if problems:
        raise ValidationError(problems)
    return library
