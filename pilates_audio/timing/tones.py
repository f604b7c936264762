"""The tones a session sounds: how long each lasts, which timing plans with, and the notes it plays."""

from __future__ import annotations

from dataclasses import dataclass

TONE_SECONDS = 0.25  # a breath tone: two short notes
PULSE_SECONDS = 0.06  # a pulse's tick: one short note


@dataclass(frozen=True)
class Tone:
    """One tone: its length in seconds and its notes in Hz, played one after another in equal shares."""

    seconds: float
    notes: tuple[float, ...]


# Two soft notes a fifth apart: rising for an inhale, falling for an exhale.
TONES = {
    "inhale": Tone(TONE_SECONDS, (440.0, 659.25)),
    "exhale": Tone(TONE_SECONDS, (659.25, 440.0)),
    "pulse": Tone(PULSE_SECONDS, (880.0,)),
}
