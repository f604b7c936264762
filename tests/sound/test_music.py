"""Music under the voice: the envelope, the bed, bad files refused, and the rendered mix decoded and measured."""

from __future__ import annotations

import json
import os
import re
import subprocess

import numpy as np
import pytest
from conftest import run_cli
from musicfiles import MARKER_LEVEL, marker_level, noise_bed, sweep, to_mp3, write_wav

from pilates_audio.format import Track
from pilates_audio.sound import beds, mixdown, mp3
from pilates_audio.sound.decoding import decode
from pilates_audio.speech import gating, levels
from pilates_audio.sound.beds import music
from pilates_audio.timing import SAMPLE_RATE, Cue
from pilates_audio.tools import ffmpeg

pytestmark = pytest.mark.ffmpeg

RATE = SAMPLE_RATE


def at(seconds: float) -> int:
    return round(seconds * RATE)


def cue(start: float, end: float, kind: str = "speech") -> Cue:
    return Cue(at(start), at(end), kind, "reps", None, None, None if kind == "pause" else "One.")


# --- the envelope ----------------------------------------------------------------


def test_the_envelope_ducks_each_sound_from_attack_before_to_release_after():
    ducking = beds.Ducking(duck=12.0, attack=0.3, release=0.6, fade=0.0)
    cues = (cue(0, 2, "pause"), cue(2, 3), cue(3, 10, "pause"), cue(10, 11, "tone"), cue(11, 20, "pause"))
    envelope = dict(beds.envelope(cues, 20 * RATE, ducking))
    low = 10 ** (-12 / 20)
    assert envelope[at(1.7)] == 1.0 and envelope[2 * RATE] == pytest.approx(low, abs=1e-6)  # down by the cue's start
    assert envelope[3 * RATE] == pytest.approx(low, abs=1e-6) and envelope[at(3.6)] == 1.0  # up after release
    assert envelope[at(9.7)] == 1.0 and envelope[10 * RATE] == pytest.approx(low, abs=1e-6)  # tones duck it too
    gains = beds.gains(tuple(envelope.items()), 0, 20 * RATE)
    assert gains[at(2.5)] == pytest.approx(low, abs=1e-6) and gains[5 * RATE] == 1.0
    assert gains[at(1.85)] == pytest.approx((1 + low) / 2, abs=1e-3)  # halfway down its ramp


def test_a_gap_shorter_than_attack_and_release_stays_ducked():
    ducking = beds.Ducking(duck=12.0, attack=0.3, release=0.6, fade=0.0)
    cues = (cue(0, 2, "pause"), cue(2, 3), cue(3, 3.8, "pause"), cue(3.8, 5), cue(5, 10, "pause"))
    gains = beds.gains(beds.envelope(cues, 10 * RATE, ducking), 0, 10 * RATE)
    low = np.float32(10 ** (-12 / 20))
    assert np.allclose(gains[2 * RATE: 5 * RATE], low, atol=1e-6)  # 0.8 s apart: less than 0.3 + 0.6, so no lift between
    wider = (cue(0, 2, "pause"), cue(2, 3), cue(3, 4, "pause"), cue(4, 5), cue(5, 10, "pause"))
    gains = beds.gains(beds.envelope(wider, 10 * RATE, ducking), 0, 10 * RATE)
    assert gains[at(3.6)] == 1.0  # 1 s apart: up, for a moment


def test_the_envelope_fades_in_and_out():
    ducking = beds.Ducking(fade=3.0)
    envelope = beds.envelope((cue(0, 30, "pause"),), 30 * RATE, ducking)
    assert envelope[0] == (0, 0.0) and envelope[-1] == (30 * RATE, 0.0)
    gains = beds.gains(envelope, 0, 30 * RATE)
    assert gains[at(1.5)] == pytest.approx(0.5, abs=1e-4) and gains[10 * RATE] == 1.0
    assert gains[at(28.5)] == pytest.approx(0.5, abs=1e-4)


