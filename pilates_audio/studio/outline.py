"""The routine as an outline of cards (sections, exercises, their keys), and the outline's edits of its text.

The outline is read from the YAML text; an edit made on a card is made in the text (`format.edits`), and
the page shows the new text in both views. Exercises from the library are put in with the low end of
each dose range, and know which library exercise (and which way of it) they are by their name.
"""

from __future__ import annotations

from typing import Any

from pilates_audio.compose import (CONDITIONS, Caution, Focus, Level, Library, Move, Position, Prop, Role, Variant,
                                   Way, as_data)
from pilates_audio.errors import InputError, Problem
from pilates_audio.format import edits, yamlsrc
from pilates_audio.format.units import format_number, parse_range
from pilates_audio.format.yamlsrc import Node

DOSE_RANGES = ("hold_each", "work", "hold", "rest")  # keys whose ranges are durations; reps is a count


def outline(text: str, library: Library | None) -> dict[str, Any]:
    """Return the routine as groups of cards, or {"problem"} when its YAML cannot be shown as cards."""
    problems: list[Problem] = []
    root = yamlsrc.parse(text.encode("utf-8"), "text", problems)
    if root is None:
        first = problems[0] if problems else Problem("text", 1, 1, "the routine is empty")
        return {"problem": {"line": first.line, "message": first.message}}
    if root.is_list:
        return _shaped("block", {}, [_group(root, None, (), [], library)])
    if not root.is_mapping:
        return {"problem": {"line": root.line, "message": "a routine is a mapping of keys (title, exercises…)"}}
    keys = {key: plain(node) for key, node in root.value.items() if key not in ("exercises", "sections")}
    if "sections" in root.value:
        sections = root.value["sections"]
        if not sections.is_list or not all(section.is_mapping for section in sections.value):
            return {"problem": {"line": sections.line, "message": "sections must be a list of sections"}}
        groups = [_group(section.value.get("exercises"), section, ("sections", index),
                         ["sections", index, "exercises"], library) for index, section in enumerate(sections.value)]
    else:
        groups = [_group(root.value.get("exercises"), None, (), ["exercises"], library)]
    broken = next((group["problem"] for group in groups if "problem" in group), None)
    if broken is not None:
        return {"problem": broken}
    return _shaped("routine", keys, groups, sections="sections" in root.value)


def _shaped(kind: str, keys: dict[str, Any], groups: list[dict[str, Any]], sections: bool = False) -> dict[str, Any]:
    return {"kind": kind, "keys": keys, "sections": sections, "groups": groups}


def _group(items: Node | None, section: Node | None, at: tuple, where: list, library: Library | None
           ) -> dict[str, Any]:
    """Return a section (or the routine's own list, at `where`) as a group of cards."""
    group: dict[str, Any] = {"at": list(at) if section is not None else None, "list": where, "cards": []}
    if section is not None:
        group.update(line=section.line, keys={key: plain(node) for key, node in section.value.items()
                                              if key != "exercises"})
    if items is None:
        return group
    if not items.is_list or not all(item.is_mapping for item in items.value):
        return {"problem": {"line": items.line, "message": "exercises must be a list of exercises (name: …) and "
                                                          "includes (include: …)"}}
    for index, item in enumerate(items.value):
        data = {key: plain(node) for key, node in item.value.items()}
        card = {"at": [*where, index], "line": item.line, "data": data}
        if library is not None and isinstance(data.get("name"), str):
            card["library"] = _known(library, data["name"])
        group["cards"].append(card)
    return group


def plain(node: Node) -> Any:
    """Return a node's value as JSON data."""
    if node.is_mapping:
        return {key: plain(value) for key, value in node.value.items()}
    if node.is_list:
        return [plain(item) for item in node.value]
    if isinstance(node.value, (str, int, float, bool)) or node.value is None:
        return str(node.value) if yamlsrc.is_date(node.value) else node.value
    return node.raw


