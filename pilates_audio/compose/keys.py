"""The keys an exercise file adds to the routine's, in one table: what each holds and whether it must be there.

The checker, the JSON Schema and the `exercises` command take the composer's keys from here; the routine keys
an exercise file may hold are the routine format's exercise keys (format.keys), so nothing is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pilates_audio.compose.model import ROUTINE_KEYS, Caution, Focus, Level, Position, Prop, Role, Shape


@dataclass(frozen=True)
class Key:
    """One key of an exercise file: the tags its values come from (None: text), whether it lists them, its help."""

    name: str
    tags: type[Enum] | None
    many: bool
    help: str
    required: bool = False


MOVE = (
    Key("also", None, True, "Other common names; `pilates-audio exercises NAME` finds it by any of them."),
    Key("level", Level, False, "How hard it is.", required=True),
    Key("position", Position, False, "Where the body is.", required=True),
    Key("focus", Focus, True, "The areas it works, the main one first.", required=True),
    Key("role", Role, True, "Where in a class it belongs.", required=True),
    Key("props", Prop, True, "What it needs besides a mat (none if left out)."),
    Key("cautions", Caution, True, "Why someone might leave it out."),
    Key("shape", Shape, False, "What the spine mostly does.", required=True),
    Key("counters", Shape, True, "The shapes it undoes."),
)
WAYS = ("easier", "harder")  # the keys of the variations
# A variation's own keys, beside the routine keys it changes; cautions and props replace the exercise's.
VARIATION = (
    Key("level", Level, False, "How hard this way is: an easier way at most the exercise's level, a harder at least.",
        required=True),
    Key("cautions", Caution, True, "Why someone might leave this way out (else the exercise's cautions)."),
    Key("props", Prop, True, "What this way needs besides a mat (else the exercise's props)."),
)

MOVE_KEYS = (*(key.name for key in MOVE), *WAYS, *ROUTINE_KEYS)
VARIATION_KEYS = (*(key.name for key in VARIATION), *ROUTINE_KEYS)
REQUIRED = ("name", *(key.name for key in MOVE if key.required))