def test_the_gain_at_one_sample_is_the_gain_of_the_stretch_there():
    ducking = beds.Ducking(fade=1.0)
    cues = (cue(0, 2, "pause"), cue(2, 3.5, "speech"), cue(3.5, 4, "pause"), cue(4, 4.2, "speech"), cue(4.2, 8, "pause"))
    envelope = beds.envelope(cues, 8 * RATE, ducking)
    gains = beds.gains(envelope, -100, 8 * RATE + 200)
    # Every point, either side of it, and a spread of samples between, the ends and past them included.
    samples = {x + d for x, _ in envelope for d in (-1, 0, 1)} | set(range(-100, 8 * RATE + 100, 997))
    assert [beds.gain_at(envelope, x) for x in sorted(samples)] == [float(gains[x + 100]) for x in sorted(samples)]


# --- beds: the conformance every kind passes --------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("music")
    made = {
        "sweep": write_wav(folder / "sweep.wav", sweep(6.0)),
        "noise": write_wav(folder / "noise.wav", noise_bed(9.0)),
        "short": write_wav(folder / "short.wav", sweep(1.5)),
        "silent": write_wav(folder / "silent.wav", np.zeros(3 * RATE)),
    }
    made["sweep_mp3"] = to_mp3(made["sweep"])
    (folder / "notes.txt").write_text("not music\n", encoding="utf-8")
    made["text"] = folder / "notes.txt"
    (folder / "empty.mp3").write_bytes(b"")
    made["empty"] = folder / "empty.mp3"
    return made


def make_bed(kind: str, files) -> beds.Bed:
    """Return a bed of each kind there is, from the test files."""
    if kind == "music":
        return music.Music((Track(files["sweep"], "sweep.wav"), Track(files["noise"], "noise.wav")))
    raise AssertionError(f"no test bed for {kind}")


@pytest.mark.parametrize("kind", beds.KINDS)
def test_every_bed_gives_the_same_samples_however_a_session_asks_for_them(kind, files):
    bed = make_bed(kind, files)
    whole = bed.samples(0, 40 * RATE)
    assert whole.dtype == np.float32 and len(whole) == 40 * RATE
    cuts = [0, 12345, 5 * RATE, 5 * RATE + 1, 17 * RATE, 40 * RATE]
    pieces = np.concatenate([bed.samples(a, b - a) for a, b in zip(cuts, cuts[1:])])
    assert np.array_equal(pieces, whole)
    assert np.abs(whole).max() <= bed.peak
    assert -70 < bed.loudness < 0 and bed.crossfade >= 0 and bed.names
    # Its loudness, which sets its level under the speech, is its samples' as a session plays them.
    assert levels.integrated(levels.profile(levels.to_pcm(whole.astype(np.float64)))) == pytest.approx(
        bed.loudness, abs=0.5)


def test_music_plays_its_files_in_turn_then_loops_with_equal_power_crossfades(files):
    one, two = music.decode(Track(files["sweep"], "sweep.wav")), music.decode(Track(files["noise"], "n"))
    bed = music.Music((Track(files["sweep"], "sweep.wav"), Track(files["noise"], "noise.wav")))
    fade = int(music.CROSSFADE * RATE)
    first, second = len(one.samples), len(two.samples)
    played = bed.samples(0, 2 * (first + second))
    scale = 1 / 32768
    # The first file from its start, as it is, until its fade-out begins; then the second alone.
    assert np.array_equal(played[: first - fade], (one.samples[: first - fade] * np.float32(scale)))
    after = first - fade
    assert np.allclose(played[after + fade: after + second - fade], two.samples[fade: second - fade] * scale)
    # Across a join, the two fades' powers add to one.
    weights = np.sin(np.pi / 2 * (np.arange(fade) + 0.5) / fade)
    assert np.allclose(weights ** 2 + weights[::-1] ** 2, 1.0)
    join = one.samples[first - fade:] * scale * weights[::-1] + two.samples[:fade] * scale * weights
    assert np.allclose(played[after: after + fade], join, atol=1e-6)
    # Then the first file again, fading in over the second.
    again = after + second - fade
    assert np.allclose(played[again + fade: again + fade + RATE], one.samples[fade: fade + RATE] * scale)


def test_a_loop_joint_has_no_step_the_music_does_not_have(files):
    bed = music.Music((Track(files["sweep"], "sweep.wav"),))
    played = bed.samples(0, 20 * RATE).astype(np.float64)
    steps = np.abs(np.diff(played))
    own = np.abs(np.diff(sweep(6.0)[: 4 * RATE]))
    assert steps.max() <= own.max() * 1.01


