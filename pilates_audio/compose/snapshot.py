"""The shipped library kept as one JSON file in the cache folder, so composing need not read every exercise file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pilates_audio import __version__, files
from pilates_audio.compose.library import FOLDER, Library, load_library
from pilates_audio.compose.model import Caution, Focus, Level, Move, Position, Prop, Role, Shape, Variation

SNAPSHOTS = "library"  # the cache folder's subfolder; not one of the kinds a prune bounds (it holds one small file)


def library() -> Library:
    """Return the shipped library: from its snapshot when the files are as they were, else read and checked."""
    folder = files.cache_dir() / SNAPSHOTS
    path = folder / f"{_stamp()}.json"
    try:
        return _library(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: read the files
    found = load_library()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            old.unlink(missing_ok=True)
        files.write_atomic(path, json.dumps(_data(found), ensure_ascii=False).encode("utf-8"), sync=False)
    except OSError:
        pass  # a cache that cannot be written costs time, never the class
    return found


def _stamp() -> str:
    """Return what names the snapshot: the version, and every exercise file's name, size and time of change."""
    marks = [__version__]
    for path in sorted(FOLDER.glob("*.yaml")):
        info = path.stat()
        marks.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(marks).encode("utf-8")).hexdigest()[:32]


def _pairs(keys: tuple[tuple[str, Any], ...]) -> list[list[Any]]:
    return [[key, value] for key, value in keys]


def _variation_data(variation: Variation | None) -> dict[str, Any] | None:
    if variation is None:
        return None
    return {"level": variation.level.value, "keys": _pairs(variation.keys),
            "cautions": [tag.value for tag in variation.cautions], "props": [tag.value for tag in variation.props]}


def _data(found: Library) -> list[dict[str, Any]]:
    return [{"id": move.id, "name": move.name, "level": move.level.value, "position": move.position.value,
             "focus": [tag.value for tag in move.focus], "roles": [tag.value for tag in move.roles],
             "shape": move.shape.value, "keys": _pairs(move.keys), "also": list(move.also),
             "props": [tag.value for tag in move.props], "cautions": [tag.value for tag in move.cautions],
             "counters": [tag.value for tag in move.counters], "easier": _variation_data(move.easier),
             "harder": _variation_data(move.harder), "path": str(move.path) if move.path else None}
            for move in found.moves]


def _variation(data: dict[str, Any] | None) -> Variation | None:
    if data is None:
        return None
    return Variation(Level(data["level"]), tuple((key, value) for key, value in data["keys"]),
                     tuple(Caution(tag) for tag in data["cautions"]), tuple(Prop(tag) for tag in data["props"]))


def _library(data: list[dict[str, Any]]) -> Library:
    return Library(tuple(Move(
        id=item["id"], name=item["name"], level=Level(item["level"]), position=Position(item["position"]),
        focus=tuple(Focus(tag) for tag in item["focus"]), roles=tuple(Role(tag) for tag in item["roles"]),
        shape=Shape(item["shape"]), keys=tuple((key, value) for key, value in item["keys"]), also=tuple(item["also"]),
        props=tuple(Prop(tag) for tag in item["props"]), cautions=tuple(Caution(tag) for tag in item["cautions"]),
        counters=tuple(Shape(tag) for tag in item["counters"]), easier=_variation(item["easier"]),
        harder=_variation(item["harder"]), path=Path(item["path"]) if item["path"] else None) for item in data))
