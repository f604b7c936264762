"""The routine format as a JSON Schema, for editors to validate and complete routines as people type."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pilates_audio import languages, settings
from pilates_audio.format.keys import COVER_TYPES, CUE, EXERCISE, MAX_PULSES, MAX_ROUNDS, ROUTINE, SECTION, Key, find

SHIPPED = Path(__file__).parent.parent / "routine.schema.json"  # kept where routines already point editors
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# The same grammar as units.parse_duration, written for ECMA-262 regular expressions
# (what editors use): no inline flags, so letters are matched in either case by _ci.
_NUM = r"\d+(?:\.\d+)?"
_BREATHS = rf"(?:{_NUM}|\.\d+)\s*breaths?"
_H, _M, _S = (rf"{_NUM}\s*{unit}" for unit in ("h(?:rs?|ours?)?", "m(?:in(?:s|utes?)?)?", "s(?:ec(?:s|onds?)?)?"))
_CLOCK = rf"(?:{_H}\s*(?:{_M})?\s*(?:{_S})?|{_M}\s*(?:{_S})?|{_S})"
_SECONDS = rf"(?:{_NUM}|{_CLOCK})"
_DURATION = rf"(?:{_BREATHS}|{_SECONDS})"
# A range: both ends in one unit; a bare first number takes the unit written after the second.
_RANGE = rf"(?:{_SECONDS}\s*-\s*{_SECONDS}|(?:{_NUM}|{_BREATHS})\s*-\s*{_BREATHS})"
_ABOVE_ZERO = {"type": "number", "exclusiveMinimum": 0}
_DURATION_REF = {"$ref": "#/$defs/duration"}
_FLOAT = r"\s*\+?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:e[+-]?\d(?:_?\d)*)?\s*"


def _ci(pattern: str) -> str:
    """Make a lower-case pattern match either case, leaving escapes such as \\d alone."""
    return re.sub(r"\\.|[a-z]", lambda m: m[0] if len(m[0]) > 1 else f"[{m[0]}{m[0].upper()}]", pattern)


def _whole(pattern: str) -> str:
    return _ci(rf"^\s*{pattern}\s*$")


def _text(description: str) -> dict[str, Any]:
    return {"$ref": "#/$defs/text", "description": description}


def _said(description: str) -> dict[str, Any]:
    return {"$ref": "#/$defs/said", "description": description + " One text, or one per language: {en: …, de: …}."}


def _tags() -> str:
    """Match a language tag that has a phrasebook: a shipped one, or a region of it (en-GB), in either case."""
    return f"^(?:{'|'.join(_ci(tag.lower()) for tag in languages.shipped())})(?:-[A-Za-z0-9]{{2,8}})*$"


def _helps(table: tuple[Key, ...]) -> dict[str, str]:
    """Return each key's help, by name."""
    return {key.name: key.help for key in table}


def _required(table: tuple[Key, ...]) -> list[str]:
    return [key.name for key in table if key.required]


def _needs(name: str) -> dict[str, Any]:
    """Say in the schema what an exercise's key needs beside it: one key, or any of several."""
    needs = find(EXERCISE, name).needs
    then = {"required": list(needs)} if len(needs) == 1 else {"anyOf": [{"required": [key]} for key in needs]}
    return {"if": {"required": [name]}, "then": then}