def test_decoded_music_is_kept_in_the_cache_and_read_back(files):
    track = Track(files["sweep_mp3"], "sweep.mp3")
    first = music.decode(track)
    entries = list((music.cache_dir() / "music").rglob("*.pcm"))
    assert entries
    second = music.decode(track)
    assert np.array_equal(first.samples, second.samples) and first.peak == second.peak
    assert len(first.samples) == pytest.approx(6.0 * RATE, abs=0.03 * RATE)  # the MP3's delay trimmed
    listing = run_cli("cache").stdout
    assert re.search(r"^  music +[1-9][\d.]* [kKM]B  decoded music$", listing, flags=re.M), listing


FORMATS = {  # what music comes as (the noise bed encoded so), beyond WAV
    "flac": ["-c:a", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "5"],
    "m4a": ["-c:a", "aac", "-b:a", "160k"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "160k", "-c:v", "copy", "-disposition:v", "attached_pic", "-id3v2_version", "3"],
}


@pytest.mark.parametrize("suffix", FORMATS)
def test_music_in_each_common_format_decodes_to_the_bed_it_holds(suffix, files, tmp_path):
    pictures = []
    if suffix == "mp3":  # with its cover art inside, as bought music is
        art = tmp_path / "art.png"
        subprocess.run([ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=16x16:d=1", "-frames:v", "1",
                        str(art)], check=True)
        pictures = ["-i", str(art), "-map", "0:a", "-map", "1:v"]
    encoded = tmp_path / f"noise.{suffix}"
    subprocess.run([ffmpeg(), "-v", "error", "-i", str(files["noise"]), *pictures, *FORMATS[suffix], str(encoded)],
                   check=True)
    original = music.decode(Track(files["noise"], "noise.wav"))
    decoded = music.decode(Track(encoded, encoded.name))
    if suffix == "flac":
        assert np.array_equal(decoded.samples, original.samples)
    # Every sample there, the encoder's delay trimmed; ffmpeg 5.1 leaves AAC's padding on (less than a frame).
    assert 0 <= len(decoded.samples) - len(original.samples) <= (1024 if suffix == "m4a" else 0)
    # The same music at its level: lossy coders take up to half a dB off (MP3 most, and most at 45 Hz).
    level = marker_level(decoded.samples / 32768, 1.0, 8.0)
    assert level == pytest.approx(marker_level(original.samples / 32768, 1.0, 8.0), rel=0.06)
    loudness = [gating.loudness(float(d.steps.sum()), len(d.steps) * gating.STEP) for d in (decoded, original)]
    assert loudness[0] == pytest.approx(loudness[1], abs=0.5)


# --- bad music is refused before any speech ---------------------------------------


@pytest.mark.parametrize("name, message", [
    ("missing.mp3", "music file 'missing.mp3' was not found (paths are relative to the routine file)"),
    ("empty.mp3", "music file 'empty.mp3' is empty"),
    ("fifo", "music file 'fifo' is not a regular file (a pipe, a device or a folder); give an audio file"),
])
def test_a_music_file_that_cannot_be_one_is_refused_by_check(name, message, files):
    folder = files["sweep"].parent
    if name == "fifo" and not (folder / "fifo").exists():
        os.mkfifo(folder / "fifo")
    routine = folder / f"r-{name}.yaml"
    routine.write_text(f"title: T\nmusic: [sweep.wav, {name}]\nexercises: [{{name: A, reps: 2}}]\n", encoding="utf-8")
    result = run_cli("check", routine)
    assert result.code == 2
    assert result.stderr.splitlines()[0] == f"{routine}:2:20: {message}"


