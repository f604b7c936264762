"""Composed classes in a catalogue: a manifest's `compose:` entries, and the class of each of their days."""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pilates_audio import files, languages, settings
from pilates_audio.compose.composer import LONGEST, SHORTEST, Choices, compose, day_seed, file_name
from pilates_audio.compose.library import Library
from pilates_audio.compose.model import CONDITIONS, Caution, Focus, Level, Prop
from pilates_audio.errors import InputError, Problem, ValidationError
from pilates_audio.format import parse_duration, yamlsrc
from pilates_audio.format.units import format_seconds

if TYPE_CHECKING:
    from pilates_audio.batch.manifest import Manifest

KEYS = ("length", "level", "focus", "avoid", "props", "language", "days", "start")
MOST_DAYS = 31  # a month of daily classes from one entry
ROUTINES = "routines"  # the output folder's subfolder the composed classes are written into
PUBLISHED = datetime.time(6, 0, tzinfo=datetime.timezone.utc)  # a class comes out at this time of its day


@dataclass(frozen=True)
class Entry:
    """One `compose:` entry: the choices of its classes, how many days, from which (None: the day of the run)."""

    choices: Choices  # without a seed: each day's is its date
    days: int
    start: datetime.date | None
    line: int
    column: int


class State(Enum):
    """What a composed class's file is, against the file already in its place."""

    NEW = "new"
    SAME = "up to date"
    KEPT = "kept as edited"


@dataclass(frozen=True)
class Daily:
    """The composed class of one entry's day, and the file it is (or is kept) in."""

    day: datetime.date
    path: Path
    text: str
    state: State


def published(day: datetime.date) -> float:
    """Return when a day's class comes out, as a time stamp: the day at 06:00 UTC."""
    return datetime.datetime.combine(day, PUBLISHED).timestamp()


def entries(node: yamlsrc.Node, display: str, problems: list[Problem]) -> list[Entry]:
    """Return the checked `compose:` entries, adding a problem for each wrong key or value."""
    found = []
    for item in node.value if node.is_list else [node]:
        if not item.is_mapping:
            problems.append(Problem(display, item.line, item.column, "each compose entry must be a mapping of "
                                    "choices, such as {length: 30m, level: beginner, days: 7}"))
            continue
        yamlsrc.check_keys(item, KEYS, "compose entry", display, problems)
        before = len(problems)
        values = {key: _value(key, value, display, problems) for key, value in item.value.items() if key in KEYS}
        if len(problems) > before:
            continue
        choices = Choices(**{key: value for key, value in values.items() if key not in ("days", "start")})
        found.append(Entry(choices, values.get("days", 1), values.get("start"), item.line, item.column))
    return found


def _value(key: str, node: yamlsrc.Node, display: str, problems: list[Problem]) -> Any:
    """Return one entry value as the composer takes it, or add a problem for each item that is wrong."""
    many = key in ("focus", "avoid", "props")
    items = (node.value if node.is_list else [node]) if many else [node]
    found = []
    for item in items:
        text = None if item.is_mapping or item.is_list or item.value is None else \
            item.raw if item.raw is not None else str(item.value)
        try:
            if text is None:
                raise ValueError(f"{key} must be {'one value or a list' if many else 'a single value'}, "
                                 f"not {yamlsrc.kind(item)}")
            found.append(_parse(key, text.strip()))
        except ValueError as exc:
            problems.append(Problem(display, item.line, item.column, str(exc)))
    return tuple(found) if many else found[0] if found else None


def _parse(key: str, text: str) -> Any:
    """Parse one value of an entry's key, raising ValueError naming the values allowed."""
    enums: dict[str, tuple[type[Enum], str]] = {"level": (Level, "a level"), "focus": (Focus, "an area"),
                                                 "props": (Prop, "a prop")}
    if key in enums:
        kind, label = enums[key]
        if text.lower() not in {tag.value for tag in kind}:
            raise ValueError(f"{key} '{text}' is not {label}; choose from: {', '.join(tag.value for tag in kind)}")
        return kind(text.lower())
    if key == "avoid":
        if text.lower() not in CONDITIONS and text.lower() not in {tag.value for tag in Caution}:
            raise ValueError(f"avoid '{text}' is not a condition ({', '.join(CONDITIONS)}) or a caution "
                             f"({', '.join(tag.value for tag in Caution)})")
        return text.lower()
    if key == "length":
        try:
            seconds = parse_duration(text, breaths_allowed=False).amount
        except ValueError as exc:
            raise ValueError(f"length: {exc}") from None
        if not SHORTEST <= seconds <= LONGEST:
            raise ValueError(f"length {text}: a class lasts from {format_seconds(SHORTEST)} to "
                             f"{format_seconds(LONGEST)}")
        return seconds
    if key == "language":
        try:
            return languages.resolve(text)
        except ValueError as exc:
            raise ValueError(f"language: {exc}") from None
    if key == "days":
        if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= MOST_DAYS:
            raise ValueError(f"days must be a whole number from 1 to {MOST_DAYS}, not '{text}'")
        return int(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"start must be a date written YYYY-MM-DD, such as 2026-12-07, not '{text}'")