def _exercise(pacing: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of an exercise, its own pacing taking the routine pacing's keys it may set."""
    about = _helps(EXERCISE)
    exercise = {
        "type": "object",
        "description": "One exercise.",
        "additionalProperties": False,
        "required": _required(EXERCISE),
        "properties": {
            "name": _text(about["name"]),
            "kind": {"enum": list(find(EXERCISE, "kind").values), "description": about["kind"]},
            "setup": _said(about["setup"]),
            "cues": {"description": about["cues"],
                     "anyOf": [{"$ref": "#/$defs/cue"}, {"type": "array", "items": {"$ref": "#/$defs/cue"}}]},
            "reps": {"description": about["reps"],
                     "anyOf": [{"type": "integer", "minimum": 1},
                               {"type": "string", "pattern": r"^\s*0*[1-9]\d*\s*-\s*\d+\s*$"}]},
            "breaths_per_rep": {**_ABOVE_ZERO, "default": 1, "description": about["breaths_per_rep"]},
            "hold_each": {"anyOf": [_ABOVE_ZERO, {"type": "string", "pattern": _whole(
                              rf"(?:{_SECONDS}|{_SECONDS}\s*-\s*{_SECONDS})")}],
                          "description": about["hold_each"]},
            "work": {**_DURATION_REF, "description": about["work"]},
            "hold": {**_DURATION_REF, "description": about["hold"]},
            "pulses": {"type": "integer", "minimum": 2, "maximum": MAX_PULSES, "description": about["pulses"]},
            "sides": {"enum": list(find(EXERCISE, "sides").values), "description": about["sides"]},
            "reverse": {"type": "boolean", "default": False, "description": about["reverse"]},
            "switch": {"anyOf": [{"type": "number", "minimum": 0}, {"$ref": "#/$defs/duration"}],
                       "description": about["switch"]},
            "rest": {"anyOf": [{"type": "number", "minimum": 0}, _DURATION_REF], "description": about["rest"]},
            "pacing": {"type": "object", "additionalProperties": False, "description": about["pacing"],
                       "properties": {key: pacing["properties"][key] for key in settings.EXERCISE_KEYS}},
        },
        # What a key needs beside it, from the table; what pulses needs is left to check, as it always was.
        "allOf": [
            _needs("breaths_per_rep"),
            _needs("reverse"),
            {"if": {"required": ["sides"], "properties": {"sides": {"const": "alternate"}}}, "then": {"required": ["reps"]}},
            _needs("switch"),
            _needs("hold_each"),
            _needs("sides"),
        ],
    }
    return exercise


def _routine() -> dict[str, Any]:
    """Return the schema of a routine's own keys."""
    extensions = "|".join(suffix.lstrip(".") for suffix in COVER_TYPES)
    about = _helps(ROUTINE)
    routine = {
        "type": "object",
        "description": "A routine: its texts, pacing, and exercises (or sections of them).",
        "additionalProperties": False,
        "required": _required(ROUTINE),
        "properties": {
            **{key: _text(about[key]) for key in ("title", "description", "instructor", "collection")},
            "cover": {"type": "string", "pattern": _ci(rf"\.(?:{extensions})\s*$"), "description": about["cover"]},
            "music": {"anyOf": [{"$ref": "#/$defs/text"}, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/text"}}],
                      "description": about["music"]},
            "voice": _text(about["voice"]),
            "language": {"$ref": "#/$defs/language", "description": about["language"]},
            "pacing": {"$ref": "#/$defs/pacing"},
            "intro": _said(about["intro"]),
            "exercises": {"$ref": "#/$defs/exercises"},
            "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"},
                         "description": about["sections"]},
            "outro": _said(about["outro"]),
        },
        "oneOf": [{"required": ["exercises"]}, {"required": ["sections"]}],
        # A voice or a language is given here or in pacing, not both.
        "allOf": [{"if": {"required": [key]}, "then": {"properties": {"pacing": {"not": {"required": [key]}}}}}
                  for key in ("voice", "language")],
    }
    return routine


def _cue() -> dict[str, Any]:
    """Return the schema of a cue: a text, or a mapping that says when it is said."""
    about = _helps(CUE)
    return {"anyOf": [{"$ref": "#/$defs/said"}, {
        "type": "object",
        "description": "A cue said at its moment: at the start of a breath phase (on), or as a rep begins (at).",
        "additionalProperties": False,
        "required": _required(CUE),
        "properties": {
            "say": _said(about["say"]),
            "on": {"enum": list(find(CUE, "on").values), "description": about["on"]},
            "at": {"type": "integer", "minimum": 1, "description": about["at"]},
            "reps": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1},
                     "description": about["reps"]},
            "every": {"type": "integer", "minimum": 1, "description": about["every"]},
        },
        "oneOf": [{"required": ["on"], "not": {"required": ["at"]}},
                  {"required": ["at"], "not": {"anyOf": [{"required": ["on"]}, {"required": ["reps"]},
                                                         {"required": ["every"]}]}}],
    }]}


def _section() -> dict[str, Any]:
    """Return the schema of a section of a routine."""
    about = _helps(SECTION)
    return {
        "type": "object",
        "description": "A named group of exercises, with a chapter of its own; \"Section two: Core.\" is "
                       "spoken before the first.",
        "additionalProperties": False,
        "required": _required(SECTION),
        "properties": {"name": _text(about["name"]),
                       "rounds": {"type": "integer", "minimum": 1, "maximum": MAX_ROUNDS, "default": 1,
                                  "description": about["rounds"]},
                       "exercises": {"$ref": "#/$defs/exercises"}},
    }