@pytest.mark.parametrize("name, message", [
    ("notes.txt", "music file 'notes.txt' is not audio ffmpeg can read"),
    ("short.wav", "music file 'short.wav' is too short to loop (1.5 s; music must be at least 2 s long)"),
    ("silent.wav", "music file 'silent.wav' is silent"),
])
def test_music_that_does_not_decode_to_a_bed_is_refused_before_any_speech(name, message, files, tmp_path):
    folder = files["sweep"].parent
    routine = folder / f"r-{name}.yaml"
    routine.write_text(f"title: T\nmusic: {name}\nexercises: [{{name: Zebra crossing, reps: 2}}]\n",
                       encoding="utf-8")
    cache = tmp_path / "cache"
    result = run_cli("render", routine, "-o", tmp_path / "out", "--engine", "pyttsx3",
                     env={"PILATES_AUDIO_CACHE": str(cache)})
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == f"{routine}:2:8: {message}\n1 problem found; nothing was written.\n"
    assert not (cache / "clips").exists()  # nothing was spoken
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    checked = run_cli("check", routine)
    assert (checked.code, checked.stderr) == (2, result.stderr)  # check says it too


def test_music_given_on_the_command_line_is_checked_as_well(files, tmp_path, write_routine):
    routine = write_routine("title: T\nexercises: [{name: A, reps: 2}]\n")
    result = run_cli("render", routine, "-o", tmp_path / "out", "--music", files["text"])
    assert (result.code, result.stderr) == (2, f"error: --music: music file '{files['text']}' is not audio ffmpeg "
                                               "can read\n")
    result = run_cli("render", routine, "-o", tmp_path / "out", "--music", tmp_path / "none.mp3")
    assert (result.code, result.stderr) == (2, f"error: --music: music file '{tmp_path / 'none.mp3'}' was not "
                                               "found\n")
    both = run_cli("render", routine, "--music", files["sweep"], "--no-music")
    assert (both.code, both.stderr) == (2, "error: --music and --no-music cannot be used together (see "
                                           "`pilates-audio render --help`)\n")


@pytest.mark.parametrize("flag, value, message", [
    ("--duck", "50", "Invalid value for '--duck': duck must be a number of dB from 0 to 40"),
    ("--music-level", "3", "Invalid value for '--music-level': music_level must be a number of LU from -40 to 0"),
    ("--duck-attack", "2 breaths", "Invalid value for '--duck-attack': duck_attack must be a time from 0s to 5s"),
])
def test_a_music_setting_out_of_range_is_refused(flag, value, message, write_routine):
    routine = write_routine("title: T\nexercises: [{name: A, reps: 2}]\n")
    result = run_cli("pacing", routine, flag, value)  # the commands with music settings: render and pacing
    assert (result.code, result.stderr) == (2, f"error: {message} (see `pilates-audio pacing --help`)\n")


# --- chunks on frame boundaries ----------------------------------------------------


class _Steady:
    """A bed that is the sweep, looped: enough to test the chunked encoding on its own."""

    names = ("sweep",)
    crossfade = 0.0
    loudness = -20.0

    def __init__(self):
        self._data = sweep(6.0).astype(np.float32)

    @property
    def peak(self) -> float:
        return 0.3

    def samples(self, start: int, count: int) -> np.ndarray:
        return self._data[np.arange(start, start + count) % len(self._data)]


@pytest.mark.parametrize("in_process", [True, False], ids=["LAME in process", "ffmpeg"])
def test_runs_encoded_apart_join_inaudibly_and_the_length_is_exact(in_process, tmp_path, monkeypatch):
    from pilates_audio.settings import Pacing
    from pilates_audio.timing import Script

    total = 600 * mp3.FRAME  # 15.7 s
    script = Script("Joins", Pacing(), (Cue(0, total, "pause", "intro", None),), ())
    bed = _Steady()
    plan = beds.Plan(bed.names, beds.Ducking(fade=0.0), 0.0, ((0, 1.0), (total, 1.0)))
    mix = mixdown.Mixdown(script, None, {}, bed, plan)
    if not in_process:
        monkeypatch.setattr(mp3, "standalone_available", lambda: False)
    elif not mp3.standalone_available():
        pytest.skip("LAME's functions cannot be reached in this process here")
    monkeypatch.setattr(mixdown, "CELL_FRAMES", 37)
    monkeypatch.setattr(mixdown, "RUN_FRAMES", 37)  # a run of one cell each: 16 joins
    out = tmp_path / "joins.mp3"
    mixdown.assemble(mix, out, 64)
    decoded = np.frombuffer(decode(out), "<i2").astype(np.float64) / 32768
    assert len(decoded) == total  # every frame, and nothing else
    source = bed.samples(0, total).astype(np.float64)
    error = decoded - source
    joins = [first * mp3.FRAME for first, _ in mixdown.cells(600)][1:]
    assert len(joins) == 16
    # Around each join the coding error is no larger than it is anywhere else.
    elsewhere = np.sqrt(np.mean(error[2 * mp3.FRAME: -2 * mp3.FRAME] ** 2))
    for join in joins:
        near = np.sqrt(np.mean(error[join - 576: join + 576] ** 2))
        assert near <= 2 * elsewhere, (join, near, elsewhere)
    signal = np.sqrt(np.mean(source ** 2))
    assert 20 * np.log10(signal / elsewhere) > 20  # and that error is coding noise, far under the music


