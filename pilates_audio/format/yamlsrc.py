"""Load YAML into nodes that remember where each value was written."""

from __future__ import annotations

import codecs
import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pilates_audio.errors import Problem

# A hostile file must not eat the machine: these bound what one document may build.
MAX_FILE_BYTES = 256 * 1024
MAX_VALUES = 100_000  # counted as if every alias were written out in full
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
        self.constructor = yaml.constructor.SafeConstructor()

    def problem(self, mark: yaml.Mark, message: str) -> None:
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    def build(self, node: yaml.Node) -> Node:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Node] = {}
            marks: dict[str, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.problem(key_node.start_mark, "merge keys (<<) are not supported; write the keys out")
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(key_node.start_mark, "keys must be plain names")
                    continue
                key = key_node.value
                if key in result:
                    first = marks[key][0]
                    self.problem(key_node.start_mark, f"duplicate key '{key}' (first given on line {first})")
                    continue
                result[key] = self.build(value_node)
                marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            return Node(result, line, column, key_marks=marks)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.build(item) for item in node.value], line, column)
        try:
            value = self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError):  # ValueError: shaped like a date, but none (2024-13-01): text
            value = node.value
        if isinstance(value, (datetime.date, datetime.datetime)):
            # Dates never mean anything in a routine; keep the text so messages can show it.
            value = _Date(node.value)
        return Node(value, line, column, raw=node.value)


def from_plain(value: Any) -> Node:
    """Return plain data (as YAML would read it) as nodes, every one at line 1, column 1: for data a program made."""
    if isinstance(value, dict):
        return Node({str(key): from_plain(item) for key, item in value.items()}, 1, 1,
                    key_marks={str(key): (1, 1) for key in value})
    if isinstance(value, list):
        return Node([from_plain(item) for item in value], 1, 1)
    return Node(value, 1, 1, raw=value if isinstance(value, str) else None)


class _Date(str):
    """Text that YAML would have read as a date."""


def is_date(value: Any) -> bool:
    """Tell whether a scalar was written as a date."""
    return isinstance(value, _Date)


def load(path: Path, display: str, problems: list[Problem]) -> Node | None:
    """Read `path` as YAML; on failure add problems and return None."""
    from pilates_audio.files import NotRegular, read_regular

    try:
        data, size = read_regular(path, MAX_FILE_BYTES)
    except NotRegular:
        problems.append(Problem(display, 1, 1, "is not a regular file (a pipe, a device or a socket); give the "
                                               "path of a YAML file"))
        return None
    except FileNotFoundError:
        problems.append(Problem(display, 1, 1, "no such file"))
        return None
    except IsADirectoryError:
        problems.append(Problem(display, 1, 1, "is a folder, not a routine file"))
        return None
    except OSError as exc:
        problems.append(Problem(display, 1, 1, f"cannot be read: {exc.strerror or exc}"))
        return None
    if size > MAX_FILE_BYTES or len(data) > MAX_FILE_BYTES:
        size_text = f"{size:,} bytes" if size > MAX_FILE_BYTES else "it goes on past the limit"
        problems.append(Problem(display, 1, 1, f"file is too large ({size_text}; the limit is {MAX_FILE_BYTES:,})"))
        return None
    return parse(data, display, problems)


