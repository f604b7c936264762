"""Composing a class: the exercise library, and the composer that builds a routine from it."""

from pilates_audio.compose.library import (FOLDER, Library, as_data, avoided, check_library, check_move, listed,
                                           load_library, read_move)
from pilates_audio.compose.model import (CONDITIONS, Caution, Focus, Level, Move, Position, Prop, Role, Shape,
                                         Variant, Variation, Way)

__all__ = ["CONDITIONS", "FOLDER", "Caution", "Focus", "Level", "Library", "Move", "Position", "Prop", "Role", "Shape",
           "Variant", "Variation", "Way", "as_data", "avoided", "check_library", "check_move", "listed",
           "load_library", "read_move"]
