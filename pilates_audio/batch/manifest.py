"""The batch manifest: which routines, and which variants of each, make a catalogue."""

from __future__ import annotations

import datetime
import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pilates_audio import settings
from pilates_audio.batch import daily
from pilates_audio.errors import InputError, Problem, ValidationError
from pilates_audio.format import parse_duration, yamlsrc
from pilates_audio.publish.feed import check_base_url

KEYS = ("collection", "routines", "compose", "variants", "exclude", "base_url")
# The dimensions a catalogue can vary over, each the pacing key (or --length) it sets.
DIMENSIONS = ("pace", "length", "language", "voice", "engine")
SETTING = {"language": "language", "voice": "voice", "engine": "engine"}


@dataclass(frozen=True)
class Manifest:
    """A checked manifest: its routine files, its variant dimensions in the order written, and what to leave out."""

    path: Path
    collection: str | None
    routines: tuple[Path, ...]
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]
    exclude: tuple[tuple[tuple[str, str], ...], ...] = ()
    base_url: str | None = None
    pacing_files: tuple[tuple[str, settings.Layer], ...] = ()  # pace values that are pacing files, loaded
    compose: tuple[daily.Entry, ...] = ()
    days: tuple[tuple[str, datetime.date], ...] = ()  # each composed routine's real path, and the day it is for

    def day(self, path: Path) -> datetime.date | None:
        """Return the day a routine file is the composed class of, if it is one."""
        return dict(self.days).get(os.path.realpath(path))

    def layer(self, pace: str) -> settings.Layer | None:
        """Return the pacing file a `pace` value names, if it is one rather than a preset."""
        return dict(self.pacing_files).get(pace)


def _text(node: yamlsrc.Node) -> str | None:
    """Return a scalar as it was written (so `no` stays the language tag, not a yes/no value)."""
    if node.is_mapping or node.is_list or node.value is None:
        return None
    return node.raw if node.raw is not None else str(node.value)


def _values(node: yamlsrc.Node) -> list[yamlsrc.Node]:
    """Return the items of a list, or a single value as a list of one."""
    return node.value if node.is_list else [node]


def load(path: Path) -> Manifest:
    """Load and check a manifest, raising ValidationError listing every problem."""
    display = str(path)
    problems: list[Problem] = []

    def add(node: yamlsrc.Node, message: str) -> None:
        problems.append(Problem(display, node.line, node.column, message))

    root = yamlsrc.load(path, display, problems)
    if root is None:
        raise ValidationError(problems)
    if not root.is_mapping:
        add(root, "a manifest must be a mapping with routines: and variants:, such as "
                  "{routines: [routines/*.yaml], variants: {pace: [gentle, brisk]}}")
        raise ValidationError(problems)
    yamlsrc.check_keys(root, KEYS, "manifest", display, problems)
    folder = path.parent
    fields = root.value
    collection = _collection(fields, add)
    base_url = _base_url(fields, add)
    routines: dict[str, Path] = {}
    if "routines" not in fields and "compose" not in fields:
        problems.append(Problem(display, root.line, root.column,
                                "routines is missing: list the routine files (or patterns such as routines/*.yaml), "
                                "or compose classes from the exercise library with compose:"))
    elif "routines" in fields:
        routines = _routines(fields["routines"], folder, add)
    entries = daily.entries(fields["compose"], display, problems) if "compose" in fields else []
    dimensions, pacing_files = _variants(fields.get("variants"), folder, display, problems)
    exclude = _exclude(fields["exclude"], dict(dimensions), display, problems) if "exclude" in fields else []
    if problems:
        raise ValidationError(problems)
    return Manifest(path, collection, tuple(routines.values()), tuple(dimensions), tuple(exclude), base_url,
                    tuple(pacing_files), tuple(entries))


def _collection(fields: dict[str, yamlsrc.Node], add: Callable[[yamlsrc.Node, str], None]) -> str | None:
    """Return the collection's title, if the manifest gives one as text."""
    if "collection" not in fields:
        return None
    collection = _text(fields["collection"])
    if not collection or not collection.strip():
        add(fields["collection"], "collection must be text: the title of the collection's feed")
        return None
    return collection.strip()


def _base_url(fields: dict[str, yamlsrc.Node], add: Callable[[yamlsrc.Node, str], None]) -> str | None:
    """Return the checked base_url, if the manifest gives one."""
    if "base_url" not in fields:
        return None
    try:
        return check_base_url(_text(fields["base_url"]) or "")
    except InputError as exc:
        add(fields["base_url"], exc.message.replace("--base-url", "base_url"))
        return None


