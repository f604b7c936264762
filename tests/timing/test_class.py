"""A classical mat class with every narration key, rendered and measured, on each engine."""

from __future__ import annotations

import json

import audiocheck
import pytest
from checks import (FRAME_TOLERANCE, assert_breath_counts_exact, assert_chapters, assert_cues_inside_their_work,
                    assert_pulses_on_their_subdivisions, assert_tiles, assert_tied_cues_in_their_phases)
from conftest import run_cli

from pilates_audio.format import routine
from pilates_audio.speech import piper_engine

CLASS = """\
title: Classical Mat
pacing: {{engine: {engine}, breath_cues: {cues}}}
intro: A short classical mat class. Stop if anything hurts.
sections:
  - name: Warm-up
    exercises:
      - name: The Hundred
        setup: Lie on your back, head and shoulders curled up, arms long by your sides.
        work: 4 breaths
        pulses: 5
      - name: Roll up
        setup: Lie long, arms reaching overhead.
        reps: 3
        pacing: {{inhale: 3s, exhale: 6s}}
        cues:
          - {{say: Reach for the ceiling., on: inhale}}
          - {{say: Peel up one bone at a time., on: exhale}}
  - name: Main
    exercises:
      - name: Leg circles
        setup: One leg to the ceiling.
        reps: 3
        reverse: true
        sides: both
        switch: 5s
      - name: Saw
        setup: Sit tall, legs wide, arms out.
        reps: 4
        sides: alternate
  - name: Circuit
    rounds: 2
    exercises:
      - name: Flutter kicks
        work: 20s
        cues: [Small, quick kicks.]
      - name: Swan
        hold: 2 breaths
        rest: 0-1 breaths
outro: Well done.
"""
ENGINES = ["pyttsx3", pytest.param("piper", marks=[pytest.mark.slow, pytest.mark.skipif(
    piper_engine.Engine().missing() is not None, reason="the piper extra is not installed")])]


@pytest.fixture(scope="module", params=ENGINES)
def rendered(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    out = {}
    for cues in ("voice", "tone"):
        path = folder / f"class-{cues}.yaml"
        path.write_text(CLASS.format(engine=request.param, cues=cues), encoding="utf-8")
        result = run_cli("render", path, "-o", folder / "out", "-q")
        assert result.code == 0, result.stderr
        assert result.stderr == ""  # nothing is too long for its moment
        data = json.loads((folder / "out" / f"class-{cues}.json").read_text(encoding="utf-8"))
        out[cues] = routine.load(path), data, audiocheck.load(folder / "out" / f"class-{cues}.mp3")
    return out


@pytest.mark.parametrize("cues", ["voice", "tone"])
def test_the_class_keeps_its_times_cues_and_pulses(rendered, cues):
    loaded, data, pcm = rendered[cues]
    assert abs(len(pcm) / 2 / audiocheck.RATE - data["duration"]) <= 0.001
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded, FRAME_TOLERANCE)
    assert_chapters(data, loaded)
    assert_tied_cues_in_their_phases(data, loaded, FRAME_TOLERANCE)
    assert_cues_inside_their_work(data, loaded, FRAME_TOLERANCE)
    assert_pulses_on_their_subdivisions(data, loaded, 0.03)
    work = [c for c in data["cues"] if c["part"] == "work" and c["kind"] == "speech"]
    assert work and not [c for c in work if "hold" in c["text"].lower()]
    assert data["exercise_pacing"]["Roll up"]["breath"] == 9.0


@pytest.mark.parametrize("cues", ["voice", "tone"])
def test_the_class_sounds_where_its_script_says(rendered, cues):
    _, data, pcm = rendered[cues]
    for cue in data["cues"]:
        if cue["kind"] == "speech":
            assert audiocheck.rms(pcm, cue["start"] + 0.01, cue["end"] - 0.01) > 300, cue
        elif cue["kind"] == "tone":
            assert audiocheck.peak(pcm, cue["start"], cue["end"]) > 1000, cue  # the tick too
        elif cue["end"] - cue["start"] > 0.2:
            assert audiocheck.peak(pcm, cue["start"] + 0.06, cue["end"] - 0.06) < 150, cue


def test_the_class_in_rounds_and_sides(rendered):
    _, data, _ = rendered["voice"]
    titles = [c["title"] for c in data["chapters"]]
    assert titles[:3] == ["Introduction", "Warm-up", "The Hundred"]
    assert "Circuit, round 2" in titles and "Swan, round 2" in titles
    said = [c["text"] for c in data["cues"] if c["kind"] == "speech"]
    assert said.count("Now reverse the direction.") == 2
    assert "One, left, inhale." in said and "Two, right, inhale." in said
    assert "Round two of two." in said and "Section three: Circuit." in said


def test_each_guidance_level_says_less_in_the_class(tmp_path):
    path = tmp_path / "class.yaml"
    path.write_text(CLASS.format(engine="pyttsx3", cues="voice"), encoding="utf-8")
    counts = []
    for level in ("full", "standard", "minimal"):
        result = run_cli("script", path, "--json", "--guidance", level)
        assert result.code == 0, result.stderr
        data = json.loads(result.stdout)
        counts.append(sum(c["kind"] == "speech" for c in data["cues"]))
    assert counts[0] > counts[1] > counts[2], counts
