"""Reading the exercise library: one YAML file per exercise, in exercises/ beside this module."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilates_audio.compose.model import (ROUTINE_KEYS, Caution, Focus, Level, Move, Position, Prop, Role, Shape,
                                         Variation)
from pilates_audio.errors import Problem, ValidationError
from pilates_audio.format import yamlsrc

FOLDER = Path(__file__).with_name("exercises")


@dataclass(frozen=True)
class Library:
    """Every exercise of the library, in the order of their ids."""

    moves: tuple[Move, ...]

    def find(self, name: str) -> Move | None:
        """Return the exercise known by `name` (its name, another name or its id, in any case), if any."""
        wanted = name.casefold()
        return next((move for move in self.moves if wanted in (known.casefold() for known in move.names())), None)


def plain(node: yamlsrc.Node) -> Any:
    """Return a node's value as plain YAML data, without the marks."""
    if node.is_mapping:
        return {key: plain(value) for key, value in node.value.items()}
    if node.is_list:
        return [plain(value) for value in node.value]
    return node.value


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _variation(data: dict[str, Any], move: dict[str, Any]) -> Variation:
    return Variation(level=Level(data["level"]),
                     keys=tuple((key, value) for key, value in data.items() if key in ROUTINE_KEYS),
                     cautions=tuple(Caution(tag) for tag in data.get("cautions", move.get("cautions", []))),
                     props=tuple(Prop(prop) for prop in data.get("props", move.get("props", []))))


def read_move(path: Path) -> Move:
    """Read one exercise file."""
    problems: list[Problem] = []
    root = yamlsrc.load(path, str(path), problems)
    if problems or root is None:
        raise ValidationError(problems)
    data = plain(root)
    return Move(id=path.stem, name=data["name"], level=Level(data["level"]), position=Position(data["position"]),
                focus=tuple(Focus(area) for area in _listed(data["focus"])),
                roles=tuple(Role(role) for role in _listed(data["role"])), shape=Shape(data["shape"]),
                keys=tuple((key, value) for key, value in data.items() if key in ROUTINE_KEYS),
                also=tuple(data.get("also", ())), props=tuple(Prop(prop) for prop in data.get("props", ())),
                cautions=tuple(Caution(tag) for tag in data.get("cautions", ())),
                counters=tuple(Shape(shape) for shape in data.get("counters", ())),
                easier=_variation(data["easier"], data) if "easier" in data else None,
                harder=_variation(data["harder"], data) if "harder" in data else None, path=path)


@functools.lru_cache(maxsize=4)
def load_library(folder: Path = FOLDER) -> Library:
    """Read every exercise file of `folder` (the shipped library by default)."""
    return Library(tuple(read_move(path) for path in sorted(folder.glob("*.yaml"))))
