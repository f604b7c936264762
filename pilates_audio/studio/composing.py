"""Composing a class in the studio: the page's choices read as the composer takes them, and a free file name."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pilates_audio.compose import Focus, Level, Prop
from pilates_audio.compose.composer import Choices, compose
from pilates_audio.errors import InputError
from pilates_audio.format import parse_duration
from pilates_audio.studio.workspace import Workspace


def _tags(body: dict[str, Any], key: str, kind: type[Enum]) -> tuple:
    values = body.get(key) or []
    if not isinstance(values, list):
        raise InputError(f"'{key}' must be a list")
    known = [member.value for member in kind]  # type: ignore[attr-defined]
    for value in values:
        if value not in known:
            raise InputError(f"'{value}' is not a {key} tag; the {key} tags are: {', '.join(known)}")
    return tuple(kind(value) for value in values)


def choices(body: dict[str, Any]) -> Choices:
    """Return the composer's choices from a request's body (`length`, `level`, `focus`, `avoid`, `props`, `seed`)."""
    length = body.get("length") or "25m"
    try:
        seconds = parse_duration(length, breaths_allowed=False).amount
    except ValueError as exc:
        raise InputError(f"length: {exc}") from None
    level = body.get("level") or Level.BEGINNER.value
    if level not in [member.value for member in Level]:
        raise InputError(f"'{level}' is not a level; the levels are: {', '.join(member.value for member in Level)}")
    avoid = body.get("avoid") or []
    seed = body.get("seed")
    if not isinstance(avoid, list) or not all(isinstance(value, str) for value in avoid):
        raise InputError("'avoid' must be a list of cautions and conditions")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise InputError("'seed' must be a whole number, at least 0")
    return Choices(length=seconds, level=Level(level), focus=_tags(body, "focus", Focus), avoid=tuple(avoid),
                   props=_tags(body, "props", Prop), seed=seed, language=body.get("language") or "en")


def composed(workspace: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """Compose a class; return its text, a file name free in the folder, its seed, length and warnings."""
    made = compose(choices(body))
    taken = set(workspace.names())
    name, count = f"{made.name}.yaml", 1
    while name in taken or workspace.path(name, must_exist=False).exists():
        count += 1
        name = f"{made.name}-{count}.yaml"
    return {"name": name, "text": made.text, "seed": made.seed, "seconds": made.seconds,
            "warnings": list(made.warnings)}