def _known(library: Library, name: str) -> dict[str, Any] | None:
    """Return which library exercise, and which way of it, a card's name is; None if it is none of them."""
    move = library.find(name)
    if move is None:
        return None
    ways = move.ways()
    wanted = " ".join(name.split()).casefold()
    way = next((way for way in ways if way.name.casefold() == wanted),
               next(way for way in ways if way.variant is Variant.STANDARD))
    index = ways.index(way)
    return {"id": move.id, "variant": way.variant.value, "level": way.level.value,
            "easier": ways[index - 1].variant.value if index > 0 else None,
            "harder": ways[index + 1].variant.value if index + 1 < len(ways) else None}


# --- exercises from the library ------------------------------------------------------------

def low_end(key: str, value: Any) -> Any:
    """Return a dose at the low end of its range (6-10 reps: 6; 3-6 breaths: 3 breaths); None for a rest from 0."""
    if key == "reps" and isinstance(value, str) and "-" in value:
        return int(value.split("-")[0])
    if key not in DOSE_RANGES:
        return value
    found = parse_range(value, zero_allowed=key == "rest")
    if found is None:
        return value
    low = found[0]
    if low.amount == 0:
        return None
    return str(low) if low.in_breaths else format_number(low.amount) + "s"


def exercise_of(way: Way) -> dict[str, Any]:
    """Return a way of a library exercise as a routine's exercise, each dose at the low end of its range."""
    chosen = {key: low_end(key, value) for key, value in way.routine_keys.items()}
    return {key: value for key, value in chosen.items() if value is not None}


def way_of(library: Library, edit: dict[str, Any]) -> tuple[Move, Way]:
    """Return the library exercise an edit names (`id`) and the way of it (`variant`, default as written)."""
    move = next((move for move in library.moves if move.id == edit.get("id")), None)
    if move is None:
        raise InputError(f"no exercise in the library has the id '{edit.get('id')}'")
    variant = edit.get("variant") or Variant.STANDARD.value
    way = next((way for way in move.ways() if way.variant.value == variant), None)
    if way is None:
        raise InputError(f"{move.name} has no {variant} way")
    return move, way


def expand(text: str, edit: dict[str, Any], library: Library) -> list[dict[str, Any]]:
    """Return the text edits an outline edit stands for: `add` and `swap` put in a library exercise, `way`
    changes an exercise to its easier or harder way (only the keys the ways differ in)."""
    op = edit.get("op")
    if op == "add":
        _, way = way_of(library, edit)
        return [{"op": "insert", "at": edit.get("at"), "index": edit.get("index"), "value": exercise_of(way)}]
    if op == "swap":
        _, way = way_of(library, edit)
        return [{"op": "replace", "at": edit.get("at"), "index": edit.get("index"), "value": exercise_of(way)}]
    if op == "way":
        move, way = way_of(library, edit)
        current = next((w for w in move.ways() if w.variant.value == edit.get("from")), None)
        if current is None:
            raise InputError(f"{move.name} has no {edit.get('from')} way")
        changed = {key for variation in (move.easier, move.harder) if variation for key, _ in variation.keys}
        target = exercise_of(way)
        at = edit.get("at")
        return [{"op": "set", "at": at, "key": key, "value": target.get(key)} for key in edits.keys_at(tuple(at or ()))
                if key in changed]
    return [edit]


def apply_all(text: str, changes: list[dict[str, Any]], library: Library) -> str:
    """Return the text with the outline's edits made one after another."""
    for change in changes:
        if not isinstance(change, dict):
            raise InputError("each edit must be an object")
        for edit in expand(text, change, library):
            text = edits.apply(text, edit)
    return text


def listing(library: Library) -> dict[str, Any]:
    """Return the library for the page's panel: every exercise with its ways, and the tags to filter by."""
    moves = []
    for move in library.moves:
        data = as_data(move)
        data["ways"] = [{"variant": way.variant.value, "name": way.name, "level": way.level.value,
                         "cautions": [tag.value for tag in way.cautions], "props": [tag.value for tag in way.props]}
                        for way in move.ways()]
        moves.append(data)
    tags = {"level": Level, "position": Position, "focus": Focus, "props": Prop, "cautions": Caution, "role": Role}
    found = {key: [tag.value for tag in kind] for key, kind in tags.items()}
    found["avoid"] = [*CONDITIONS, *found["cautions"]]  # what compose --avoid takes
    return {"moves": moves, "tags": found}
