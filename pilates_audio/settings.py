"""Pacing settings, their presets, and the order in which they override each other."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Mapping

from pilates_audio import engines, languages
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
USER_SOURCES = ("flag", "pacing file", "studio")  # settings from these beat an exercise's own
MIN_RATE, MAX_RATE = 60, 450
MAX_COUNTDOWN = 10


class SettingKind(Enum):
    """What a setting's value is, which says how it is parsed, offered as a flag and described in the schema."""

    SECONDS = "seconds"  # a time in seconds, not breaths (4, 4s, 1m); within low to high where those are given
    DURATION = "duration"  # seconds or breaths (6s, 1 breath); zero allowed
    NUMBER = "number"  # a number, or one written as text, from low to high; whole where the default is
    COUNT = "count"  # a whole number written as one, at least low (and at most high, where given)
    FLAG = "flag"  # true or false (yes, no, on, off)
    CHOICE = "choice"  # one of the choices
    TEXT = "text"  # text that is not blank, kept without its surrounding spaces
    LANGUAGE = "language"  # a BCP 47 tag with a phrasebook


@dataclass(frozen=True)
class Setting:
    """One pacing setting: what it takes, its default, and the sentence that explains it everywhere it is shown."""

    name: str
    kind: SettingKind
    default: Any
    help: str  # one sentence: the flag's help and the schema's description are made from it
    group: str  # the heading its flag is listed under in a command's help
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str = ""  # what a number counts ("s", "dB"); the schema names it after the range
    metavar: str | None = None  # the flag's placeholder where the kind's is not the one to show
    flag: str | None = None  # the flag's spelling where it is not the name with dashes
    exercise: bool = False  # an exercise's own pacing block may set it: its tempo and how it is narrated
    default_in_help: bool = False  # its flag's help ends with "(default: …)"
    refusal: str = ""  # the message for a bad value, where the kind's is not right; {value} is the value
    out_of_range: str = ""  # the message for a number outside low to high, where it is not the refusal

    @property
    def option(self) -> str:
        """Return the flag's name: --name-with-dashes unless the setting has its own."""
        return self.flag or f"--{self.name.replace('_', '-')}"

    @property
    def placeholder(self) -> str | None:
        """Return what the flag's help shows for its value (None for choices and on/off flags)."""
        kinds = {SettingKind.SECONDS: "SECONDS", SettingKind.DURATION: "DURATION", SettingKind.COUNT: "N",
                 SettingKind.NUMBER: self.unit}
        return self.metavar or kinds.get(self.kind)

    def refuse(self, value: Any) -> str:
        """Return the message for a value this setting does not take."""
        if self.refusal:
            return self.refusal.format(value=value)
        if self.kind is SettingKind.CHOICE:
            return f"{self.name} must be one of: {', '.join(self.choices)}"
        if self.kind is SettingKind.SECONDS:
            return f"{self.name} must be a time from {self.low:g}s to {self.high:g}s"
        return f"{self.name} must be a number of {self.unit} from {self.low:g} to {self.high:g}"

    def shown(self, value: Any) -> str:
        """Write a value of this setting as a person would type it."""
        if self.kind is SettingKind.FLAG:
            return "on" if value else "off"
        if self.kind is SettingKind.SECONDS:
            return f"{value:g}s"
        return f"{value:g}" if self.kind is SettingKind.NUMBER else str(value)

    @property
    def flag_help(self) -> str:
        """Return the flag's help: the sentence, with the default where the setting shows it."""
        return f"{self.help[:-1]} (default: {self.shown(self.default)})." if self.default_in_help else self.help

    @property
    def range_text(self) -> str:
        """Return the range a number takes as the schema says it, (0 to 5 s): the unit unless the sentence ends so."""
        unit = f" {self.unit}" if self.unit and not self.help[:-1].endswith(f" {self.unit}") else ""
        return f" ({self.low:g} to {self.high:g}{unit})"