def parse(data: bytes, display: str, problems: list[Problem]) -> Node | None:
    """Parse YAML bytes; on failure add problems and return None."""
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(display, 1, 1, f"file is too large ({len(data):,} bytes; the limit is {MAX_FILE_BYTES:,})"))
        return None
    text = _decode(data, display, problems)
    if text is None:
        return None
    try:
        # Walk the events first: a hostile file is refused before any of it is built. Nodes are
        # then composed from the same events: the text is parsed once.
        events: list[yaml.Event] = []
        if not _scan(text, display, problems, events):
            return None
        root = _Replay(events).get_single_node()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        problems.append(Problem(display, line, column, f"contains a control character (U+{exc.character:04X}), "
                                                       "which YAML does not allow; remove it"))
        return None
    except yaml.MarkedYAMLError as exc:
        line, column, message = _explain(exc, text)
        problems.append(Problem(display, line, column, f"invalid YAML: {message}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(display, 1, 1, f"invalid YAML: {exc}"))
        return None
    if root is None:
        problems.append(Problem(display, 1, 1, "the file is empty"))
        return None
    return _Builder(display, problems).build(root)


def parse_shipped(data: bytes, display: str, problems: list[Problem]) -> Node | None:
    """Parse YAML that ships with the package, with libyaml where PyYAML has it (many times faster than `parse`).

    Only for files the package holds: it skips the walk that bounds what a hostile file may build. Anything libyaml
    cannot read is parsed again by `parse`, so the messages are the same as for any file.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return parse(data, display, problems)
    try:
        root = yaml.compose(data.decode("utf-8-sig"), Loader=loader)
    except (UnicodeDecodeError, yaml.YAMLError):
        return parse(data, display, problems)
    if root is None:
        return parse(data, display, problems)
    return _Builder(display, problems).build(root)


def within_limits(text: str, display: str, problems: list[Problem]) -> bool:
    """Tell whether text is within what one document may build (size, values, depth), adding a problem if not.

    For text about to be parsed by something other than `parse`; its syntax is that parser's to judge.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        problems.append(Problem(display, 1, 1, f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})"))
        return False
    try:
        return _scan(text, display, problems)
    except yaml.YAMLError:
        return True


def _decode(data: bytes, display: str, problems: list[Problem]) -> str | None:
    """Return the file's text: UTF-8, or UTF-16 with its byte-order mark (as YAML allows)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            problems.append(Problem(display, 1, 1, "is not valid UTF-16 text; save the file as UTF-8"))
            return None
    if b"\x00" in data:
        # UTF-16 without its mark has a zero in every other byte; anything else is binary.
        utf16 = len(data) >= 4 and (data[1::2].count(0) > len(data) * 0.4 or data[0::2].count(0) > len(data) * 0.4)
        problems.append(Problem(display, 1, 1, "is UTF-16 text without a byte-order mark; save the file as UTF-8"
                                if utf16 else "is not a text file"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(display, line, column, "is not UTF-8 text; save the file as UTF-8"))
        return None
    return text


def _scan(text: str, display: str, problems: list[Problem], kept: list[yaml.Event] | None = None) -> bool:
    """Check nesting depth and how far aliases would expand, without expanding them; keep the events if asked."""
    anchored: dict[str, int] = {}  # anchor -> how many values it stands for
    opened: list[tuple[str | None, int]] = []  # open collections: their anchor, the count when they began
    count = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if kept is not None:
            kept.append(event)
        if isinstance(event, yaml.CollectionStartEvent):
            if len(opened) >= MAX_DEPTH:
                problems.append(_at(display, event.start_mark, f"values are nested more than {MAX_DEPTH} levels deep"))
                return False
            opened.append((event.anchor, count))
            count += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, began = opened.pop()
            if anchor is not None:
                anchored[anchor] = count - began
        elif isinstance(event, yaml.ScalarEvent):
            count += 1
            if event.anchor is not None:
                anchored[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            count += anchored.get(event.anchor, 1)
        if count > MAX_VALUES:
            where = "aliases would expand the file to" if isinstance(event, yaml.AliasEvent) else "the file holds"
            problems.append(_at(display, event.start_mark, f"{where} more than {MAX_VALUES:,} values"))
            return False
    return True


class _Replay(yaml.composer.Composer, yaml.resolver.Resolver):
    """Compose nodes from events already parsed, as `yaml.compose` composes them from the text."""

    def __init__(self, events: list[yaml.Event]):
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.events = events
        self.next = 0

    def check_event(self, *choices: type) -> bool:
        if self.next >= len(self.events):
            return False
        return not choices or isinstance(self.events[self.next], choices)

    def peek_event(self) -> yaml.Event | None:
        return self.events[self.next] if self.next < len(self.events) else None

    def get_event(self) -> yaml.Event | None:
        event = self.peek_event()
        self.next += 1
        return event


def _at(display: str, mark: yaml.Mark, message: str) -> Problem:
    return Problem(display, mark.line + 1, mark.column + 1, message)


def _explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """Say what a YAML syntax error means for someone writing a routine, and where."""
    mark = exc.problem_mark or exc.context_mark
    problem, context = exc.problem or "", exc.context or ""
    where = exc.context_mark if exc.context_mark is not None else mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        message = "tabs are not allowed for indentation in YAML; use spaces"
    elif "quoted scalar" in context and "end of stream" in problem:
        mark, message = where, "this quotation mark is never closed"
    elif "unknown escape character" in problem:
        escape = "\\" + problem.split("'")[1] if "'" in problem else "this"
        message = f"'{escape}' is not an escape in double quotes; use single quotes, or write \\\\ for a backslash"
    elif "flow sequence" in context:
        mark, message = where, "this '[' list is never closed with ']'"
    elif "flow mapping" in context:
        mark, message = where, "this '{' mapping is never closed with '}'"
    elif "another document" in problem:
        message = "a second document begins here ('---'); a routine is one document"
    elif problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else "?"
        message = f"the alias *{name} refers to no anchor &{name} above it"
    elif problem == "mapping values are not allowed here":
        message = "unexpected ':'; put text that contains ': ' in quotes, or check the indentation"
    elif "cannot start any token" in problem:
        character = problem.split("'")[1] if "'" in problem else "this character"
        message = f"'{character}' cannot start a value; put the text in quotes"
    elif problem.startswith(("expected <block end>", "expected '<document start>'")):
        message = "this line's indentation does not match the lines above it"
    elif problem == "could not find expected ':'":
        mark, message = where, "this line needs a ':' after its key (or is indented too far)"
    else:
        message = problem or "invalid YAML"
    return (mark.line + 1, mark.column + 1, message) if mark is not None else (1, 1, message)


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
