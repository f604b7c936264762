"""End to end: the real speech engine and real ffmpeg, the MP3 decoded and measured.

Each breath-cue mode is rendered the default way (from cached pieces); tone mode is
rendered with --sample-exact as well, so both ways of encoding meet the same checks.
"""

from __future__ import annotations

import json
import pytest
from conftest import run_cli

import audiocheck
from checks import (FRAME_TOLERANCE, TOLERANCE, assert_breath_counts_exact, assert_chapters, assert_counts_on_the_breath,
                    assert_tiles)
from pilates_audio.format import routine

pytestmark = pytest.mark.ffmpeg

SESSION = """
title: Measured Session
intro: A short session to measure.
pacing: {inhale: 1.5s, exhale: 1.5s, transition: 2s}
exercises:
  - name: Arm lift
    setup: Lie face down.
    cues: [Look down.]
    reps: 3
    hold_each: 1s
    rest: 1 breath
  - name: Side reach
    reps: 2
    breaths_per_rep: 1.5
    hold: 2 breaths
    sides: both
  - name: Still hold
    hold: 6s
    rest: 4s
outro: Well done.
"""


@pytest.fixture(scope="module", params=["voice", "tone", "silent", "tone --sample-exact"])
def rendered(request, tmp_path_factory):
    """Render one session per breath-cue mode (and one in a single pass) for all the checks below."""
    mode, *how = request.param.split()
    folder = tmp_path_factory.mktemp("render")
    source = folder / "measured.yaml"
    source.write_text(SESSION, encoding="utf-8")
    out = folder / "out"
    result = run_cli("render", source, "-o", out, "--breath-cues", mode, *how)
    assert result.code == 0, result.stderr
    data = json.loads((out / "measured.json").read_text(encoding="utf-8"))
    pcm = audiocheck.load(out / "measured.mp3")
    assert data["pacing"]["breath_cues"] == mode
    return result, out, routine.load(source), data, pcm


def tolerance(result) -> float:
    """How far a stretch between two sounds may be from its plan, for the way it was rendered."""
    return TOLERANCE if "--sample-exact" in result.args else FRAME_TOLERANCE


def after_silence(data: dict, cue: dict) -> bool:
    """Tell whether a cue follows a pause long enough to hear where it begins."""
    index = data["cues"].index(cue)
    before = data["cues"][index - 1]
    return before["kind"] == "pause" and before["end"] - before["start"] >= 0.06


def test_render_prints_one_line_per_session(rendered):
    result, out, _, data, _ = rendered
    minutes, seconds = divmod(round(data["duration"]), 60)
    assert result.stdout == f"{out / 'measured.mp3'}\t{minutes}:{seconds:02d}\n"


def test_outputs_are_named_after_the_routine_and_nothing_else_is_left(rendered):
    _, out, _, _, _ = rendered
    assert sorted(p.name for p in out.iterdir()) == [
        "measured.chapters.json", "measured.json", "measured.mp3", "measured.vtt"]


def test_the_mp3_lasts_what_the_script_says(rendered):
    _, _, _, data, pcm = rendered
    assert abs(len(pcm) / 2 / audiocheck.RATE - data["duration"]) <= 0.001


def test_the_script_keeps_the_contract(rendered):
    result, _, loaded, data, _ = rendered
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded, tolerance(result))
    assert_counts_on_the_breath(data, loaded, tolerance(result))
    assert_chapters(data, loaded)


def test_speech_is_where_the_script_says(rendered):
    _, _, _, data, pcm = rendered
    for cue in data["cues"]:
        if cue["kind"] == "speech":
            level = audiocheck.rms(pcm, cue["start"] + 0.01, cue["end"] - 0.01)
            assert level > 300, (cue, level)


def test_pauses_are_silent(rendered):
    _, _, _, data, pcm = rendered
    guard = 0.06  # MP3 smears a few milliseconds of a neighbouring word into the pause
    checked = 0
    for cue in data["cues"]:
        if cue["kind"] == "pause" and cue["end"] - cue["start"] > 3 * guard:
            level = audiocheck.peak(pcm, cue["start"] + guard, cue["end"] - guard)
            assert level < 150, (cue, level)
            checked += 1
    assert checked > 10


