"""The routine format as a JSON Schema, for editors to validate and complete routines as people type."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pilates_audio import languages, settings
from pilates_audio.format.routine import COVER_TYPES, MAX_PULSES, MAX_ROUNDS, PHASES, Kind

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
    number_above_zero = {"type": "number", "exclusiveMinimum": 0}
    pacing = {
        "type": "object",
        "description": "Pacing settings; flags and a pacing file override them.",
        "additionalProperties": False,
        "properties": {key: _setting(settings.SETTINGS[key]) for key in settings.KEYS},
    }
    duration = {"$ref": "#/$defs/duration"}
    exercise = {
        "type": "object",
        "description": "One exercise.",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": _text("The exercise's name: spoken, and its chapter's title."),
            "kind": {"enum": [kind.value for kind in Kind],
                     "description": "What the exercise asks: effort (counted into, \"Halfway.\", \"Last few.\"), "
                                    "stretch (none of those) or rest (none, announced and kept quiet as a rest). "
                                    "Without it: rest for names such as Rest or Child's pose, stretch for a held "
                                    "Stretch, Twist or Fold, else effort."},
            "setup": _said("How to get into position; spoken before the work."),
            "cues": {"description": "Lines spoken during the work: one text or a list. Plain text is spread over "
                                    "the work; a mapping says when: {say: …, on: exhale} or {say: …, at: 6}. Any text may be one "
                                    "per language: {en: …, de: …}.",
                     "anyOf": [{"$ref": "#/$defs/cue"}, {"type": "array", "items": {"$ref": "#/$defs/cue"}}]},
            "reps": {"description": "Counted repetitions: a whole number, or a range such as 6-10.",
                     "anyOf": [{"type": "integer", "minimum": 1},
                               {"type": "string", "pattern": r"^\s*0*[1-9]\d*\s*-\s*\d+\s*$"}]},
            "breaths_per_rep": {**number_above_zero, "default": 1,
                                "description": "Breaths per repetition (fractions allowed); needs reps."},
            "hold_each": {"anyOf": [number_above_zero, {"type": "string", "pattern": _whole(
                              rf"(?:{_SECONDS}|{_SECONDS}\s*-\s*{_SECONDS})")}],
                          "description": "Seconds held still at the top of each rep, after its first inhale "
                                         "(3s, or a range such as 3s-4s); needs reps."},
            "work": {**duration, "description": "Continuous movement for a time (30s, 10 breaths), after the reps "
                                                "if both are given: breath marks, halfway and \"Last few.\"."},
            "hold": {**duration, "description": "A timed hold, after the reps and work if they are given."},
            "pulses": {"type": "integer", "minimum": 2, "maximum": MAX_PULSES,
                       "description": "Even counts inside every inhale and exhale of the reps, work or hold (the "
                                      "Hundred: 5): \"In, two, three, four, five\", or ticks with tones."},
            "sides": {"enum": ["both", ["left", "right"], ["right", "left"], "alternate"],
                      "description": "Do the reps, work and hold once per side; alternate: one set of reps, each "
                                     "rep on the other side, from the left."},
            "reverse": {"type": "boolean", "default": False,
                        "description": "After the reps (on each side), do them again in the other direction."},
            "switch": {"anyOf": [{"type": "number", "minimum": 0}, {"$ref": "#/$defs/duration"}],
                       "description": "Time to change side or direction: quiet after \"Now the right side.\", "
                                      "before any countdown (default: the transition)."},
            "rest": {"anyOf": [{"type": "number", "minimum": 0}, duration],
                     "description": "A rest after the exercise; 0 (or a range from 0, such as 0-2 breaths) for none."},
            "pacing": {"type": "object", "additionalProperties": False,
                       "description": "This exercise's own tempo and narration; flags and a pacing file still win.",
                       "properties": {key: pacing["properties"][key] for key in settings.EXERCISE_KEYS}},
        },
        "allOf": [
            {"if": {"required": ["breaths_per_rep"]}, "then": {"required": ["reps"]}},
            {"if": {"required": ["reverse"]}, "then": {"required": ["reps"]}},
            {"if": {"required": ["sides"], "properties": {"sides": {"const": "alternate"}}}, "then": {"required": ["reps"]}},
            {"if": {"required": ["switch"]}, "then": {"anyOf": [{"required": ["sides"]}, {"required": ["reverse"]}]}},
            {"if": {"required": ["hold_each"]}, "then": {"required": ["reps"]}},
            {"if": {"required": ["sides"]},
             "then": {"anyOf": [{"required": ["reps"]}, {"required": ["work"]}, {"required": ["hold"]}]}},
        ],
    }
    include = {
        "type": "object",
        "description": "Put the exercises of a block file here (a YAML list of exercises).",
        "additionalProperties": False,
        "required": ["include"],
        "properties": {"include": _text("The block file, relative to this file.")},
    }
    items = {"type": "array", "minItems": 1,
             "items": {"anyOf": [{"$ref": "#/$defs/exercise"}, {"$ref": "#/$defs/include"}]}}
    extensions = "|".join(suffix.lstrip(".") for suffix in COVER_TYPES)
    routine = {
        "type": "object",
        "description": "A routine: its texts, pacing, and exercises (or sections of them).",
        "additionalProperties": False,
        "required": ["title"],
        "properties": {
            "title": _text("The session's title; spoken first, and the MP3's title."),
            "description": _text("A sentence or two about the session (not spoken)."),
            "instructor": _text("Who made the session; the MP3's artist."),
            "collection": _text("The MP3's album, to group sessions in a player."),
            "cover": {"type": "string", "pattern": _ci(rf"\.(?:{extensions})\s*$"),
                      "description": "A JPEG or PNG image, relative to the routine file: the MP3's cover."},
            "music": {"anyOf": [{"$ref": "#/$defs/text"}, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/text"}}],
                      "description": "Music under the voice: a file, or a list played in turn and looped, relative "
                                     "to the routine file (any format ffmpeg reads)."},
            "voice": _text("An engine voice id; the same as pacing's voice (give only one)."),
            "language": {"$ref": "#/$defs/language",
                         "description": "The session's language; the same as pacing's language (give only one)."},
            "pacing": {"$ref": "#/$defs/pacing"},
            "intro": _said("Spoken after the title."),
            "exercises": {"$ref": "#/$defs/exercises"},
            "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"},
                         "description": "Named groups of exercises (instead of exercises)."},
            "outro": _said("Spoken at the end."),
        },
        "oneOf": [{"required": ["exercises"]}, {"required": ["sections"]}],
        # A voice or a language is given here or in pacing, not both.
        "allOf": [{"if": {"required": [key]}, "then": {"properties": {"pacing": {"not": {"required": [key]}}}}}
                  for key in ("voice", "language")],
    }
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
            "cue": {"anyOf": [{"$ref": "#/$defs/said"}, {
                "type": "object",
                "description": "A cue said at its moment: at the start of a breath phase (on), or as a rep begins (at).",
                "additionalProperties": False,
                "required": ["say"],
                "properties": {
                    "say": _said("The words to speak."),
                    "on": {"enum": list(PHASES),
                           "description": "Said at the start of this phase on every rep (or breath of a hold)."},
                    "at": {"type": "integer", "minimum": 1, "description": "Said as this rep begins, after its count."},
                    "reps": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1},
                             "description": "With on: only on these reps."},
                    "every": {"type": "integer", "minimum": 1, "description": "With on: on every Nth rep, from the first."},
                },
                "oneOf": [{"required": ["on"], "not": {"required": ["at"]}},
                          {"required": ["at"], "not": {"anyOf": [{"required": ["on"]}, {"required": ["reps"]},
                                                                 {"required": ["every"]}]}}],
            }]},
            "section": {
                "type": "object",
                "description": "A named group of exercises, with a chapter of its own; \"Section two: Core.\" is "
                               "spoken before the first.",
                "additionalProperties": False,
                "required": ["name", "exercises"],
                "properties": {"name": _text("The section's name."),
                               "rounds": {"type": "integer", "minimum": 1, "maximum": MAX_ROUNDS,
                                          "default": 1,
                                          "description": "Play the section this many times (a circuit): \"Round "
                                                         "two of three.\""},
                               "exercises": {"$ref": "#/$defs/exercises"}},
            },
            "exercises": {**items, "description": "Exercises, and includes of block files."},
            "exercise": exercise,
            "include": include,
            "pacing": pacing,
            "text": {"type": "string", "pattern": r"\S"},
            "said": {"anyOf": [{"$ref": "#/$defs/text"}, {
                "type": "object", "minProperties": 1, "propertyNames": {"pattern": _tags()},
                "additionalProperties": {"$ref": "#/$defs/text"},
                "description": "A text per language, by language tag; the session says its language's (the "
                               "routine's language must be among them)."}]},
            "duration": {"anyOf": [number_above_zero,
                                   {"type": "string", "pattern": _whole(rf"(?:{_DURATION}|{_RANGE})")}],
                         "description": "A duration (20s, 1m30s, 45, 3 breaths) or a range (30s-90s, 2-4 breaths)."},
            "seconds": {"anyOf": [number_above_zero, {"type": "string", "pattern": _whole(_SECONDS)}],
                        "description": "Seconds: 4, 4s, 4.5s (not breaths)."},
            "flag": {"anyOf": [{"type": "boolean"},
                               {"type": "string", "pattern": _ci("^(?:true|yes|on|false|no|off)$")}]},
        },
    }


def text() -> str:
    """Return the schema as the JSON text that `pilates-audio schema` prints and the package ships."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
