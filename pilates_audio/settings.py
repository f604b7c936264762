"""Pacing settings, their presets, and the order in which they override each other."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from pilates_audio import languages
from pilates_audio.errors import Problem, ValidationError
from pilates_audio.format import yamlsrc
from pilates_audio.format.units import Duration, parse_duration

PRESETS: dict[str, dict[str, Any]] = {
    # A gentle breath is ten seconds: naming every third leaves half a minute of quiet between reminders.
    "gentle": {"inhale": 5.0, "exhale": 5.0, "rate": 140, "transition": Duration(6.0, "s"), "breath_cues_every": 3},
    "standard": {"inhale": 4.0, "exhale": 4.0, "rate": 155, "transition": Duration(4.0, "s")},
    "brisk": {"inhale": 3.0, "exhale": 3.0, "rate": 170, "transition": Duration(2.0, "s")},
}
DEFAULT_PRESET = "standard"
BREATH_CUES = ("voice", "tone", "silent")
GUIDANCE = ("full", "standard", "minimal")  # how much is said besides the author's words
# What one exercise's own pacing block may set: its tempo and how it is narrated.
EXERCISE_KEYS = ("inhale", "exhale", "breath_cues", "breath_cues_every", "count_reps", "countdown", "halfway")
USER_SOURCES = ("flag", "pacing file", "studio")  # settings from these beat an exercise's own
ENGINES = ("auto", "pyttsx3", "piper")  # auto: piper when a Piper voice is installed, else pyttsx3
MIN_RATE, MAX_RATE = 60, 450
MAX_COUNTDOWN = 10
# The music bed's settings (see beds.Ducking): the unit each is in, and the range it takes.
MUSIC_RANGES = {
    "music_level": ("LU", -40.0, 0.0),  # the music's loudness relative to the speech
    "duck": ("dB", 0.0, 40.0),  # how much lower it is under speech and tones
    "duck_attack": ("s", 0.0, 5.0),  # its ramp down before a sound
    "duck_release": ("s", 0.0, 10.0),  # its ramp back up after one
    "music_fade": ("s", 0.0, 60.0),  # its fade-in at the start and fade-out at the end
}
MUSIC_HELP = {
    "music_level": "Loudness of the music relative to the speech",
    "duck": "How much lower the music is under speech and tones",
    "duck_attack": "How long the music ramps down before speech",
    "duck_release": "How long the music ramps back up after speech",
    "music_fade": "Fade-in at the start and fade-out at the end of the music",
}


@dataclass(frozen=True)
class Pacing:
    """The effective pacing of one session."""

    preset: str = DEFAULT_PRESET
    inhale: float = 4.0
    exhale: float = 4.0
    rate: int = 155
    transition: Duration = Duration(4.0, "s")
    engine: str = ENGINES[0]
    voice: str | None = None
    language: str = languages.DEFAULT  # a BCP 47 tag, as given (en-GB); its phrasebook is the language's
    breath_cues: str = "voice"
    breath_cues_every: int = 1  # name the first breath of a part, then every Nth
    count_reps: bool = True
    countdown: int = 3
    halfway: bool = True
    announce_next: bool = True
    guidance: str = "standard"
    min_phase: float = 2.5
    max_phase: float = 8.0
    music_level: float = -14.0
    duck: float = 12.0
    duck_attack: float = 0.3
    duck_release: float = 0.6
    music_fade: float = 3.0
    # Not settings, but what an exercise's own pacing needs: the keys the user fixed for
    # this render (flags, a pacing file), which beat it, and how far --length scaled the breath.
    fixed: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    tempo: float = field(default=1.0, compare=False, repr=False)

    def for_exercise(self, own: tuple[tuple[str, Any], ...]) -> "Pacing":
        """Return the pacing of an exercise with its own settings, scaled as the session's breath is."""
        changes = {key: value for key, value in own if key not in self.fixed}
        for key in ("inhale", "exhale"):
            if key in changes:
                changes[key] = round(changes[key] * self.tempo, 2)
        return replace(self, **changes) if changes else self

    @property
    def breath(self) -> float:
        """Return the length of one breath in seconds."""
        return self.inhale + self.exhale

    @property
    def transition_seconds(self) -> float:
        return self.transition.seconds(self.breath)

    def to_json(self, music: bool = False) -> dict[str, Any]:
        """Return the settings as the timed script's `pacing` object (the music's are in its `music` object).

        With `music`, the music's settings too: everything a session is made with.
        """
        data = {key: getattr(self, key) for key in KEYS if music or key not in MUSIC_RANGES}
        data["transition"] = round(self.transition_seconds, 3)
        data["breath"] = self.breath
        return data


KEYS = tuple(spec.name for spec in fields(Pacing) if spec.name not in ("fixed", "tempo"))


