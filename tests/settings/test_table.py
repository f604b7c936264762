"""The table of settings: the dataclass, the parser, the flags, the schema and the docs all say what it says."""

import re
from dataclasses import fields
from pathlib import Path

import click
import pytest

from pilates_audio.cli import sessions
from pilates_audio.format import schema
from pilates_audio.settings import EXERCISE_KEYS, KEYS, MUSIC, SETTINGS, Pacing, SettingKind, parse_value

DOCS = Path(__file__).parents[2] / "docs" / "routine-format.md"


def test_the_dataclass_has_a_field_for_each_setting_with_its_default():
    names = [spec.name for spec in fields(Pacing) if spec.name not in ("fixed", "tempo")]
    assert sorted(names) == sorted(SETTINGS) and list(KEYS) == names
    assert all(getattr(Pacing(), key) == SETTINGS[key].default for key in KEYS)


def test_exercises_may_set_their_tempo_and_narration():
    assert EXERCISE_KEYS == ("inhale", "exhale", "breath_cues", "breath_cues_every", "count_reps", "countdown",
                             "halfway")


def test_every_setting_has_one_sentence_of_help():
    for setting in SETTINGS.values():
        assert setting.help[0].isupper() and setting.help.endswith("."), setting.name


@pytest.mark.parametrize("key, value, message", [
    ("music_level", 5, "music_level must be a number of LU from -40 to 0"),
    ("music_level", "loud", "music_level must be a number of LU from -40 to 0"),
    ("duck", float("inf"), "duck must be a number of dB from 0 to 40"),
    ("duck_attack", "6s", "duck_attack must be a time from 0s to 5s"),
    ("music_fade", "2 breaths", "music_fade must be a time from 0s to 60s"),
    ("rate", float("nan"), "rate nan is out of range; use 60 to 450 words per minute"),
    ("countdown", 11, "countdown must be a whole number from 0 (off) to 10"),
    ("countdown", "3", "countdown must be a whole number from 0 (off) to 10"),
    ("engine", "espeak", "engine must be one of: auto, pyttsx3, piper"),
    ("guidance", "some", "guidance must be one of: full, standard, minimal"),
    ("breath_cues", None, "breath_cues must be one of: voice, tone, silent"),
    ("halfway", "maybe", "halfway must be true or false"),
    ("language", 3, "language must be a language tag such as de, es or pt-BR"),
])
def test_each_kind_refuses_a_bad_value_with_its_setting_message(key, value, message):
    with pytest.raises(ValueError) as info:
        parse_value(key, value)
    assert str(info.value) == message


@pytest.mark.parametrize("key, value, parsed", [
    ("rate", "150.6", 151), ("music_level", "-18", -18.0), ("duck_release", "0", 0.0), ("countdown", 0, 0),
    ("count_reps", "off", False), ("voice", " en-us ", "en-us"), ("language", "pt-br", "pt-BR"),
])
def test_each_kind_parses_what_it_takes(key, value, parsed):
    assert parse_value(key, value) == parsed and type(parse_value(key, value)) is type(parsed)


def test_a_key_that_is_not_a_setting_is_not_parsed():
    with pytest.raises(KeyError):
        parse_value("tempo", 1)


def _flags(command: click.Command) -> dict[str, click.Option]:
    return {param.name: param for param in command.params if isinstance(param, click.Option)}


def test_each_setting_is_a_flag_of_the_pacing_command_with_its_sentence():
    flags = _flags(sessions.pacing_command)
    for setting in SETTINGS.values():
        flag = flags[setting.name]
        assert flag.opts[0] == setting.option and flag.default is None and flag.group == setting.group
        assert flag.help.startswith(setting.help[:-1])
    assert flags["preset"].opts == ["--pace"] and flags["count_reps"].secondary_opts == ["--no-count-reps"]
    assert flags["music_fade"].help == "Fade-in at the start and fade-out at the end of the music (default: 3s)."


def test_render_and_script_have_the_pacing_flags_and_only_render_the_music_ones():
    for command in (sessions.render_command, sessions.script):
        flags = _flags(command)
        assert all(key in flags for key in SETTINGS if SETTINGS[key].group != MUSIC)
    assert all(key in _flags(sessions.render_command) and key not in _flags(sessions.script)
               for key in SETTINGS if SETTINGS[key].group == MUSIC)