PACING, VOICE, LENGTH, MUSIC = "Pacing", "Voice", "Length", "Music"  # the headings the flags are listed under
# Every setting, in the order its flag is listed in a command's help. The Pacing dataclass lists them in the
# order of the timed script's pacing object.
SETTINGS: dict[str, Setting] = {row.name: row for row in (
    Setting("preset", SettingKind.CHOICE, DEFAULT_PRESET,
            "Starting values for breath length, speech rate and transitions.", PACING, choices=tuple(PRESETS),
            flag="--pace", default_in_help=True,
            refusal=f"unknown preset '{{value}}'; choose one of: {', '.join(PRESETS)}"),
    Setting("inhale", SettingKind.SECONDS, 4.0, "Length of an inhale, in seconds.", PACING, exercise=True),
    Setting("exhale", SettingKind.SECONDS, 4.0, "Length of an exhale, in seconds.", PACING, exercise=True),
    Setting("transition", SettingKind.DURATION, Duration(4.0, "s"),
            "Pause between exercises and between sides: seconds or breaths; 0s for none.", PACING),
    Setting("breath_cues", SettingKind.CHOICE, "voice",
            "Mark each inhale and exhale with words, a soft tone, or nothing.", PACING, choices=BREATH_CUES,
            exercise=True),
    Setting("breath_cues_every", SettingKind.COUNT, 1, "Name the first breath of each part, then every Nth "
            "(1: every breath; the gentle preset: 3). Tones still mark every phase.", PACING, low=1, exercise=True,
            refusal="breath_cues_every must be a whole number, at least 1 (1: every breath)"),
    Setting("count_reps", SettingKind.FLAG, True, "Say each rep's number.", PACING, exercise=True,
            default_in_help=True),
    Setting("countdown", SettingKind.COUNT, 3, "Seconds counted down into a hold; 0 turns it off.", PACING, low=0,
            high=MAX_COUNTDOWN, exercise=True, default_in_help=True,
            refusal=f"countdown must be a whole number from 0 (off) to {MAX_COUNTDOWN}"),
    Setting("halfway", SettingKind.FLAG, True, 'Say "Halfway." in holds of 30 seconds or more.', PACING, exercise=True,
            default_in_help=True),
    Setting("announce_next", SettingKind.FLAG, True, "Name the next exercise in rests and transitions.", PACING,
            default_in_help=True),
    Setting("guidance", SettingKind.CHOICE, "standard", "How much is said: full; standard (no breath words in "
            "rests, no next-up just before the exercise); minimal (names, counts, what is needed to follow).", PACING,
            choices=GUIDANCE),
    Setting("engine", SettingKind.CHOICE, engines.AUTO, "Speech engine: piper (neural voices), pyttsx3, or auto "
            "(piper when a Piper voice is installed, else pyttsx3).", VOICE, choices=(engines.AUTO, *engines.NAMES)),
    Setting("voice", SettingKind.TEXT, None, "A voice of the engine: an id from `pilates-audio voices`, or a Piper "
            ".onnx model.", VOICE, metavar="ID",
            refusal="voice must be a voice id as text; `pilates-audio voices` lists them"),
    Setting("language", SettingKind.LANGUAGE, languages.DEFAULT,
            "The session's language, a BCP 47 tag such as de, es or pt-BR.", VOICE, metavar="TAG",
            default_in_help=True, refusal="language must be a language tag such as de, es or pt-BR"),
    Setting("rate", SettingKind.NUMBER, 155, "Speech rate in words per minute.", VOICE, low=MIN_RATE, high=MAX_RATE,
            unit="words per minute", metavar="WPM",
            refusal=f"rate must be a number of words per minute ({MIN_RATE} to {MAX_RATE})",
            out_of_range=f"rate {{value}} is out of range; use {MIN_RATE} to {MAX_RATE} words per minute"),
    Setting("min_phase", SettingKind.SECONDS, 2.5, "Shortest inhale or exhale that --length may choose.", LENGTH,
            default_in_help=True),
    Setting("max_phase", SettingKind.SECONDS, 8.0, "Longest inhale or exhale that --length may choose.", LENGTH,
            default_in_help=True),
    # The music bed's (see beds.Ducking).
    Setting("music_level", SettingKind.NUMBER, -14.0, "Loudness of the music relative to the speech.", MUSIC,
            low=-40.0, high=0.0, unit="LU", default_in_help=True),
    Setting("duck", SettingKind.NUMBER, 12.0, "How much lower the music is under speech and tones.", MUSIC,
            low=0.0, high=40.0, unit="dB", default_in_help=True),
    Setting("duck_attack", SettingKind.SECONDS, 0.3, "How long the music ramps down before speech.", MUSIC,
            low=0.0, high=5.0, unit="s", default_in_help=True),
    Setting("duck_release", SettingKind.SECONDS, 0.6, "How long the music ramps back up after speech.", MUSIC,
            low=0.0, high=10.0, unit="s", default_in_help=True),
    Setting("music_fade", SettingKind.SECONDS, 3.0, "Fade-in at the start and fade-out at the end of the music.", MUSIC,
            low=0.0, high=60.0, unit="s", default_in_help=True),
)}


