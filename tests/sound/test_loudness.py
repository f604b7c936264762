"""Loudness on target, peaks held, lines consistent, joints quiet: measured on the real MP3."""

from __future__ import annotations

import json

import numpy as np
import pytest
from audiocheck import ebur128
from conftest import run_cli
from musicfiles import write_wav

from pilates_audio.sound.decoding import decode
from pilates_audio.speech import levels

pytestmark = pytest.mark.ffmpeg

SESSION = """
title: Loudness Check
intro: This session checks that every line sounds equally loud, and not too loud.
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
exercises:
  - name: Swimming
    setup: Lie on your front and reach your arms and legs long.
    cues: [Flutter the arms and legs., Keep the neck long and the gaze down.]
    reps: 4
    rest: 1 breath
  - name: Teaser
    hold: 3 breaths
    cues: [Balance on the sitting bones.]
outro: That is all. Thank you for practising today.
"""


@pytest.fixture(scope="module", params=[-19.0, -23.0])
def rendered(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("loud")
    (folder / "loud.yaml").write_text(SESSION, encoding="utf-8")
    result = run_cli("render", folder / "loud.yaml", "-o", folder, "--loudness", str(request.param))
    assert result.code == 0, result.stderr
    data = json.loads((folder / "loud.json").read_text(encoding="utf-8"))
    return request.param, folder / "loud.mp3", data


def test_integrated_loudness_is_on_target(rendered):
    target, mp3, _ = rendered
    integrated, _ = ebur128(mp3)
    assert abs(integrated - target) <= 0.5, integrated


def test_true_peak_stays_under_minus_one(rendered):
    _, mp3, _ = rendered
    _, peak = ebur128(mp3)
    assert peak <= -1.0, peak


def test_no_sample_clips(rendered):
    _, mp3, _ = rendered
    samples = np.frombuffer(decode(mp3), "<i2")
    assert np.abs(samples.astype(np.int32)).max() < 32000


def test_every_line_is_about_as_loud_as_the_others(rendered):
    target, mp3, data = rendered
    pcm = decode(mp3)
    loudness = []
    for cue in data["cues"]:
        if cue["kind"] == "speech" and cue["end"] - cue["start"] >= 1.0:
            a, b = int(cue["start"] * 44100), int(cue["end"] * 44100)
            window = pcm[a * 2:b * 2]
            loudness.append(levels.clip_loudness(levels.profile(window), len(window) // 2))
    assert len(loudness) >= 6
    assert max(loudness) - min(loudness) <= 3.0, loudness
    assert abs(float(np.mean(loudness)) - target) <= 2.0, loudness


def test_lines_start_and_end_quietly_so_joints_never_click(tmp_path):
    from pilates_audio import render, speech
    from pilates_audio.format import routine
    from pilates_audio.sound.levelling import level
    from pilates_audio.sound.sounds import Sounds

    path = tmp_path / "r.yaml"
    path.write_text(SESSION, encoding="utf-8")
    loaded = routine.load(path)
    pacing, _ = render.effective_pacing(loaded, {"breath_cues": "tone"})
    voices = speech.Speech(pacing.voice, pacing.rate, engine="pyttsx3")
    plan, _ = render.exact_script(loaded, pacing, voices)
    sounds = Sounds(voices)
    for (kind, text), gain in level(plan, sounds).items():
        pcm = sounds.levelled((kind, text), gain)
        samples = np.abs(np.frombuffer(pcm, "<i2").astype(np.int32))
        assert samples[0] < 300 and samples[-1] < 300, (kind, text, samples[0], samples[-1])
        assert len(pcm) // 2 == (voices.length(text) if kind == "speech" else round(0.25 * 44100))


def test_ffmpegs_meter_reads_a_reference_tone_right(tmp_path):
    # The measure every loudness test relies on, against BS.1770's reference: a 997 Hz sine
    # at -20 dBFS is -23.0 LUFS, and its true peak is -20 dBTP.
    t = np.arange(44100 * 5) / 44100
    integrated, peak = ebur128(write_wav(tmp_path / "reference.wav", 0.1 * np.sin(2 * np.pi * 997 * t), channels=1))
    assert abs(integrated - (-23.0)) <= 0.1, integrated
    assert abs(peak - (-20.0)) <= 0.1, peak


def test_the_meter_reads_a_reference_tone_right():
    # A 997 Hz sine at -20 dBFS reads -23.0 LUFS (BS.1770: a full-scale sine is -3.01 LUFS).
    t = np.arange(44100 * 5) / 44100
    pcm = levels.to_pcm(0.1 * np.sin(2 * np.pi * 997 * t))
    assert abs(levels.integrated(levels.profile(pcm)) - (-23.0)) <= 0.05


def test_the_limiter_holds_the_ceiling_and_leaves_the_rest_alone():
    t = np.arange(44100 * 2) / 44100
    x = 0.1 * np.sin(2 * np.pi * 440 * t)
    x[44100:44541] *= 3
    y = levels.limit(x, 0.12)
    assert np.abs(y).max() <= 0.12 + 1e-12
    assert np.allclose(y[:40000], x[:40000]) and len(y) == len(x)