def test_the_flags_help_reads_as_it_is_pinned_here():
    from conftest import run_cli

    result = run_cli("pacing", "--help", env={"COLUMNS": "80"})
    assert result.code == 0
    assert result.stdout[result.stdout.index("Pacing options:"):] == PACING_HELP


def test_the_schema_describes_each_setting_as_the_table_does():
    properties = schema.build()["$defs"]["pacing"]["properties"]
    assert list(properties) == list(KEYS)
    for setting in SETTINGS.values():
        entry = properties[setting.name]
        if setting.kind is SettingKind.LANGUAGE:
            assert entry == {"$ref": "#/$defs/language"}
            continue
        assert entry["description"].startswith(setting.help[:-1])
    assert properties["duck_attack"]["description"] == "How long the music ramps down before speech (0 to 5 s)."
    assert properties["rate"]["description"] == "Speech rate in words per minute (60 to 450)."


def _typed(key: str) -> str | None:
    """Return a setting's default as a routine would write it."""
    setting, value = SETTINGS[key], SETTINGS[key].default
    if value is None:
        return None
    if setting.kind is SettingKind.FLAG:
        return "true" if value else "false"
    return setting.shown(value) if setting.kind in (SettingKind.SECONDS, SettingKind.NUMBER) else str(value)


def test_the_docs_table_has_a_row_for_each_setting_with_its_default():
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| key | what it is | default (standard preset) |"):]
    table = table[:table.index("\n\n")]
    documented = {}
    for row in table.splitlines()[2:]:
        keys, _, default = row.strip("|").split(" | ")
        values = re.findall(r"`([^`]*)`", default)
        for index, key in enumerate(re.findall(r"`(\w+)`", keys)):
            documented[key] = values[index] if index < len(values) else None
    assert sorted(documented) == sorted(SETTINGS)
    for key in SETTINGS:
        if _typed(key) is not None:
            assert documented[key] == _typed(key), key


PACING_HELP = """\
Pacing options:
  --pacing FILE                   A pacing file: YAML with the keys of a
                                  routine's pacing: block.
  --pace [gentle|standard|brisk]  Starting values for breath length, speech
                                  rate and transitions (default: standard).
  --inhale SECONDS                Length of an inhale, in seconds.
  --exhale SECONDS                Length of an exhale, in seconds.
  --transition DURATION           Pause between exercises and between sides:
                                  seconds or breaths; 0s for none.
  --breath-cues [voice|tone|silent]
                                  Mark each inhale and exhale with words, a
                                  soft tone, or nothing.
  --breath-cues-every N           Name the first breath of each part, then
                                  every Nth (1: every breath; the gentle
                                  preset: 3). Tones still mark every phase.
  --count-reps / --no-count-reps  Say each rep's number (default: on).
  --countdown N                   Seconds counted down into a hold; 0 turns it
                                  off (default: 3).  [0<=x<=10]
  --halfway / --no-halfway        Say "Halfway." in holds of 30 seconds or
                                  more (default: on).
  --announce-next / --no-announce-next
                                  Name the next exercise in rests and
                                  transitions (default: on).
  --guidance [full|standard|minimal]
                                  How much is said: full; standard (no breath
                                  words in rests, no next-up just before the
                                  exercise); minimal (names, counts, what is
                                  needed to follow).

Voice options:
  --engine [auto|pyttsx3|piper]   Speech engine: piper (neural voices),
                                  pyttsx3, or auto (piper when a Piper voice
                                  is installed, else pyttsx3).
  --voice ID                      A voice of the engine: an id from `pilates-
                                  audio voices`, or a Piper .onnx model.
  --language TAG                  The session's language, a BCP 47 tag such as
                                  de, es or pt-BR (default: en).
  --rate WPM                      Speech rate in words per minute.

Length options:
  --min-phase SECONDS             Shortest inhale or exhale that --length may
                                  choose (default: 2.5s).
  --max-phase SECONDS             Longest inhale or exhale that --length may
                                  choose (default: 8s).

Music options:
  --music-level LU                Loudness of the music relative to the speech
                                  (default: -14).
  --duck dB                       How much lower the music is under speech and
                                  tones (default: 12).
  --duck-attack SECONDS           How long the music ramps down before speech
                                  (default: 0.3s).
  --duck-release SECONDS          How long the music ramps back up after
                                  speech (default: 0.6s).
  --music-fade SECONDS            Fade-in at the start and fade-out at the end
                                  of the music (default: 3s).

Options:
  -h, --help                      Show this message and exit.
"""
