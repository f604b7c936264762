"""Checking one value of a routine: texts (one or one per language), durations, counts, flags and choices."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pilates_audio import languages, settings
from pilates_audio.errors import Problem
from pilates_audio.format import localized, yamlsrc
from pilates_audio.format.keys import SIDE_ORDERS
from pilates_audio.format.model import Kind
from pilates_audio.format.units import Duration, parse_duration, parse_range
from pilates_audio.format.yamlsrc import Node

MAX_LINE_CHARS = 1000  # one spoken line; longer text belongs in several cues
SPOKEN = ("title", "intro", "outro")  # the routine's texts that are said (with every exercise's)
# Texts an author may give one per language ({en: …, de: …}), with every cue: what is said
# as instruction. Names and the title stay one: they name chapters, files and feeds.
PER_LANGUAGE = ("intro", "outro", "setup", "say")
# Markup a speech engine might obey rather than read: SSML or XML tags, eSpeak and
# macOS [[…]] commands. Control characters go from all text (eSpeak's embedded
# commands start with one, and feeds and tags cannot hold them).
_MARKUP = re.compile(r"</?[A-Za-z!?][^<>]*>|\[\[[^\]]*\]\]|\[\[|\]\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def speakable(text: str) -> str:
    """Return text as it will be spoken: markup an engine could obey removed, spaces collapsed."""
    return " ".join(_CONTROL.sub(" ", _MARKUP.sub(" ", text)).split())


class ValueChecker:
    """Check a routine's values one at a time, collecting problems instead of stopping at the first."""

    def __init__(self, path: str, problems: list[Problem], folder: Path, language: str | None = None):
        self.path = path  # as shown in messages
        self.language = language  # the routine's own (None: a block checked on its own)
        self.problems = problems
        self.folder = folder  # where relative paths in the file start

    def add(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.path, node.line, node.column, message))

    def add_at(self, mark: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.path, mark[0], mark[1], message))

    def keys(self, node: Node, allowed: tuple[str, ...], what: str) -> None:
        yamlsrc.check_keys(node, allowed, what, self.path, self.problems)

    def text(self, node: Node, key: str, spoken: bool = True) -> str | None:
        value = node.value
        if isinstance(value, str) and not yamlsrc.is_date(value):
            if not value.strip():
                self.add(node, f"{key} is empty; give it some text")
                return None
            half = _SURROGATE.search(value)
            if half:  # "\udc80" in quotes: half of a character, which no file name, tag or voice can hold
                self.add(node, f"{key} holds U+{ord(half[0]):04X}, half of a character that is not text on its "
                               "own; remove it")
                return None
            text = speakable(value) if spoken else " ".join(_CONTROL.sub(" ", value).split())
            if not text:
                self.add(node, f"{key} has nothing to say once markup is removed; give it some words")
                return None
            if len(text) > MAX_LINE_CHARS:
                self.add(node, f"{key} is too long to speak as one line ({len(text):,} characters; the limit is "
                               f"{MAX_LINE_CHARS:,}); split it into several cues")
                return None
            return text
        if value is None:
            self.add(node, f"{key} is empty; give it some text")
        elif isinstance(value, bool):
            self.add(node, f'{key} must be text, but YAML reads {node.raw} as a yes/no value; put it in quotes: "{node.raw}"')
        elif isinstance(value, (int, float)) or yamlsrc.is_date(value):
            kind = "a date" if yamlsrc.is_date(value) else "a number"
            self.add(node, f'{key} must be text, but YAML reads {node.raw} as {kind}; put it in quotes: "{node.raw}"')
        else:
            self.add(node, f"{key} must be text, not {yamlsrc.kind(node)}")
        return None

    def optional_text(self, mapping: Node, key: str) -> str | None:
        node = mapping.value.get(key)
        if node is None:
            return None
        return self.said(node, key) if key in PER_LANGUAGE else self.text(node, key, spoken=key in SPOKEN)

    def said(self, node: Node, key: str) -> localized.Said | None:
        """Check a spoken text given once, or one per language ({en: …, de: …}); return it in the routine's language."""
        if not node.is_mapping:
            text = self.text(node, key)
            return None if text is None else localized.Said(text, (self.path, node.line, node.column))
        texts: list[tuple[str, localized.Said]] = []
        good = bool(node.value)
        if not good:
            self.add(node, f"{key} is an empty mapping; give a text, or one per language ({{en: …, de: …}})")
        for tag, child in node.value.items():
            if not shipped(tag):
                self.add_at(node.key_marks[tag], f"{key}: '{tag}' is not a language with a phrasebook; give each "
                                                 f"text under one of: {', '.join(languages.shipped())}")
                good = False
                continue
            said = self.said(child, key) if not child.is_mapping else self.text(child, key)  # no mapping in one
            good = good and isinstance(said, localized.Said)
            texts.append((tag, said))  # type: ignore[arg-type]
        if not good:
            return None
        chosen = localized.choose(tuple(texts), self.language) if self.language else texts[0][1]
        if chosen is None:
            name = languages.english_name(languages.resolve(self.language))  # type: ignore[arg-type]
            self.add(node, f"{key} has no text in the routine's language, {name} ({self.language}); add "
                           f"{self.language}: …, or make language: one it has ({', '.join(tag for tag, _ in texts)})")
            return None
        return localized.Said(chosen, (self.path, node.line, node.column), tuple(texts))

    def duration(self, node: Node, key: str, breaths: bool = True, zero: bool = False
                 ) -> tuple[Duration, Duration | None] | None:
        """Check a duration or a range of durations (from zero, if `zero`); return (low, top or None)."""
        if node.is_mapping or node.is_list:
            self.add(node, f"{key} must be a duration, not {yamlsrc.kind(node)}")
            return None
        try:
            span = parse_range(node.value, zero_allowed=zero)
            if span is None:
                span = parse_duration(node.value, zero_allowed=zero), None
            if not breaths and span[0].in_breaths:
                # Breathing on through it would turn the phases after it around.
                raise ValueError(f"'{node.value}' cannot be counted in breaths; use seconds (3s)")
            return span
        except ValueError as exc:
            self.add(node, f"{key}: {exc}")
            return None

    def reps(self, node: Node) -> tuple[int, int | None] | None:
        """Check a count of reps, or a range of them (6-10); return (low, top or None)."""
        value = node.value
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", value)
            if match:
                low, high = int(match[1]), int(match[2])
                if low >= 1 and high >= low:
                    return low, high
                self.add(node, f"reps range '{value}' must run from at least 1 up to a larger number")
                return None
        count = self.positive_int(node, "reps")
        return None if count is None else (count, None)

    def flag(self, node: Node, key: str) -> bool | None:
        if isinstance(node.value, bool):
            return node.value
        self.add(node, f"{key} must be true or false")
        return None

    def positive_int(self, node: Node, key: str) -> int | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.add(node, f"{key} must be a whole number, at least 1")
            return None
        return value

    def positive_number(self, node: Node, key: str) -> float | None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            self.add(node, f"{key} must be a number more than zero")
            return None
        return float(value)

    def pacing(self, node: Node) -> dict[str, Any]:
        return settings.parse_node(node, self.path, self.problems)

    def kind(self, node: Node) -> Kind | None:
        """Check an exercise's kind: stretch, rest or effort."""
        choices = ", ".join(kind.value for kind in Kind)
        if node.is_mapping or node.is_list:
            self.add(node, f"kind must be one word, not {yamlsrc.kind(node)}; choose one of: {choices}")
        elif node.value is None or node.raw == "":
            self.add(node, f"kind is empty; choose one of: {choices}")
        elif node.value not in {kind.value for kind in Kind}:
            self.add(node, f"unknown kind '{node.raw}'; choose one of: {choices}")
        else:
            return Kind(node.value)
        return None

    def sides(self, node: Node) -> tuple[str, ...]:
        value = node.value
        if value == "both":
            return ("left", "right")
        if value == "alternate":
            return ("alternate",)
        if node.is_list and all(isinstance(item.value, str) for item in value):
            order = tuple(item.value for item in value)
            if order in SIDE_ORDERS:
                return order
        self.add(node, "sides must be both, [left, right], [right, left] or alternate")
        return ()


def check_text(value: str, key: str, problems: list[Problem]) -> str | None:
    """Check one spoken text as a routine's would be, adding its problem; return it as spoken."""
    return ValueChecker("", problems, Path()).text(Node(value, 1, 1, raw=value), key)


def shipped(tag: str) -> bool:
    """Tell whether a language tag has a phrasebook."""
    try:
        languages.resolve(tag)
        return True
    except ValueError:
        return False