def test_each_rep_number_is_heard_as_its_rep_begins(rendered):
    _, _, loaded, data, pcm = rendered
    counts = [c for c in data["cues"] if c["part"] == "reps" and c["kind"] == "speech"
              and c["text"].split(",")[0].rstrip(".") in ("One", "Two", "Last one")]
    assert len(counts) == 3 + 2 * 2
    for cue in counts:
        if not after_silence(data, cue):
            assert data["pacing"]["breath_cues"] == "tone"  # a count follows its tone directly
            continue
        heard = audiocheck.onset(pcm, cue["start"] - 0.03)
        assert heard is not None and -0.01 <= heard - cue["start"] <= 0.05, (cue, heard)


def test_tones_rise_on_the_inhale_and_fall_on_the_exhale(rendered):
    _, _, _, data, pcm = rendered
    tones = [c for c in data["cues"] if c["kind"] == "tone"]
    if data["pacing"]["breath_cues"] != "tone":
        assert tones == []
        return
    assert len(tones) >= 2 * 3 + 2 * 2 * 2  # at least one of each phase per breath of reps and holds
    for cue in tones:
        middle = (cue["start"] + cue["end"]) / 2
        low_then_high = (audiocheck.crossings(pcm, cue["start"] + 0.02, middle - 0.02),
                         audiocheck.crossings(pcm, middle + 0.02, cue["end"] - 0.02))
        level = audiocheck.rms(pcm, cue["start"] + 0.02, cue["end"] - 0.02)
        assert 1000 < level < 4000, (cue, level)
        if cue["text"] == "inhale":
            assert low_then_high[1] > 1.3 * low_then_high[0], (cue, low_then_high)
        else:
            assert low_then_high[0] > 1.3 * low_then_high[1], (cue, low_then_high)
    # a tone at the start of every phase of a breath-paced part
    for part in ("reps", "hold"):
        starts = {round(c["start"], 3) for c in tones if c["part"] == part}
        firsts = [c["start"] for c in data["cues"] if c["part"] == part]
        assert round(firsts[0], 3) in starts


def test_spoken_breath_cues_are_heard_where_the_script_says(rendered):
    _, _, _, data, pcm = rendered
    spoken = [c for c in data["cues"] if c["kind"] == "speech" and c["text"] in ("Inhale.", "Exhale.")
              or c["kind"] == "speech" and c["text"].endswith((", inhale.", ", exhale."))]
    if data["pacing"]["breath_cues"] != "voice":
        assert spoken == []
        return
    assert len(spoken) >= 10
    for cue in (c for c in spoken if after_silence(data, c)):
        heard = audiocheck.onset(pcm, cue["start"] - 0.03)
        assert heard is not None and -0.01 <= heard - cue["start"] <= 0.05, (cue, heard)


def test_the_mp3_is_mono_44k_constant_bitrate_with_a_title(rendered):
    from mutagen.mp3 import MP3, BitrateMode

    _, out, _, _, _ = rendered
    mp3 = MP3(out / "measured.mp3")
    assert (mp3.info.sample_rate, mp3.info.channels, mp3.info.bitrate) == (44100, 1, 64000)
    assert mp3.info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    assert mp3.tags.version[:2] == (2, 3)
    assert str(mp3.tags["TIT2"]) == "Measured Session"


def test_a_second_render_uses_the_cache_and_gives_the_same_session(rendered, clip_cache):
    _, out, _, data, _ = rendered
    source = out.parent / "measured.yaml"
    before = sorted(p.stat().st_ino for p in clip_cache.rglob("*.clip"))
    again = out.parent / "again"
    result = run_cli("render", source, "-o", again, "-q", "--breath-cues", data["pacing"]["breath_cues"],
                     *rendered[0].args[rendered[0].args.index("--breath-cues") + 2:])
    assert result.code == 0 and result.stderr == ""
    assert sorted(p.stat().st_ino for p in clip_cache.rglob("*.clip")) == before
    assert json.loads((again / "measured.json").read_text()) == data


def test_bitrate_flag(rendered, tmp_path):
    from mutagen.mp3 import MP3

    _, out, _, _, _ = rendered
    result = run_cli("render", out.parent / "measured.yaml", "-o", tmp_path, "--bitrate", "96", "-q")
    assert result.code == 0
    assert MP3(tmp_path / "measured.mp3").info.bitrate == 96000


def test_the_instant_estimate_is_within_ten_percent_of_the_render(rendered):
    _, out, _, data, _ = rendered
    result = run_cli("script", out.parent / "measured.yaml", "--json", "--breath-cues", data["pacing"]["breath_cues"])
    estimate = json.loads(result.stdout)["duration"]
    assert abs(estimate - data["duration"]) <= 0.10 * data["duration"], (estimate, data["duration"])
