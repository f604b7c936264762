"""Load YAML into nodes that remember where each value was written."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pilates_audio.errors import Problem

# A hostile file must not eat the machine: these bound what one document may build.
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 40


@dataclass
class Node:
    """A YAML value with its 1-based line and column; mappings keep key positions."""

    value: Any
    line: int
    column: int
    raw: str | None = None
    key_marks: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


class _Builder:
    """Turn a composed YAML node tree into `Node`s, collecting problems as it goes."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def problem(self, mark: yaml.Mark, message: str) -> None:
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    def build(self, node: yaml.Node, depth: int = 0) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node.start_mark, f"the file holds more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise _TooBig(node.start_mark, f"values are nested more than {MAX_DEPTH} levels deep")
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Node] = {}
            marks: dict[str, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    self.problem(key_node.start_mark, "keys must be plain names")
                    continue
                key = key_node.value
                if key in result:
                    first = marks[key][0]
                    self.problem(key_node.start_mark, f"duplicate key '{key}' (first given on line {first})")
                    continue
                result[key] = self.build(value_node, depth + 1)
                marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            return Node(result, line, column, key_marks=marks)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.build(item, depth + 1) for item in node.value], line, column)
        try:
            value = self.constructor.construct_object(node)
        except yaml.YAMLError:
            value = node.value
        if isinstance(value, (datetime.date, datetime.datetime)):
            # Dates never mean anything in a routine; keep the text so messages can show it.
            value = _Date(node.value)
        return Node(value, line, column, raw=node.value)


class _Date(str):
    """Text that YAML would have read as a date."""


class _TooBig(Exception):
    def __init__(self, mark: yaml.Mark, message: str):
        super().__init__(message)
        self.mark = mark


def is_date(value: Any) -> bool:
    """Tell whether a scalar was written as a date."""
    return isinstance(value, _Date)


def load(path: Path, display: str, problems: list[Problem]) -> Node | None:
    """Read `path` as YAML; on failure add problems and return None."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(display, 1, 1, "no such file"))
        return None
    except IsADirectoryError:
        problems.append(Problem(display, 1, 1, "is a folder, not a routine file"))
        return None
    except OSError as exc:
        problems.append(Problem(display, 1, 1, f"cannot be read: {exc.strerror or exc}"))
        return None
    return parse(data, display, problems)


def parse(data: bytes, display: str, problems: list[Problem]) -> Node | None:
    """Parse YAML bytes; on failure add problems and return None."""
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(display, 1, 1, f"file is too large ({len(data):,} bytes; the limit is {MAX_FILE_BYTES:,})"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(display, line, column, "is not UTF-8 text; save the file as UTF-8"))
        return None
    if "\x00" in text:
        problems.append(Problem(display, 1, 1, "is not a text file"))
        return None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or "invalid YAML"
        if "\t" in (message or "") or "found character '\\t'" in str(exc):
            message = "tabs are not allowed for indentation in YAML; use spaces"
        problems.append(Problem(display, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1, f"invalid YAML: {message}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(display, 1, 1, f"invalid YAML: {exc}"))
        return None
    if root is None:
        problems.append(Problem(display, 1, 1, "the file is empty"))
        return None
    builder = _Builder(display, problems)
    try:
        return builder.build(root)
    except _TooBig as exc:
        problems.append(Problem(display, exc.mark.line + 1, exc.mark.column + 1, str(exc)))
        return None


def check_keys(node: Node, allowed: tuple[str, ...], what: str, path: str, problems: list[Problem]) -> None:
    """Report each key of a mapping that is not allowed, suggesting the closest one."""
    for key, (line, column) in node.key_marks.items():
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"{what} keys are: {', '.join(allowed)}"
        problems.append(Problem(path, line, column, f"unknown key '{key}'; {hint}"))


def kind(node: Node) -> str:
    """Name the kind of a value for a message: a mapping, a list, a number…"""
    if node.is_mapping:
        return "a mapping"
    if node.is_list:
        return "a list"
    if isinstance(node.value, bool):
        return "a yes/no value"
    if isinstance(node.value, (int, float)):
        return "a number"
    if node.value is None:
        return "empty"
    return "text"
