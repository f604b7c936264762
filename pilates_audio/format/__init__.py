"""The routine language: reading a routine's YAML, checking it, its units, its schema and its starters.

The JSON Schema it ships stays at pilates_audio/routine.schema.json, beside this folder, because routines
point editors at `../pilates_audio/routine.schema.json`; `schema.SHIPPED` is that file.
"""

from pilates_audio.format.keys import COVER_TYPES, MAX_COVER_BYTES
from pilates_audio.format.model import Block, Exercise, Kind, Routine
from pilates_audio.format.routine import check_data, check_plain, load, load_all
from pilates_audio.format.tracks import Track
from pilates_audio.format.units import Duration, format_clock, parse_duration

__all__ = ["COVER_TYPES", "Block", "Duration", "Exercise", "Kind", "MAX_COVER_BYTES", "Routine", "Track", "check_data",
           "check_plain", "format_clock", "load", "load_all", "parse_duration"]