# --- a rendered session with music: decoded and measured ----------------------------

ROUTINE = """\
title: Music Check
music: [noise.wav]
pacing: {{inhale: 3s, exhale: 3s, transition: 2s{extra}}}
intro: Lie on your back.
exercises:
  - name: Bridge
    reps: 3
    rest: 3 breaths
  - name: Plank
    hold: 16s
    rest: 2 breaths
"""


@pytest.fixture(scope="module")
def rendered(files, tmp_path_factory):
    folder = files["sweep"].parent
    out = tmp_path_factory.mktemp("music-out")
    (folder / "mix.yaml").write_text(ROUTINE.format(extra=""), encoding="utf-8")
    with_music = run_cli("render", folder / "mix.yaml", "-o", out / "with", "--engine", "pyttsx3", "-q")
    assert with_music.code == 0, with_music.stderr
    without = run_cli("render", folder / "mix.yaml", "-o", out / "without", "--engine", "pyttsx3", "-q",
                      "--no-music")
    assert without.code == 0, without.stderr
    data = json.loads((out / "with" / "mix.json").read_text(encoding="utf-8"))
    plain = json.loads((out / "without" / "mix.json").read_text(encoding="utf-8"))
    pcm = np.frombuffer(decode(out / "with" / "mix.mp3"), "<i2").astype(np.float64) / 32768
    return out, data, plain, pcm


