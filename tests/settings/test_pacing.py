import pytest

from pilates_audio.format import Duration
from pilates_audio.settings import Layer, Pacing, parse_value, resolve


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
        ("breath_cues_every", 0, "breath_cues_every must be a whole number, at least 1 (1: every breath)"),
        ("breath_cues_every", 2.5, "breath_cues_every must be a whole number, at least 1 (1: every breath)"),
        ("breath_cues_every", True, "breath_cues_every must be a whole number, at least 1 (1: every breath)"),
        ("breath_cues_every", "3", "breath_cues_every must be a whole number, at least 1 (1: every breath)"),
    ],
)
def test_bad_pacing_values_are_explained(key, value, message):
    with pytest.raises(ValueError) as info:
        parse_value(key, value)
    assert str(info.value) == message


# Every key through every layer: flag > pacing file > routine > preset > default.
LAYERED = [
    # key, in the routine, in the pacing file, as a flag (parsed), and the YAML for each
    ("inhale", "5s", "6s", 7.0),
    ("exhale", "5s", "6s", 7.0),
    ("rate", 130, 140, 180),
    ("transition", "8s", "1 breath", Duration(2, "s")),
    ("voice", "en-gb", "en-us", "en-gb-scotland"),
    ("breath_cues", "tone", "silent", "voice"),
    ("breath_cues_every", 2, 4, 5),
    ("count_reps", False, True, False),
    ("countdown", 5, 0, 2),
    ("halfway", False, True, False),
    ("announce_next", False, True, False),
    ("min_phase", "2s", "3s", 1.5),
    ("max_phase", "9s", "10s", 12.0),
]


@pytest.mark.parametrize("key, in_routine, in_file, as_flag", LAYERED)
def test_every_key_follows_the_precedence(key, in_routine, in_file, as_flag, tmp_path):
    import yaml

    from pilates_audio import render
    from pilates_audio.format import routine
    from pilates_audio.settings import load_file

    routine_path = tmp_path / "r.yaml"
    routine_path.write_text(yaml.safe_dump({"title": "T", "pacing": {"preset": "gentle", key: in_routine},
                                            "exercises": [{"name": "A", "reps": 1}]}))
    bare_path = tmp_path / "bare.yaml"
    bare_path.write_text(yaml.safe_dump({"title": "T", "pacing": {"preset": "gentle"},
                                         "exercises": [{"name": "A", "reps": 1}]}))
    file_path = tmp_path / "p.yaml"
    file_path.write_text(yaml.safe_dump({key: in_file}))
    loaded, bare, layer = routine.load(routine_path), routine.load(bare_path), load_file(file_path)

    pacing, sources = render.effective_pacing(loaded, {key: as_flag}, layer)
    assert getattr(pacing, key) == as_flag and sources[key] == "flag"
    pacing, sources = render.effective_pacing(loaded, {key: None}, layer)
    assert getattr(pacing, key) == parse_value(key, in_file) and sources[key] == f"pacing file {file_path}"
    pacing, sources = render.effective_pacing(loaded, {}, None)
    assert getattr(pacing, key) == parse_value(key, in_routine) and sources[key] == "routine"
    pacing, sources = render.effective_pacing(bare, {}, None)
    gentle = {"inhale": 5.0, "exhale": 5.0, "rate": 140, "transition": Duration(6, "s"), "breath_cues_every": 3}
    if key in gentle:
        assert getattr(pacing, key) == gentle[key] and sources[key] == "preset gentle"
    else:
        assert getattr(pacing, key) == getattr(Pacing(), key) and sources[key] == "default"


def test_a_pacing_file_preset_beats_the_routine_preset(tmp_path):
    from pilates_audio.settings import load_file

    path = tmp_path / "p.yaml"
    path.write_text("preset: brisk\n")
    pacing, sources = resolve([Layer("flag", {}), load_file(path), Layer("routine", {"preset": "gentle"})])
    assert pacing.preset == "brisk" and pacing.inhale == 3.0 and sources["inhale"] == "preset brisk"


def test_a_bad_pacing_file_is_reported_with_its_places(tmp_path):
    from pilates_audio.errors import ValidationError
    from pilates_audio.settings import load_file

    path = tmp_path / "p.yaml"
    path.write_text("inhail: 5s\nbreath_cues: loud\ncountdown: -1\n")
    with pytest.raises(ValidationError) as info:
        load_file(path, "p.yaml")
    assert [str(p) for p in info.value.problems] == [
        "p.yaml:1:1: unknown key 'inhail'; did you mean 'inhale'?",
        "p.yaml:2:14: breath_cues must be one of: voice, tone, silent",
        "p.yaml:3:12: countdown must be a whole number from 0 (off) to 10",
    ]


def test_the_pacing_command_shows_values_and_their_sources(tmp_path):
    from conftest import run_cli

    routine_path = tmp_path / "r.yaml"
    routine_path.write_text("title: T\npacing: {preset: gentle, exhale: 6s}\nexercises: [{name: A}]\n")
    file_path = tmp_path / "p.yaml"
    file_path.write_text("transition: 1 breath\nbreath_cues: tone\n")
    result = run_cli("pacing", routine_path, "--pacing", file_path, "--rate", "120", "--no-halfway")
    assert result.code == 0
    rows = {line.split()[0]: line.split(None, 1)[1] for line in result.stdout.splitlines()}
    assert rows["preset"].split() == ["gentle", "routine"]
    assert rows["inhale"].split() == ["5s", "preset", "gentle"]
    assert rows["exhale"].split() == ["6s", "routine"]
    assert rows["rate"].split() == ["120", "flag"]
    assert rows["transition"].split()[:3] == ["11s", "(1", "breath)"]
    assert rows["transition"].endswith(f"pacing file {file_path}")
    assert rows["halfway"].split() == ["false", "flag"]
    assert rows["countdown"].split() == ["3", "default"]
    assert rows["breath_cues_every"].split() == ["3", "preset", "gentle"]
    flagged = run_cli("pacing", routine_path, "--breath-cues-every", "1")
    assert flagged.code == 0 and "breath_cues_every  1                   flag" in flagged.stdout
    refused = run_cli("pacing", routine_path, "--breath-cues-every", "0")
    assert refused.code == 2 and refused.stderr == (
        "error: Invalid value for '--breath-cues-every': breath_cues_every must be a whole number, at least 1 "
        "(1: every breath) (see `pilates-audio pacing --help`)\n")
    assert rows["breath"] == "11s"
    bad = run_cli("pacing", "--pacing", tmp_path / "missing.yaml")
    assert bad.code == 2 and bad.stderr.startswith(f"{tmp_path / 'missing.yaml'}:1:1: no such file")
