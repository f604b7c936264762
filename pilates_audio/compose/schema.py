"""The exercise file format as a JSON Schema: the routine schema's exercise, with the composer's keys beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pilates_audio.compose.keys import MOVE, VARIATION, WAYS, Key
from pilates_audio.format import schema as routine_schema

SHIPPED = Path(__file__).with_name("exercise.schema.json")  # where each exercise file points editors
# Each choice of tags is one definition, named after the key that first takes it.
_TAG_DEFS = {"Level": "level", "Position": "position", "Focus": "focus", "Role": "role", "Prop": "prop",
             "Caution": "caution", "Shape": "shape"}


def _key(key: Key) -> dict[str, Any]:
    """Return the schema of one of the composer's keys: a tag, or (for a key that lists) one or a list of them."""
    one = {"$ref": f"#/$defs/{_TAG_DEFS[key.tags.__name__]}"} if key.tags else {"$ref": "#/$defs/text"}
    if not key.many:
        return {**one, "description": key.help}
    many = {"type": "array", "uniqueItems": True, "items": one, **({"minItems": 1} if key.required else {})}
    return {"anyOf": [one, many], "description": key.help}


def _refs(value: Any) -> set[str]:
    """Return the definitions a part of a schema refers to."""
    if isinstance(value, dict):
        found = {value["$ref"].rsplit("/", 1)[1]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value))
    return set()


def _needed(defs: dict[str, Any], start: dict[str, Any]) -> dict[str, Any]:
    """Return the routine schema's definitions that `start` needs, and those they need in turn, in their order."""
    wanted, todo = set(), _refs(start)
    while todo:
        name = todo.pop()
        if name in defs and name not in wanted:
            wanted.add(name)
            todo |= _refs(defs[name])
    return {name: value for name, value in defs.items() if name in wanted}


def build() -> dict[str, Any]:
    """Return the exercise file format's JSON Schema (draft 2020-12), made from the routine schema and the key table."""
    routine = routine_schema.build()
    exercise = routine["$defs"]["exercise"]
    # A variation takes the same routine keys: it points at the exercise's, written once.
    way_properties = {key: {"$ref": f"#/properties/{key}"} for key in exercise["properties"]}
    variation = {
        "type": "object",
        "description": "An easier or harder way: its level, and the routine keys, cautions and props it changes "
                       "(the rest are the exercise's).",
        "additionalProperties": False,
        "required": [key.name for key in VARIATION if key.required],
        "properties": {**{key.name: _key(key) for key in VARIATION}, **way_properties},
    }
    own = {key.name: _key(key) for key in MOVE}
    ways = {name: {"$ref": "#/$defs/variation", "description": f"The {name} way to do it."} for name in WAYS}
    defs = {**_needed(routine["$defs"], exercise),
            **{name: {"enum": [tag.value for tag in key.tags]} for key in (*MOVE, *VARIATION) if key.tags
               for name in [_TAG_DEFS[key.tags.__name__]]},
            "variation": variation}
    return {
        "$schema": routine_schema.DRAFT,
        "title": "pilates-audio exercise",
        "description": "One exercise of the library: the keys a routine's exercise takes, and what the composer "
                       "needs to know about it.",
        "type": "object",
        "additionalProperties": False,
        "required": [*exercise["required"], *(key.name for key in MOVE if key.required)],
        "properties": {**exercise["properties"], **own, **ways},
        "allOf": exercise["allOf"],
        "$defs": defs,
    }


def text() -> str:
    """Return the schema as the JSON text the package ships."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