def _routines(node: yamlsrc.Node, folder: Path, add: Callable[[yamlsrc.Node, str], None]) -> dict[str, Path]:
    """Return the routine files the names and patterns list, once each, keyed by their real path."""
    routines: dict[str, Path] = {}
    for item in _values(node):
        pattern = _text(item)
        if pattern is None:
            add(item, f"routines must be file names or patterns as text, not {yamlsrc.kind(item)}")
            continue
        found = sorted(glob.glob(str(folder / pattern))) if glob.has_magic(pattern) else [str(folder / pattern)]
        if not found or not glob.has_magic(pattern) and not Path(found[0]).exists():
            add(item, f"'{pattern}' {'matches no file' if glob.has_magic(pattern) else 'is not a file'} "
                      "(routines are found relative to the manifest)")
            continue
        for name in found:
            routines.setdefault(os.path.realpath(name), Path(name))
    return routines


def _variants(variants: yamlsrc.Node | None, folder: Path, display: str, problems: list[Problem]
              ) -> tuple[list[tuple[str, tuple[str, ...]]], list[tuple[str, settings.Layer]]]:
    """Return the variant dimensions in the order written, and the pacing files `pace` values name."""
    dimensions: list[tuple[str, tuple[str, ...]]] = []
    pacing_files: list[tuple[str, settings.Layer]] = []

    def add(node: yamlsrc.Node, message: str) -> None:
        problems.append(Problem(display, node.line, node.column, message))

    if variants is not None and not variants.is_mapping:
        add(variants, "variants must be a mapping of dimensions to values, such as {pace: [gentle, brisk]}")
    elif variants is not None:
        yamlsrc.check_keys(variants, DIMENSIONS, "variants", display, problems)
        for key, node in variants.value.items():
            if key not in DIMENSIONS:
                continue
            values: list[str] = []
            for item in _values(node):
                value = _text(item)
                problem = _check_value(key, value, item, folder, pacing_files)
                if problem:
                    add(item, problem)
                elif value in values:
                    add(item, f"{key} {value} is listed twice")
                else:
                    values.append(value)
            if not _values(node):
                add(node, f"{key} lists no values")
            if values:
                dimensions.append((key, tuple(values)))
    return dimensions, pacing_files


def _exclude(node: yamlsrc.Node, listed: dict[str, tuple[str, ...]], display: str, problems: list[Problem]
             ) -> list[tuple[tuple[str, str], ...]]:
    """Return the exclude rules, each checked against the variants listed."""
    exclude: list[tuple[tuple[str, str], ...]] = []
    for rule in _values(node):
        if not rule.is_mapping or not rule.value:
            problems.append(Problem(display, rule.line, rule.column, "each exclude rule must be a mapping of "
                                    "dimensions to values, such as {pace: brisk, length: 20m}"))
            continue
        pairs = []
        for key, value_node in rule.value.items():
            value = _text(value_node)
            if key not in listed:
                line, column = rule.key_marks[key]
                problems.append(Problem(display, line, column, f"exclude names '{key}', which is not one of the "
                                                               f"variants ({', '.join(listed) or 'none'})"))
            elif value not in listed[key]:
                problems.append(Problem(display, value_node.line, value_node.column,
                                        f"exclude names {key} {value}, which is not among the variants' "
                                        f"{key} values ({', '.join(listed[key])})"))
            else:
                pairs.append((key, value))
        exclude.append(tuple(pairs))
    return exclude


def _check_value(key: str, value: str | None, node: yamlsrc.Node, folder: Path,
                 pacing_files: list[tuple[str, settings.Layer]]) -> str | None:
    """Say what is wrong with one variant value, if anything; load the pacing files `pace` names."""
    if value is None:
        return f"{key} values must be single values, not {yamlsrc.kind(node)}"
    if key == "pace":
        if value in settings.PRESETS:
            return None
        if not (folder / value).is_file():
            return (f"pace '{value}' is neither a preset ({', '.join(settings.PRESETS)}) nor a pacing file "
                    "(found relative to the manifest)")
        try:
            pacing_files.append((value, settings.load_file(folder / value)))
        except ValidationError as exc:
            return f"pace '{value}' is a pacing file with problems: " + "; ".join(map(str, exc.problems))
        return None
    if key == "length":
        try:
            parse_duration(value, breaths_allowed=False)
        except ValueError as exc:
            return f"length: {exc}"
        return None
    try:
        settings.parse_value(SETTING[key], value)
    except ValueError as exc:
        message = str(exc)
        return message if message.startswith(key) else f"{key}: {message}"
    return None