def _joints(data, loop: float = 9.0) -> list[tuple[float, float]]:
    """Return where the noise bed crossfades into itself."""
    fade = data["music"]["crossfade"]
    return [(k * (loop - fade), k * (loop - fade) + fade) for k in range(1, int(data["duration"] // (loop - fade)) + 1)]


def _quiet_stretches(data, margin: float = 0.1, loop: float = 9.0) -> list[tuple[float, float]]:
    """Return the stretches of pauses where the music is at its level: away from ramps, fades and loop joints.

    Across a joint, the noise bed's marker tone meets itself in phase, so the equal-power
    crossfade lifts it by up to 3 dB (as it does any music that joins itself in phase):
    a long pause is cut where a joint falls in it.
    """
    found = []
    m = data["music"]
    joints = _joints(data, loop)
    for c in data["cues"]:
        if c["kind"] != "pause":
            continue
        a, b = max(c["start"] + m["release"], m["fade"]) + margin, min(c["end"] - m["attack"],
                                                                        data["duration"] - m["fade"]) - margin
        for x, y in joints:
            if x - margin < b and y + margin > a:
                if x - margin - a >= 0.5:
                    found.append((a, x - margin))
                a = max(a, y + margin)
        if b - a >= 0.5:
            found.append((a, b))
    return found


@pytest.mark.slow
def test_music_keeps_the_session_s_times_exactly(rendered):
    from checks import assert_tiles

    out, data, plain, pcm = rendered
    assert data["cues"] == plain["cues"] and data["chapters"] == plain["chapters"]
    assert data["duration"] == plain["duration"]
    assert_tiles(data)
    assert len(pcm) == round(data["duration"] * RATE / mp3.FRAME) * mp3.FRAME  # the whole frames the script fills
    for suffix in (".vtt", ".chapters.json"):
        assert (out / "with" / f"mix{suffix}").read_bytes() == (out / "without" / f"mix{suffix}").read_bytes()


@pytest.mark.slow
def test_music_is_at_its_level_in_pauses_and_ducked_under_speech(rendered):
    _, data, _, pcm = rendered
    m = data["music"]
    assert m["files"] == ["noise.wav"] and (m["level"], m["duck"], m["attack"], m["release"], m["fade"]) == (
        -14.0, 12.0, 0.3, 0.6, 3.0)
    expected = MARKER_LEVEL * 10 ** (m["gain"] / 20)
    quiet = _quiet_stretches(data)
    assert len(quiet) >= 5
    for a, b in quiet:
        assert 20 * np.log10(marker_level(pcm, a, b) / expected) == pytest.approx(0, abs=1.5), (a, b)
    # Its loudness there is the file's own, moved by the gain the script gives.
    own = _loudness(noise_bed(9.0), 0.0, 9.0)
    bed = np.mean([_loudness(pcm, a, b) for a, b in quiet])
    assert bed == pytest.approx(own + m["gain"], abs=1.5)
    lines = [c for c in data["cues"] if c["kind"] == "speech" and c["end"] - c["start"] > 0.8]
    # Under speech, the music is `duck` lower: at least duck - 2 dB.
    depth = [20 * np.log10(expected / marker_level(pcm, c["start"], c["end"])) for c in lines]
    assert min(depth) >= m["duck"] - 2, depth


@pytest.mark.slow
def test_the_music_follows_its_envelope_ramps_and_fades(rendered):
    _, data, _, pcm = rendered
    m = data["music"]
    points = np.array(m["envelope"])
    expected = MARKER_LEVEL * 10 ** (m["gain"] / 20)
    speech = [(c["start"], c["end"]) for c in data["cues"] if c["kind"] != "pause"]
    checked = 0
    for start in np.arange(0.0, data["duration"] - 0.2, 0.2):
        end = start + 0.2
        if any(a < end + 0.05 and b > start - 0.05 for a, b in speech + _joints(data)):
            continue  # the voice is there (measured above), or a joint
        factor = np.interp(start + 0.1, points[:, 0], points[:, 1])
        if factor < 0.2:
            continue  # too quiet to measure against the coding noise
        level = marker_level(pcm, start, end)
        assert 20 * np.log10(level / (expected * factor)) == pytest.approx(0, abs=1.5), (start, factor)
        checked += 1
    assert checked > 50
    # Each line's ramp begins before it: the envelope is at the ducked level by the time it starts.
    low = 10 ** (-m["duck"] / 20)
    for a, _ in speech:
        assert np.interp(a, points[:, 0], points[:, 1]) <= low + 1e-3 or a < m["fade"]
    # No clicks at ramps, fades or joints: where only music plays, no sample steps further than the music's own do.
    own = np.abs(np.diff(noise_bed(9.0))).max() * 10 ** (m["gain"] / 20)
    for a, b in zip([0.0] + [e for _, e in speech], [s for s, _ in speech] + [data["duration"]]):
        stretch = pcm[round((a + 0.01) * RATE): round((b - 0.01) * RATE)]
        if len(stretch) > 1:
            assert np.abs(np.diff(stretch)).max() <= 1.3 * own + 2 / 32768, (a, b)
    # Fades at both ends: silent at the very start and end, full a fade's length in.
    assert marker_level(pcm, 0.0, 0.3) < 0.2 * expected
    assert marker_level(pcm, data["duration"] - 0.3, data["duration"]) < 0.2 * expected


@pytest.mark.slow
def test_the_speech_is_on_the_loudness_target_with_peaks_held(rendered):
    from audiocheck import ebur128

    out, data, _, pcm = rendered
    integrated, peak = ebur128(out / "with" / "mix.mp3")
    # The speech, not the whole mix: the music in the pauses only lowers the whole's measure.
    assert abs(_speech_loudness(pcm, data) - (-19.0)) <= 0.5, _speech_loudness(pcm, data)
    assert integrated <= -19.0 + 0.5, integrated
    assert peak <= -1.0, peak
    assert np.abs(pcm).max() < 0.98


# --- the speech as loud as without music, the music its level under it -------------

SPARSE = """\
title: Still
music: [noise.wav]
pacing: {{transition: 6s{extra}}}
intro: Lie down and let the floor hold you.
exercises:
  - name: Child's pose
    hold: 45s
    rest: 20s
  - name: Supine twist
    hold: 45s
    rest: 20s
outro: Roll to your side and rest.
"""

DENSE = """\
title: Busy
music: [noise.wav]
pacing: {{inhale: 3s, exhale: 3s, transition: 2s{extra}}}
intro: Stand tall and breathe out.
exercises:
  - name: Swimming
    setup: Lie on your front and reach your arms and legs long.
    cues: [Flutter the arms and legs., Keep the neck long and the gaze down.]
    reps: 6
    rest: 2 breaths
  - name: Teaser
    reps: 4
    cues: [Balance on the sitting bones., Reach past your toes.]
outro: That is all. Thank you for practising today.
"""


@pytest.fixture(scope="module", params=[("sparse", SPARSE, ""), ("dense", DENSE, ""),
                                        ("sparse-18", SPARSE, ", music_level: -18")], ids=lambda p: p[0])
def levelled(request, files, tmp_path_factory):
    """Render a routine with its music and without, and decode both."""
    name, text, extra = request.param
    folder = files["sweep"].parent
    out = tmp_path_factory.mktemp(f"level-{name}")
    (folder / f"{name}.yaml").write_text(text.format(extra=extra), encoding="utf-8")
    decoded = []
    for where, flags in (("with", []), ("without", ["--no-music"])):
        result = run_cli("render", folder / f"{name}.yaml", "-o", out / where, "--engine", "pyttsx3", "-q", *flags)
        assert result.code == 0, result.stderr
        decoded.append(np.frombuffer(decode(out / where / f"{name}.mp3"), "<i2").astype(np.float64) / 32768)
    data = json.loads((out / "with" / f"{name}.json").read_text(encoding="utf-8"))
    return data, decoded[0], decoded[1], out / "with" / f"{name}.mp3"


def _speech_loudness(pcm: np.ndarray, data) -> float:
    """Return the speech's own gated loudness: the session's, with all but its lines and tones silenced."""
    voice = np.zeros_like(pcm)
    for c in data["cues"]:
        if c["kind"] != "pause":
            voice[at(c["start"]): at(c["end"])] = pcm[at(c["start"]): at(c["end"])]
    return levels.integrated(levels.profile(levels.to_pcm(voice)))


def _stretches_loudness(pcm: np.ndarray, stretches: list[tuple[float, float]]) -> float:
    """Return the loudness of stretches of a session taken together: their energy over their length."""
    parts = [pcm[at(a): at(b)] for a, b in stretches]
    energy = sum(float(levels.profile(levels.to_pcm(part)).sum()) for part in parts)
    return gating.loudness(energy, sum(len(part) for part in parts))


@pytest.mark.slow
def test_the_speech_is_as_loud_as_without_music(levelled):
    data, with_music, without, _ = levelled
    assert with_music.shape == without.shape
    speech, alone = _speech_loudness(with_music, data), _speech_loudness(without, data)
    assert speech == pytest.approx(alone, abs=0.5), (speech, alone)
    assert speech == pytest.approx(-19.0, abs=1.0), speech  # the speech on the loudness target, as without music
    # Levelled alike, it is held at the same ceiling: its peaks are as high, not squeezed further to make room.
    peaks = [20 * np.log10(max(np.abs(pcm[at(c["start"]): at(c["end"])]).max() for c in data["cues"]
                               if c["kind"] == "speech")) for pcm in (with_music, without)]
    assert peaks[0] == pytest.approx(peaks[1], abs=0.5), peaks


@pytest.mark.slow
def test_the_music_between_lines_sits_its_level_under_the_speech(levelled):
    data, pcm, _, _ = levelled
    quiet = _quiet_stretches(data)
    assert sum(b - a for a, b in quiet) >= 8.0, quiet
    music, speech = _stretches_loudness(pcm, quiet), _speech_loudness(pcm, data)
    assert music - speech == pytest.approx(data["music"]["level"], abs=1.0), (music, speech)


@pytest.mark.slow
def test_the_mix_is_not_raised_to_the_target_and_its_peaks_are_held(levelled):
    from audiocheck import ebur128

    data, pcm, _, path = levelled
    integrated, peak = ebur128(path)
    # The music adds next to nothing where the speech is, and where it is near enough the speech's
    # level its pauses count: a session that is mostly pauses measures under the target, and is
    # left there.
    assert integrated <= -19.0 + 0.5, integrated
    if (data["title"], data["music"]["level"]) == ("Still", -14.0):
        assert integrated < -19.0 - 3.0, integrated
    assert peak <= -1.0, peak
    assert np.abs(pcm).max() < 0.98


@pytest.mark.slow
def test_a_list_of_music_files_in_any_format_and_one_pass_encoding(files, tmp_path):
    folder = files["sweep"].parent
    (folder / "list.yaml").write_text(ROUTINE.format(extra=", music_fade: 1s, duck: 20").replace(
        "music: [noise.wav]", "music: [sweep.mp3, noise.wav]"), encoding="utf-8")
    result = run_cli("render", folder / "list.yaml", "-o", tmp_path, "--engine", "pyttsx3", "-q", "--sample-exact")
    assert result.code == 0, result.stderr
    data = json.loads((tmp_path / "list.json").read_text(encoding="utf-8"))
    assert data["music"]["files"] == ["sweep.mp3", "noise.wav"] and data["music"]["duck"] == 20.0
    assert data["music"]["fade"] == 1.0
    pcm = np.frombuffer(decode(tmp_path / "list.mp3"), "<i2")
    assert abs(len(pcm) - data["duration"] * RATE) <= RATE // 1000  # the script's length, to its millisecond
    # The sweep plays first (no marker tone), then the noise bed with its marker: from 5 s, after the crossfade.
    samples = pcm.astype(np.float64) / 32768
    first = [s for s in _quiet_stretches(data) if s[1] < 4.5]
    assert first
    assert marker_level(samples, 6.5, 12.5) > 10 * marker_level(samples, *first[0])


def _loudness(pcm: np.ndarray, start: float, end: float) -> float:
    part = pcm[int(start * RATE): int(end * RATE)]
    return levels.clip_loudness(levels.profile(levels.to_pcm(part)), len(part))


@pytest.mark.slow
def test_a_re_render_reuses_the_cells_nothing_changed_in(files, tmp_path):
    folder = files["sweep"].parent
    routine = folder / "again.yaml"
    routine.write_text(ROUTINE.format(extra=""), encoding="utf-8")
    cache = tmp_path / "cache"
    env = {"PILATES_AUDIO_CACHE": str(cache)}

    def render() -> bytes:
        result = run_cli("render", routine, "-o", tmp_path, "--engine", "pyttsx3", "-q", env=env)
        assert result.code == 0, result.stderr
        return (tmp_path / "again.mp3").read_bytes()

    def kept() -> set:
        return set((cache / "pieces").rglob("*.block")) | set((cache / "pieces").rglob("*.cell"))

    first = render()
    made = kept()
    blocks = {path for path in made if path.suffix == ".block"}
    lone = made - blocks
    seconds = json.loads((tmp_path / "again.json").read_text())["duration"]
    cells = mixdown.cells(round(seconds * RATE) // mp3.FRAME)
    assert len(blocks) == -(-len(cells) // mixdown.BLOCK_CELLS) > 10  # every cell is kept, in its block
    assert 20 < len(lone) < len(cells) / 2  # and the music between lines on its own as well
    assert render() == first and kept() == made  # nothing changed: every block read back
    # A shorter fade changes only the blocks it falls in, at the start and the end: the others are read back.
    faded = run_cli("render", routine, "-o", tmp_path, "--engine", "pyttsx3", "-q", "--music-fade", "2s", env=env)
    assert faded.code == 0, faded.stderr
    changed = (tmp_path / "again.mp3").read_bytes()
    assert changed != first
    new = kept() - made
    # 6.7 s blocks: the first and the last one or two. The fade no longer moves the music from 2 s
    # to 3 s, at both ends, so that music is now alone at one level: up to three cells at each.
    assert 2 <= len({path for path in new if path.suffix == ".block"}) <= 3
    assert len({path for path in new if path.suffix == ".cell"}) <= 6
    # After a re-pacing every line moves, but music between lines is where it was: some lone cells are read back.
    used = {path: path.stat().st_mtime_ns for path in lone}
    paced = run_cli("render", routine, "-o", tmp_path, "--engine", "pyttsx3", "-q", "--inhale", "3.4s", env=env)
    assert paced.code == 0, paced.stderr
    assert sum(path.stat().st_mtime_ns > when for path, when in used.items()) > 5
