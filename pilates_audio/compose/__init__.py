"""Composing a class: the exercise library, and the composer that builds a routine from it."""

from pilates_audio.compose.model import (CONDITIONS, Caution, Focus, Level, Move, Position, Prop, Role, Shape,
                                         Variation)

__all__ = ["CONDITIONS", "Caution", "Focus", "Level", "Move", "Position", "Prop", "Role", "Shape", "Variation"]
