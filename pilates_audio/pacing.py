"""Pacing settings, their presets, and the order in which they override each other."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from pilates_audio.units import Duration, parse_duration

PRESETS: dict[str, dict[str, Any]] = {
    "gentle": {"inhale": 5.0, "exhale": 5.0, "rate": 140, "transition": Duration(6.0, "s")},
    "standard": {"inhale": 4.0, "exhale": 4.0, "rate": 155, "transition": Duration(4.0, "s")},
    "brisk": {"inhale": 3.0, "exhale": 3.0, "rate": 170, "transition": Duration(2.0, "s")},
}
DEFAULT_PRESET = "standard"
KEYS = ("preset", "inhale", "exhale", "rate", "transition", "voice")
MIN_RATE, MAX_RATE = 60, 450


@dataclass(frozen=True)
class Pacing:
    """The effective pacing of one session."""

    preset: str = DEFAULT_PRESET
    inhale: float = 4.0
    exhale: float = 4.0
    rate: int = 155
    transition: Duration = Duration(4.0, "s")
    voice: str | None = None

    @property
    def breath(self) -> float:
        """Return the length of one breath in seconds."""
        return self.inhale + self.exhale

    @property
    def transition_seconds(self) -> float:
        return self.transition.seconds(self.breath)

    def to_json(self) -> dict[str, Any]:
        """Return the settings as the timed script's `pacing` object."""
        return {
            "preset": self.preset,
            "inhale": self.inhale,
            "exhale": self.exhale,
            "breath": self.breath,
            "rate": self.rate,
            "transition": round(self.transition_seconds, 3),
            "voice": self.voice,
        }


@dataclass(frozen=True)
class Layer:
    """Settings from one source (a flag, a file, a routine), already parsed."""

    source: str
    values: Mapping[str, Any]


def parse_value(key: str, value: Any) -> Any:
    """Parse one pacing value, raising ValueError with a message fit for a person."""
    if key == "preset":
        if not isinstance(value, str) or value not in PRESETS:
            raise ValueError(f"unknown preset '{value}'; choose one of: {', '.join(PRESETS)}")
        return value
    if key in ("inhale", "exhale"):
        return parse_duration(value, breaths_allowed=False).amount
    if key == "transition":
        return parse_duration(value, zero_allowed=True)
    if key == "rate":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"rate must be a number of words per minute ({MIN_RATE} to {MAX_RATE})")
        try:
            rate = float(value)
        except ValueError:
            raise ValueError(f"rate must be a number of words per minute ({MIN_RATE} to {MAX_RATE})") from None
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"rate {value} is out of range; use {MIN_RATE} to {MAX_RATE} words per minute")
        return int(round(rate))
    if key == "voice":
        if not isinstance(value, str) or not value.strip():
            raise ValueError("voice must be a voice id as text; `pilates-audio voices` lists them")
        return value.strip()
    raise KeyError(key)


def resolve(layers: list[Layer]) -> tuple[Pacing, dict[str, str]]:
    """Combine layers, highest precedence first, over the preset and built-in defaults.

    Return the pacing and, for each setting, where its value came from.
    """
    sources: dict[str, str] = {}
    preset = DEFAULT_PRESET
    sources["preset"] = "default"
    for layer in layers:
        if "preset" in layer.values:
            preset, sources["preset"] = layer.values["preset"], layer.source
            break
    values: dict[str, Any] = {"preset": preset}
    defaults = Pacing()
    for spec in fields(Pacing):
        key = spec.name
        if key == "preset":
            continue
        for layer in layers:
            if key in layer.values:
                values[key], sources[key] = layer.values[key], layer.source
                break
        else:
            if key in PRESETS[preset]:
                values[key], sources[key] = PRESETS[preset][key], f"preset {preset}"
            else:
                values[key], sources[key] = getattr(defaults, key), "default"
    return Pacing(**values), sources