def _default(name: str) -> Any:
    """Return a setting's default, for the dataclass's fields."""
    return SETTINGS[name].default


@dataclass(frozen=True)
class Pacing:
    """The effective pacing of one session."""

    preset: str = _default("preset")
    inhale: float = _default("inhale")
    exhale: float = _default("exhale")
    rate: int = _default("rate")
    transition: Duration = _default("transition")
    engine: str = _default("engine")
    voice: str | None = _default("voice")
    language: str = _default("language")  # a BCP 47 tag, as given (en-GB); its phrasebook is the language's
    breath_cues: str = _default("breath_cues")
    breath_cues_every: int = _default("breath_cues_every")  # name the first breath of a part, then every Nth
    count_reps: bool = _default("count_reps")
    countdown: int = _default("countdown")
    halfway: bool = _default("halfway")
    announce_next: bool = _default("announce_next")
    guidance: str = _default("guidance")
    min_phase: float = _default("min_phase")
    max_phase: float = _default("max_phase")
    music_level: float = _default("music_level")
    duck: float = _default("duck")
    duck_attack: float = _default("duck_attack")
    duck_release: float = _default("duck_release")
    music_fade: float = _default("music_fade")
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
        data = {key: getattr(self, key) for key in KEYS if music or SETTINGS[key].group != MUSIC}
        data["transition"] = round(self.transition_seconds, 3)
        data["breath"] = self.breath
        return data


KEYS = tuple(spec.name for spec in fields(Pacing) if spec.name not in ("fixed", "tempo"))
# What one exercise's own pacing block may set, in the timed script's order.
EXERCISE_KEYS = tuple(key for key in KEYS if SETTINGS[key].exercise)


@dataclass(frozen=True)
class Layer:
    """Settings from one source (a flag, a file, a routine), already parsed."""

    source: str
    values: Mapping[str, Any]


def _seconds(setting: Setting, value: Any) -> float:
    if setting.low is None:
        return parse_duration(value, breaths_allowed=False).amount
    try:
        number: float | None = parse_duration(value, breaths_allowed=False, zero_allowed=True).amount
    except ValueError:
        number = None
    if number is None or not setting.low <= number <= setting.high:
        raise ValueError(setting.refuse(value))
    return number


def _duration(setting: Setting, value: Any) -> Duration:
    return parse_duration(value, zero_allowed=True)


def _number(setting: Setting, value: Any) -> float | int:
    # A number written as text counts: a flag's value always is text.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(setting.refuse(value))
    try:
        number = float(value)
    except ValueError:
        raise ValueError(setting.refuse(value)) from None
    if not setting.low <= number <= setting.high:  # not a finite number either
        raise ValueError(setting.out_of_range.format(value=value) if setting.out_of_range else setting.refuse(value))
    return int(round(number)) if isinstance(setting.default, int) else number


def _count(setting: Setting, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < setting.low or (
            setting.high is not None and value > setting.high):
        raise ValueError(setting.refuse(value))
    return value


def _flag(setting: Setting, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "false", "no", "off"):
        return value.lower() in ("true", "yes", "on")
    raise ValueError(f"{setting.name} must be true or false")


def _choice(setting: Setting, value: Any) -> str:
    if value not in setting.choices:
        raise ValueError(setting.refuse(value))
    return value


def _text(setting: Setting, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(setting.refuse(value))
    return value.strip()


def _language(setting: Setting, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(setting.refuse(value))
    languages.resolve(value)  # a language with no phrasebook is refused, with the list of those shipped
    return languages.normalize(value)


PARSERS: dict[SettingKind, Callable[[Setting, Any], Any]] = {
    SettingKind.SECONDS: _seconds, SettingKind.DURATION: _duration, SettingKind.NUMBER: _number,
    SettingKind.COUNT: _count, SettingKind.FLAG: _flag, SettingKind.CHOICE: _choice, SettingKind.TEXT: _text,
    SettingKind.LANGUAGE: _language,
}


def parse_value(key: str, value: Any) -> Any:
    """Parse one pacing value, raising ValueError with a message fit for a person."""
    setting = SETTINGS[key]  # KeyError for a key that is not a setting
    return PARSERS[setting.kind](setting, value)


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