def _setting_value(setting: settings.Setting) -> dict[str, Any]:
    """Return the schema of the values one pacing setting takes."""
    kind, low, high = setting.kind, setting.low, setting.high
    if kind is settings.SettingKind.SECONDS and low is None:
        return {"$ref": "#/$defs/seconds"}
    if kind is settings.SettingKind.SECONDS:
        return {"anyOf": [{"type": "number", "minimum": low, "maximum": high},
                          {"type": "string", "pattern": _whole(_SECONDS)}]}
    if kind is settings.SettingKind.DURATION:
        return {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _whole(_DURATION)}]}
    if kind is settings.SettingKind.NUMBER and isinstance(setting.default, int):  # a whole number, also as text
        return {"anyOf": [{"type": "number", "minimum": low, "maximum": high},
                          {"type": "string", "pattern": _ci(f"^{_FLOAT}$")}]}
    if kind is settings.SettingKind.NUMBER:
        return {"type": "number", "minimum": low, "maximum": high}
    if kind is settings.SettingKind.COUNT:
        return {"type": "integer", "minimum": low, **({"maximum": high} if high is not None else {})}
    return {"$ref": {settings.SettingKind.FLAG: "#/$defs/flag", settings.SettingKind.TEXT: "#/$defs/text",
                     settings.SettingKind.LANGUAGE: "#/$defs/language"}[kind]}


def _setting(setting: settings.Setting) -> dict[str, Any]:
    """Return the schema of one pacing setting: its values, the sentence that explains it, and its default."""
    if setting.kind is settings.SettingKind.LANGUAGE:
        return _setting_value(setting)  # explained, with its default, where the routine's language is
    if setting.kind is settings.SettingKind.CHOICE:
        return {"enum": list(setting.choices), "default": setting.default, "description": setting.help}
    ranged = setting.kind in (settings.SettingKind.NUMBER, settings.SettingKind.SECONDS) and setting.high is not None
    description = f"{setting.help[:-1]}{setting.range_text}." if ranged else setting.help
    schema = {**_setting_value(setting), "description": description}
    if setting.default is not None:
        value = setting.default
        schema["default"] = value if isinstance(value, (bool, int, float, str)) else str(value)
    return schema


def build() -> dict[str, Any]:
    """Return the routine format's JSON Schema (draft 2020-12, using keywords editors of draft 7 also know)."""
    pacing = {
        "type": "object",
        "description": "Pacing settings; flags and a pacing file override them.",
        "additionalProperties": False,
        "properties": {key: _setting(settings.SETTINGS[key]) for key in settings.KEYS},
    }
    exercise = _exercise(pacing)
    include = {
        "type": "object",
        "description": "Put the exercises of a block file here (a YAML list of exercises).",
        "additionalProperties": False,
        "required": ["include"],
        "properties": {"include": _text("The block file, relative to this file.")},
    }
    items = {"type": "array", "minItems": 1,
             "items": {"anyOf": [{"$ref": "#/$defs/exercise"}, {"$ref": "#/$defs/include"}]}}
    routine = _routine()
    return {
        "$schema": DRAFT,
        "title": "pilates-audio routine",
        "description": "A routine for pilates-audio (a mapping with a title), or a block of exercises "
                       "(a list) for routines to include.",
        "anyOf": [{"$ref": "#/$defs/routine"}, {"$ref": "#/$defs/block"}],
        "$defs": {
            "routine": routine,
            "language": {"type": "string", "pattern": r"^\s*[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*\s*$",
                         "default": languages.DEFAULT,
                         "description": "The session's language, a BCP 47 tag: its phrasebook, numbers and voice "
                                        f"(shipped: {', '.join(languages.shipped())}; en-GB uses en)."},
            "block": {**items, "description": "A block: a list of exercises for routines to include."},
            "cue": _cue(),
            "section": _section(),
            "exercises": {**items, "description": find(ROUTINE, "exercises").help},
            "exercise": exercise,
            "include": include,
            "pacing": pacing,
            "text": {"type": "string", "pattern": r"\S"},
            "said": {"anyOf": [{"$ref": "#/$defs/text"}, {
                "type": "object", "minProperties": 1, "propertyNames": {"pattern": _tags()},
                "additionalProperties": {"$ref": "#/$defs/text"},
                "description": "A text per language, by language tag; the session says its language's (the "
                               "routine's language must be among them)."}]},
            "duration": {"anyOf": [_ABOVE_ZERO,
                                   {"type": "string", "pattern": _whole(rf"(?:{_DURATION}|{_RANGE})")}],
                         "description": "A duration (20s, 1m30s, 45, 3 breaths) or a range (30s-90s, 2-4 breaths)."},
            "seconds": {"anyOf": [_ABOVE_ZERO, {"type": "string", "pattern": _whole(_SECONDS)}],
                        "description": "Seconds: 4, 4s, 4.5s (not breaths)."},
            "flag": {"anyOf": [{"type": "boolean"},
                               {"type": "string", "pattern": _ci("^(?:true|yes|on|false|no|off)$")}]},
        },
    }


def text() -> str:
    """Return the schema as the JSON text that `pilates-audio schema` prints and the package ships."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
