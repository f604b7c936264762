"""Checking one exercise file: the composer's keys, the routine keys as a routine would check them, and the rules
every exercise of the library keeps (docs/compose.md)."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any

from pilates_audio.compose.keys import MOVE, MOVE_KEYS, REQUIRED, VARIATION, VARIATION_KEYS, WAYS, Key
from pilates_audio.compose.model import ROUTINE_KEYS, Level, Move, Variation
from pilates_audio.errors import Problem
from pilates_audio.format import yamlsrc
from pilates_audio.format.exercises import ExerciseChecker
from pilates_audio.format.keys import CUE_KEYS
from pilates_audio.format.values import ValueChecker
from pilates_audio.format.yamlsrc import Node

ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ONE_SIDE = ("left", "right", ["left"], ["right"])


def plain(node: Node) -> Any:
    """Return a node's value as plain YAML data, without the marks."""
    if node.is_mapping:
        return {key: plain(value) for key, value in node.value.items()}
    if node.is_list:
        return [plain(value) for value in node.value]
    return node.value


class MoveChecker(ValueChecker):
    """Check one exercise file, collecting every problem with its place in the file."""

    def __init__(self, path: str, problems: list[Problem], folder: Path):
        super().__init__(path, problems, folder)
        self.spots: dict[str, tuple[str, int, int]] = {}  # each name it is known by (casefolded): as written, where

    def move(self, root: Node, ident: str) -> Move | None:
        """Check an exercise file's top level, its variations and its routine keys; return its Move, or None."""
        start = len(self.problems)
        if not ID.fullmatch(ident):
            self.add_at((1, 1), f"the file name '{ident}.yaml' is its id, used on the command line: write it in "
                                "lower case with dashes between the words, such as side-kick.yaml")
        if not root.is_mapping:
            self.add(root, "an exercise file must be a mapping with keys such as name, level and cues, "
                           f"not {yamlsrc.kind(root)}")
            return None
        self.keys(root, MOVE_KEYS, "exercise file")
        values = root.value
        for name in REQUIRED:
            if name not in values:
                self.add(root, f"missing required key '{name}'")
        tags = {key.name: self.tags(values[key.name], key) for key in MOVE if key.tags and key.name in values}
        also = self.also(values["also"]) if "also" in values else ()
        ways = {which: self.variation(values[which], which, tags) for which in WAYS if which in values}
        self.routine(root, {which: values[which] for which in ways if values[which].is_mapping})
        if len(self.problems) > start or None in tags.values() or None in ways.values():
            return None
        name = values["name"]
        self.spots = {name.value.casefold(): (name.value, name.line, name.column), **self.spots}
        self.spots.setdefault(ident, (ident, 1, 1))
        return Move(id=ident, name=values["name"].value, level=tags["level"][0], position=tags["position"][0],
                    focus=tags["focus"], roles=tags["role"], shape=tags["shape"][0],
                    keys=tuple((key, plain(node)) for key, node in values.items() if key in ROUTINE_KEYS),
                    also=also, props=tags.get("props", ()), cautions=tags.get("cautions", ()),
                    counters=tags.get("counters", ()), easier=ways.get("easier"), harder=ways.get("harder"),
                    path=Path(self.path))

    def tags(self, node: Node, key: Key) -> tuple[Enum, ...] | None:
        """Check a value, or a list of them (for a key that lists), from the key's fixed choices."""
        if node.is_mapping or (node.is_list and not key.many):
            what = "one value or a list of them" if key.many else "one value"
            self.add(node, f"{key.name} must be {what}, not {yamlsrc.kind(node)}; choose from: {_choices(key)}")
            return None
        items = node.value if node.is_list else [node]
        if not items and key.required:
            self.add(node, f"{key.name} is an empty list; give at least one of: {_choices(key)}")
            return None
        found: list[Enum] = []
        for item in items:
            tag = self.tag(item, key)
            if tag is not None and tag in found:
                self.add(item, f"{key.name} names '{tag.value}' twice")
            elif tag is not None:
                found.append(tag)
        return tuple(found) if len(found) == len(items) else None

    def tag(self, node: Node, key: Key) -> Enum | None:
        """Check one value from the key's fixed choices."""
        assert key.tags is not None
        values = key.tags._value2member_map_  # the enum's own table of its values
        if isinstance(node.value, str) and node.value in values:
            return values[node.value]  # type: ignore[return-value]
        if node.value is None or node.raw == "":
            self.add(node, f"{key.name} is empty; choose from: {_choices(key)}")
        elif node.is_mapping or node.is_list:
            self.add(node, f"each of {key.name} must be one value, not {yamlsrc.kind(node)}; choose from: "
                           f"{_choices(key)}")
        else:
            close = difflib.get_close_matches(str(node.raw).lower().replace("_", "-").replace(" ", "-"), list(values),
                                              n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.add(node, f"unknown {key.name} value '{node.raw}'{hint}; choose from: {_choices(key)}")
        return None

    def also(self, node: Node) -> tuple[str, ...]:
        """Check the other names: one text or a list of texts."""
        if node.is_mapping:
            self.add(node, f"also must be a name or a list of names, not {yamlsrc.kind(node)}")
            return ()
        names = []
        for item in node.value if node.is_list else [node]:
            name = self.text(item, "also", spoken=False)
            if name is not None:
                names.append(name)
                self.spots.setdefault(name.casefold(), (name, item.line, item.column))
        return tuple(names)

    def variation(self, node: Node, which: str, move: dict[str, tuple[Enum, ...] | None]) -> Variation | None:
        """Check an easier or harder way: its level against the exercise's, and what it changes."""
        if not node.is_mapping:
            self.add(node, f"{which} must be a mapping with its level and the keys it changes, "
                           f"not {yamlsrc.kind(node)}")
            return None
        others = {key: mark for key, mark in node.key_marks.items() if key not in MOVE_KEYS or key in VARIATION_KEYS}
        for key, mark in node.key_marks.items():
            if key not in others:
                self.add_at(mark, f"{key} belongs to the exercise, not to one way of it; a variation changes its "
                                  "level, cautions, props and routine keys")
        self.keys(Node(node.value, node.line, node.column, key_marks=others), VARIATION_KEYS, "variation")
        values = node.value
        if "level" not in values:
            self.add(node, "missing required key 'level'")
        own = {key.name: self.tags(values[key.name], key) for key in VARIATION if key.name in values}
        level, base = (own.get("level") or (None,))[0], (move.get("level") or (None,))[0]
        if isinstance(level, Level) and isinstance(base, Level):
            self.order(values["level"], which, level, base)
        if level is None or None in own.values():
            return None
        return Variation(level=level,  # type: ignore[arg-type]
                         keys=tuple((key, plain(value)) for key, value in values.items() if key in ROUTINE_KEYS),
                         cautions=own.get("cautions", move.get("cautions") or ()),  # type: ignore[arg-type]
                         props=own.get("props", move.get("props") or ()))  # type: ignore[arg-type]

    def order(self, node: Node, which: str, level: Level, base: Level) -> None:
        """Check that an easier way is at most the exercise's level, and a harder way at least."""
        if which == "easier" and level.rank > base.rank:
            self.add(node, f"easier is {level.value}, above the exercise's own level ({base.value}); an easier way "
                           f"is at most {base.value}")
        if which == "harder" and level.rank < base.rank:
            self.add(node, f"harder is {level.value}, below the exercise's own level ({base.value}); a harder way "
                           f"is at least {base.value}")

    def routine(self, root: Node, variations: dict[str, Node]) -> None:
        """Check the exercise as a routine would, and each variation merged over it, at their places in the file."""
        base = self.way(root, [root])
        self.problems.extend(base)
        lines = sorted(line for line, _ in root.key_marks.values())
        for which, node in variations.items():
            begins = root.key_marks[which][0]
            ends = next((line for line in lines if line > begins), float("inf"))
            for problem in self.way(root, [root, node]):
                if problem in base:
                    continue
                if not begins <= problem.line < ends:  # in the exercise's own keys, but only with this way's
                    problem = replace(problem, message=f"with {which} (line {begins}): {problem.message}")
                self.problems.append(problem)

    def way(self, root: Node, layers: list[Node]) -> list[Problem]:
        """Return the problems of one way: the routine keys of `layers`, each over the one before, as one exercise."""
        values: dict[str, Node] = {}
        marks: dict[str, tuple[int, int]] = {}
        for layer in layers:
            values.update((key, node) for key, node in layer.value.items() if key in ROUTINE_KEYS)
            marks.update((key, mark) for key, mark in layer.key_marks.items() if key in ROUTINE_KEYS)
        problems: list[Problem] = []
        exercise = Node(values, root.line, root.column, key_marks=marks)  # what it lacks is said at the top
        ExerciseChecker(self.path, problems, self.folder).exercise(exercise, None)
        return _rules(self.path, exercise, problems)


def _rules(path: str, exercise: Node, problems: list[Problem]) -> list[Problem]:
    """Add the library's own rules to a way's problems: a plain cue, the breath on reps, both sides."""
    values = exercise.value
    sides = values.get("sides")
    if sides is not None and plain(sides) in ONE_SIDE:
        # Said instead of the routine's message, which would not say why one side is wrong here.
        problems = [problem for problem in problems if (problem.line, problem.column) != (sides.line, sides.column)]
        problems.append(Problem(path, sides.line, sides.column, "an exercise of the library works both sides: "
                                "sides: both, [left, right], [right, left] or alternate, never one side"))
    cues = values.get("cues")
    items = [] if cues is None else cues.value if cues.is_list else [cues]
    tied = [item for item in items if item.is_mapping and set(item.value) & set(CUE_KEYS)]
    texts = [("setup", values.get("setup")), *(("a cue", item) for item in items if item not in tied),
             *(("a cue", item.value.get("say")) for item in tied)]
    for what, text in texts:
        if text is not None and text.is_mapping and text.value and "en" not in text.value:
            problems.append(Problem(path, text.line, text.column, f"{what} given per language needs an English "
                                    "text too (en: …): a class in a language it lacks says the English"))
    where = cues if cues is not None else exercise
    # Pulses fill every breath of a hold or work without reps, leaving no room for a cue between
    # them: such an exercise says its form points in its setup.
    pulsed = "pulses" in values and "reps" not in values and "setup" in values
    if len(tied) == len(items) and not pulsed:
        problems.append(Problem(path, where.line, where.column, "an exercise of the library needs at least one "
                                "plain cue (without on: or at:), on form or safety"))
    if "reps" in values:
        phases = {item.value["on"].value for item in tied if "on" in item.value}
        lacking = [phase for phase in ("inhale", "exhale") if phase not in phases]
        if lacking:
            where = cues if cues is not None else values["reps"]
            problems.append(Problem(path, where.line, where.column, "an exercise with reps needs a cue on the inhale "
                                    f"and one on the exhale ({{say: …, on: {lacking[0]}}}); it has none on the "
                                    f"{' or the '.join(lacking)}"))
    return problems


def _choices(key: Key) -> str:
    assert key.tags is not None
    return ", ".join(tag.value for tag in key.tags)