def classes(manifest: Manifest, folder: Path, today: datetime.date, library: Library | None = None) -> list[Daily]:
    """Compose each entry's class of each of its days, for `folder`'s routines/; a refusal is a problem at the entry."""
    problems: list[Problem] = []
    found: dict[Path, Daily] = {}
    for entry in manifest.compose:
        start = entry.start or today
        pacing = settings.resolve([settings.Layer("flag", {"preset": _preset(manifest),
                                                           "language": entry.choices.language})])[0]
        for offset in range(entry.days):
            day = start + datetime.timedelta(days=offset)
            choices = replace(entry.choices, seed=day_seed(day))
            path = folder / ROUTINES / f"{file_name(choices, day)}.yaml"
            if path in found:
                problems.append(Problem(str(manifest.path), entry.line, entry.column,
                                        f"this entry's class of {day} would be {path.name}, as an entry above's "
                                        "is; entries of the same days need another length, level or focus"))
                break
            try:
                composed = compose(choices, pacing, library)
            except InputError as exc:
                problems.append(Problem(str(manifest.path), entry.line, entry.column, exc.message))
                break
            found[path] = Daily(day, path, composed.text, _state(path, composed.text))
    if problems:
        raise ValidationError(problems)
    return list(found.values())


def _preset(manifest: Manifest) -> str:
    """Return the preset classes are composed at: the manifest's one pace, if it is a preset, else the standard."""
    paces = dict(manifest.dimensions).get("pace", ())
    return paces[0] if len(paces) == 1 and paces[0] in settings.PRESETS else settings.DEFAULT_PRESET


def _state(path: Path, text: str) -> State:
    """Tell whether a class's file is still to write, is written, or was edited since (or is another file)."""
    try:
        written = path.read_bytes()
    except FileNotFoundError:
        return State.NEW
    except OSError:
        return State.KEPT  # not a file we can read: not ours to replace; its routine fails in the plan
    return State.SAME if written == text.encode("utf-8") else State.KEPT


def joined(manifest: Manifest, daily: list[Daily], folder: Path | None = None) -> Manifest:
    """Write the new classes (into `folder`, else their own places) and return the manifest with them as routines.

    A file that appears meanwhile is kept, as an edited one is: nothing here replaces a file.
    """
    routines = {os.path.realpath(path): path for path in manifest.routines}
    days = []
    for found in daily:
        path = found.path
        if found.state is State.NEW:
            path = (folder or path.parent) / path.name
            path.parent.mkdir(parents=True, exist_ok=True)
            files.write_new(path, found.text.encode("utf-8"))
        routines.setdefault(os.path.realpath(path), path)
        days.append((os.path.realpath(path), found.day))
    return replace(manifest, routines=tuple(routines.values()), days=tuple(days))


def describe(daily: list[Daily]) -> str:
    """Say which composed classes a run writes, finds written, or keeps as edited."""
    return "".join(f"compose: {found.path} ({found.day}): {found.state.value}\n" for found in daily)


def kept(daily: list[Daily]) -> str | None:
    """Say, once, which composed classes were edited by hand and are used as they are."""
    edited = [str(found.path) for found in daily if found.state is State.KEPT]
    if not edited:
        return None
    return (f"note: {len(edited)} composed class{'es' if len(edited) > 1 else ''} edited by hand "
            f"{'are' if len(edited) > 1 else 'is'} kept and used as {'they are' if len(edited) > 1 else 'it is'}: "
            f"{', '.join(edited)} (delete a file to compose its class again)")
