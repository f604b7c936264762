import pytest

from pilates_audio.pacing import Layer, Pacing, parse_value, resolve
from pilates_audio.units import Duration


@pytest.mark.parametrize(
    "preset, inhale, exhale, rate, transition",
    [("gentle", 5, 5, 140, 6), ("standard", 4, 4, 155, 4), ("brisk", 3, 3, 170, 2)],
)
def test_presets_set_breath_rate_and_transition(preset, inhale, exhale, rate, transition):
    pacing, sources = resolve([Layer("routine", {"preset": preset})])
    assert (pacing.inhale, pacing.exhale, pacing.rate, pacing.transition_seconds) == (inhale, exhale, rate, transition)
    assert sources["inhale"] == f"preset {preset}"


def test_defaults_are_the_standard_preset():
    pacing, sources = resolve([])
    assert pacing == Pacing(preset="standard", inhale=4.0, exhale=4.0, rate=155, transition=Duration(4, "s"))
    assert sources["preset"] == "default"
    assert pacing.voice is None and sources["voice"] == "default"


@pytest.mark.parametrize(
    "key, flag_value, routine_value",
    [("inhale", 6.0, 5.0), ("exhale", 7.0, 5.0), ("rate", 180, 130), ("voice", "en-us", "en-gb"),
     ("transition", Duration(1, "s"), Duration(8, "s"))],
)
def test_a_flag_beats_the_routine_which_beats_the_preset(key, flag_value, routine_value):
    routine = Layer("routine", {"preset": "gentle", key: routine_value})
    flag = Layer("flag", {key: flag_value})
    both, sources = resolve([flag, routine])
    assert getattr(both, key) == flag_value and sources[key] == "flag"
    routine_only, sources = resolve([Layer("flag", {}), routine])
    assert getattr(routine_only, key) == routine_value and sources[key] == "routine"


def test_a_flag_preset_replaces_the_routine_preset_but_not_its_explicit_values():
    routine = Layer("routine", {"preset": "gentle", "inhale": 6.0})
    pacing, sources = resolve([Layer("flag", {"preset": "brisk"}), routine])
    assert pacing.preset == "brisk" and sources["preset"] == "flag"
    assert pacing.inhale == 6.0 and sources["inhale"] == "routine"
    assert pacing.exhale == 3.0 and sources["exhale"] == "preset brisk"
    assert pacing.rate == 170


def test_a_transition_in_breaths_follows_the_breath():
    pacing, _ = resolve([Layer("routine", {"inhale": 5.0, "exhale": 5.0, "transition": Duration(0.5, "breaths")})])
    assert pacing.transition_seconds == 5.0


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("preset", "slow", "unknown preset 'slow'; choose one of: gentle, standard, brisk"),
        ("rate", 20, "rate 20 is out of range; use 60 to 450 words per minute"),
        ("rate", "fast", "rate must be a number of words per minute (60 to 450)"),
        ("inhale", "2 breaths", "'2 breaths' cannot be counted in breaths; use seconds (4s)"),
        ("voice", "", "voice must be a voice id as text; `pilates-audio voices` lists them"),
    ],
)
def test_bad_pacing_values_are_explained(key, value, message):
    with pytest.raises(ValueError) as info:
        parse_value(key, value)
    assert str(info.value) == message