@dataclass(frozen=True)
class Layer:
    """Settings from one source (a flag, a file, a routine), already parsed."""

    source: str
    values: Mapping[str, Any]


def _seconds(value: Any) -> float:
    return parse_duration(value, breaths_allowed=False).amount


def _flag(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "false", "no", "off"):
        return value.lower() in ("true", "yes", "on")
    raise ValueError(f"{key} must be true or false")


def parse_value(key: str, value: Any) -> Any:
    """Parse one pacing value, raising ValueError with a message fit for a person."""
    if key == "preset":
        if not isinstance(value, str) or value not in PRESETS:
            raise ValueError(f"unknown preset '{value}'; choose one of: {', '.join(PRESETS)}")
        return value
    if key in ("inhale", "exhale", "min_phase", "max_phase"):
        return _seconds(value)
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
    if key == "language":
        if not isinstance(value, str):
            raise ValueError("language must be a language tag such as de, es or pt-BR")
        languages.resolve(value)  # a language with no phrasebook is refused, with the list of those shipped
        return languages.normalize(value)
    if key == "engine":
        if value not in ENGINES:
            raise ValueError(f"engine must be one of: {', '.join(ENGINES)}")
        return value
    if key == "guidance":
        if value not in GUIDANCE:
            raise ValueError(f"guidance must be one of: {', '.join(GUIDANCE)}")
        return value
    if key == "breath_cues":
        if value not in BREATH_CUES:
            raise ValueError(f"breath_cues must be one of: {', '.join(BREATH_CUES)}")
        return value
    if key in ("count_reps", "halfway", "announce_next"):
        return _flag(key, value)
    if key == "breath_cues_every":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("breath_cues_every must be a whole number, at least 1 (1: every breath)")
        return value
    if key == "countdown":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNTDOWN:
            raise ValueError(f"countdown must be a whole number from 0 (off) to {MAX_COUNTDOWN}")
        return value
    if key in MUSIC_RANGES:
        unit, low, high = MUSIC_RANGES[key]
        if unit == "s":
            try:
                number: float | None = parse_duration(value, breaths_allowed=False, zero_allowed=True).amount
            except ValueError:
                number = None
            if number is None or not low <= number <= high:
                raise ValueError(f"{key} must be a time from {low:g}s to {high:g}s")
            return number
        number = _number(value)
        if number is None or not low <= number <= high:
            raise ValueError(f"{key} must be a number of {unit} from {low:g} to {high:g}")
        return number
    raise KeyError(key)


def _number(value: Any) -> float | None:
    """Return a plain number given as a number or as text, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_node(node: yamlsrc.Node, path: str, problems: list[Problem]) -> dict[str, Any]:
    """Check a YAML mapping of pacing settings, adding problems and returning the good values."""

    def add(line: int, column: int, message: str) -> None:
        problems.append(Problem(path, line, column, message))

    if not node.is_mapping:
        add(node.line, node.column, "pacing must be a mapping of settings, such as {inhale: 5s, exhale: 5s}")
        return {}
    yamlsrc.check_keys(node, KEYS, "pacing", path, problems)
    result: dict[str, Any] = {}
    for key, value_node in node.value.items():
        if key not in KEYS:
            continue
        if value_node.is_mapping or value_node.is_list:
            add(value_node.line, value_node.column, f"{key} must be a single value, not {yamlsrc.kind(value_node)}")
            continue
        try:
            result[key] = parse_value(key, value_node.value)
        except ValueError as exc:
            message = str(exc)
            add(value_node.line, value_node.column, message if message.startswith(key) else f"{key}: {message}")
    return result


def load_file(path: Path, display: str | None = None) -> Layer:
    """Load a pacing file: YAML with the keys of a routine's `pacing:` block."""
    display = display if display is not None else str(path)
    problems: list[Problem] = []
    root = yamlsrc.load(path, display, problems)
    values = parse_node(root, display, problems) if root is not None else {}
    if problems:
        raise ValidationError(problems)
    return Layer(f"pacing file {display}", values)


def resolve(layers: list[Layer]) -> tuple[Pacing, dict[str, str]]:
    """Combine layers, highest precedence first, over the preset and built-in defaults.

    Return the pacing and, for each setting, where its value came from.
    """
    sources: dict[str, str] = {"preset": "default"}
    preset = DEFAULT_PRESET
    for layer in layers:
        if "preset" in layer.values:
            preset, sources["preset"] = layer.values["preset"], layer.source
            break
    values: dict[str, Any] = {"preset": preset}
    defaults = Pacing()
    for key in KEYS:
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
    fixed = frozenset(key for key, source in sources.items() if source.startswith(USER_SOURCES))
    return Pacing(**values, fixed=fixed), sources
