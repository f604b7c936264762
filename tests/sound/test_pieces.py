"""Sessions built from MP3 pieces: the frames, the placement on the grid, and both paths compared."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from hypothesis import given, settings, strategies as st

import audiocheck
from checks import FRAME_TOLERANCE, assert_breath_counts_exact, assert_chapters, assert_counts_on_the_breath, assert_tiles
from pilates_audio import render
from pilates_audio.format import routine
from pilates_audio.sound import mp3
from pilates_audio.sound.decoding import decode
from pilates_audio.sound.entries import PIECE_MAGIC
from pilates_audio.sound.pieces import layout
from pilates_audio.timing import SAMPLE_RATE

pytestmark = pytest.mark.ffmpeg

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.yaml"))
HALF = mp3.FRAME // 2


def tone_pcm(seconds: float, freq: float = 440.0, level: float = 0.3) -> bytes:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    return (np.sin(2 * np.pi * freq * t) * fade * level * 32767).astype("<i2").tobytes()


def decoded(tmp_path: Path, data: bytes) -> np.ndarray:
    path = tmp_path / "frames.mp3"
    path.write_bytes(data)
    return np.frombuffer(decode(path), "<i2").astype(np.float64)


def write_session(path: Path, parts: list[tuple[int, bytes]], total: int, kbps: int = 64) -> None:
    """Write an MP3 of pieces at the given frames, silence elsewhere, `total` frames in all."""
    with open(path, "wb") as handle:
        writer = mp3.Writer(handle, kbps)
        for frame, pcm in parts:
            frames = mp3.encode(pcm, kbps)
            writer.silence(frame - writer.frames)
            writer.write(b"".join(frames), len(frames))
        writer.silence(total - writer.frames)
        writer.finish()


# --- frames ---------------------------------------------------------------------


def test_silent_frames_decode_to_nothing_at_all(tmp_path):
    samples = decoded(tmp_path, mp3.silent_frame(64) * 5 + mp3.silent_frame(64, True) * 5)
    assert len(samples) == 10 * mp3.FRAME and not samples.any()


@pytest.mark.parametrize("count", [1, 1000, 1152, 44100, 100_003])
def test_a_piece_has_just_the_frames_its_sound_needs_and_starts_with_an_empty_reservoir(count):
    frames = mp3.encode(tone_pcm(count / SAMPLE_RATE) if count > 1 else b"\x00\x10", 64)
    assert len(frames) == mp3.frames_for(count) == -(-(mp3.PIECE_DELAY + count) // mp3.FRAME)
    assert all(frame[:4] in (mp3.header(64), mp3.header(64, True)) for frame in frames)
    main_data_begin = frames[0][4] << 1 | frames[0][5] >> 7
    assert main_data_begin == 0  # needs nothing from whatever frame comes before it


def test_bytes_that_are_not_frames_are_refused():
    good = b"".join(mp3.encode(tone_pcm(0.2), 64))
    with pytest.raises(mp3.FrameError, match="unexpected bytes at 0"):
        mp3.split(b"ID3" + good, 64)
    with pytest.raises(mp3.FrameError, match="cut short"):
        mp3.split(good[:-10], 64)
    with pytest.raises(mp3.FrameError, match="unexpected bytes"):
        mp3.split(good, 128)


@pytest.mark.parametrize("kbps", [32, 64, 128, 320])
def test_a_session_of_pieces_decodes_to_its_frames_with_each_sound_on_the_grid(tmp_path, kbps):
    """Every piece's sound is heard exactly PIECE_DELAY samples into its first frame."""
    notes = [(3, tone_pcm(0.5, 440)), (40, tone_pcm(0.25, 660)), (61, tone_pcm(1.0, 550))]
    path = tmp_path / "grid.mp3"
    write_session(path, notes, total=120, kbps=kbps)
    samples = np.frombuffer(decode(path), "<i2").astype(np.float64)
    assert len(samples) == 120 * mp3.FRAME
    for frame, pcm in notes:
        source = np.frombuffer(pcm, "<i2").astype(np.float64)
        expected = frame * mp3.FRAME + mp3.PIECE_DELAY
        lags = range(-40, 41)
        scores = [np.dot(source, samples[expected + lag: expected + lag + len(source)]) for lag in lags]
        assert lags[int(np.argmax(scores))] == 0, (frame, kbps)
    from mutagen.mp3 import MP3

    info = MP3(path).info
    assert abs(info.length - 120 * mp3.FRAME / SAMPLE_RATE) < 1e-6 and abs(info.bitrate - kbps * 1000) <= kbps


def test_silent_frames_keep_the_bytes_in_step_with_time(tmp_path):
    """Players seek a constant-bitrate file by bytes: the file holds what the bitrate says."""
    path = tmp_path / "steady.mp3"
    write_session(path, [(500, tone_pcm(2.0))], total=5000)
    size = path.stat().st_size - mp3.frame_size(64)  # the Info frame
    assert abs(size - 5000 * 144000 * 64 / SAMPLE_RATE) <= 2


@pytest.mark.parametrize("kbps", [64, 320])
def test_a_long_silence_is_padded_as_one_frame_at_a_time_would_be(tmp_path, kbps):
    """Silence is written a block of frames at a time; its padding runs on across the blocks."""
    count = 2 * mp3.SILENCE_BLOCK + 7
    at_once, one_by_one = tmp_path / "at-once.mp3", tmp_path / "one-by-one.mp3"
    with open(at_once, "wb") as handle:
        writer = mp3.Writer(handle, kbps)
        writer.silence(3)
        writer.silence(count)
        writer.finish()
    with open(one_by_one, "wb") as handle:
        writer = mp3.Writer(handle, kbps)
        for _ in range(3 + count):
            writer.silence(1)
        writer.finish()
    assert at_once.read_bytes() == one_by_one.read_bytes()
    size = at_once.stat().st_size - mp3.frame_size(kbps)  # the Info frame
    assert abs(size - (3 + count) * 144000 * kbps / SAMPLE_RATE) <= 2


def _silence_by_the_rule(kbps: int, frames: int, written: int, count: int) -> bytes:
    """Silent frames one at a time: padded while the file, with the frame unpadded, falls half a byte short of time."""
    plain, padded = mp3.silent_frame(kbps), mp3.silent_frame(kbps, True)
    out = []
    for number in range(frames + 1, frames + count + 1):
        frame = padded if written + len(plain) < number * 144000 * kbps / SAMPLE_RATE - 0.5 else plain
        out.append(frame)
        written += len(frame)
    return b"".join(out)


@pytest.mark.parametrize("kbps", mp3.BITRATES)
def test_silence_is_padded_by_the_rule_after_any_frames(kbps):
    """After frames of any length (an encoded piece may run long or short), silence pads back into step."""
    for frames, off in ((0, 0), (1, 0), (37, -3), (500, 211), (12345, -4000), (7, 9000)):
        for count in (0, 1, 48, 49, 50, 441, 1000, mp3.SILENCE_BLOCK + 3):
            handle = io.BytesIO()
            writer = mp3.Writer(handle, kbps)
            start = handle.tell()
            body = frames * mp3.frame_size(kbps) + off
            writer.write(bytes(max(body, 0)), frames)
            before = handle.tell()
            writer.silence(count)
            assert handle.getvalue()[before:] == _silence_by_the_rule(kbps, frames, max(body, 0), count), (
                frames, off, count)
            assert writer.bytes == handle.tell() - start and writer.frames == frames + count


# --- placing a script on the grid ---------------------------------------------------


def planned(case: str, flags: dict | None = None):
    path = GOLDEN / f"{case}.yaml"
    loaded = routine.load(path, path.name)
    pacing, _ = render.effective_pacing(loaded, flags or {})
    return loaded, render.estimated_script(loaded, pacing)[0]


def assert_placed(plan, placed, pieces) -> None:
    """Sounds sit on the grid, moved by at most half a frame; pieces never overlap."""
    before = [c for c in plan.cues if c.kind != "pause"]
    after = [c for c in placed.cues if c.kind != "pause"]
    assert [(c.kind, c.text, c.part) for c in before] == [(c.kind, c.text, c.part) for c in after]
    assert all(abs(a.start - b.start) <= HALF and a.length == b.length for a, b in zip(after, before))
    starts = {c.start for c in after}
    end = 0
    for piece in pieces:
        first = piece.frame * mp3.FRAME + mp3.PIECE_DELAY
        assert first in starts and piece.frame >= end
        end = piece.frame + piece.frames
    assert placed.duration % mp3.FRAME == 0 and placed.duration >= end * mp3.FRAME
    assert abs(placed.duration - plan.duration) <= mp3.FRAME


@pytest.mark.parametrize("case", CASES)
def test_golden_scripts_placed_on_the_grid_keep_the_contract(case):
    loaded, plan = planned(case)
    placed, pieces = layout(plan)
    assert_placed(plan, placed, pieces)
    data = placed.to_json()
    assert_tiles(data)
    assert_breath_counts_exact(data, loaded, FRAME_TOLERANCE)
    assert_counts_on_the_breath(data, loaded, FRAME_TOLERANCE)
    assert_chapters(data, loaded)


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(CASES), mode=st.sampled_from(["voice", "tone", "silent"]),
       inhale=st.floats(1.0, 6.0), exhale=st.floats(1.0, 6.0))
def test_any_pacing_places_within_half_a_frame(case, mode, inhale, exhale):
    loaded, plan = planned(case, {"breath_cues": mode, "inhale": round(inhale, 2), "exhale": round(exhale, 2)})
    placed, pieces = layout(plan)
    assert_placed(plan, placed, pieces)
    assert_tiles(placed.to_json())


def test_a_tone_and_the_count_straight_after_it_are_one_piece():
    loaded, plan = planned("breath-tones")
    placed, pieces = layout(plan)
    joined = [p for p in pieces if len(p.sounds) > 1]
    assert joined and all(p.sounds[0][1][0] == "tone" for p in joined)
    for piece in joined:  # spacing inside a piece is exactly as planned
        offsets = [offset for offset, _ in piece.sounds]
        assert offsets[0] == 0 and offsets == sorted(offsets)


# --- both ways of encoding, end to end ------------------------------------------------

SESSION = """
title: Two Ways
pacing: {inhale: 2s, exhale: 2s, transition: 2s, breath_cues: tone}
exercises:
  - name: Roll down
    setup: Stand tall with your feet hip width apart.
    reps: 3
    rest: 1 breath
  - name: Plank
    hold: 3 breaths
outro: Well done.
"""


@pytest.fixture(scope="module", params=["pyttsx3", pytest.param("piper", marks=pytest.mark.slow)])
def engine(request):
    return request.param


@pytest.fixture(scope="module")
def both(tmp_path_factory, engine):
    folder = tmp_path_factory.mktemp("both")
    (folder / "two.yaml").write_text(SESSION, encoding="utf-8")
    out = {}
    for how in ("pieces", "exact"):
        result = run_cli("render", folder / "two.yaml", "-o", folder / how, "-q", "--engine", engine,
                         *(["--sample-exact"] if how == "exact" else []))
        assert result.code == 0, result.stderr
        data = json.loads((folder / how / "two.json").read_text(encoding="utf-8"))
        out[how] = (data, np.frombuffer(audiocheck.load(folder / how / "two.mp3"), "<i2").astype(np.float64))
    return out


def heard_at(samples: np.ndarray, reference: np.ndarray, near: float) -> float:
    """Return where `reference` is found in `samples`, searching 30 ms either side of `near` (seconds)."""
    at = int(round(near * SAMPLE_RATE))
    lags = np.arange(-1323, 1324)
    window = samples[at - 1323: at + 1323 + len(reference)]
    # Normalised by the window's energy at each lag, so a louder sound beside the one
    # sought (a line straight after a tone) cannot outscore the sound itself.
    energy = np.convolve(window ** 2, np.ones(len(reference)), mode="valid")
    scores = np.correlate(window, reference, mode="valid") / np.sqrt(energy + 1e-9)
    return (at + lags[int(np.argmax(scores))]) / SAMPLE_RATE


def test_both_paths_sound_each_line_where_their_scripts_say(both):
    pieces, pieces_audio = both["pieces"]
    exact, exact_audio = both["exact"]
    a = [c for c in pieces["cues"] if c["kind"] != "pause"]
    b = [c for c in exact["cues"] if c["kind"] != "pause"]
    assert [(c["kind"], c.get("text")) for c in a] == [(c["kind"], c.get("text")) for c in b]
    assert abs(pieces["duration"] - exact["duration"]) <= mp3.FRAME / SAMPLE_RATE
    for x, y in zip(a, b):
        assert abs(x["start"] - y["start"]) <= HALF / SAMPLE_RATE + 0.001, (x, y)
        # The sound itself, taken from the one-pass file, is found in the pieced file
        # where the pieced script puts it: each script describes its own audio.
        start, end = int(y["start"] * SAMPLE_RATE), int(min(y["end"], y["start"] + 0.2) * SAMPLE_RATE)
        assert abs(heard_at(pieces_audio, exact_audio[start:end], x["start"]) - x["start"]) <= 0.001, x
        assert abs(heard_at(exact_audio, exact_audio[start:end], y["start"]) - y["start"]) <= 0.001, y


def test_both_paths_are_equally_loud_and_silent_between_lines(both):
    for data, samples in both.values():
        for cue in data["cues"]:
            if cue["kind"] == "pause" and cue["end"] - cue["start"] > 0.2:
                a, b = int((cue["start"] + 0.06) * SAMPLE_RATE), int((cue["end"] - 0.06) * SAMPLE_RATE)
                assert np.abs(samples[a:b]).max() < 150, cue
    levels = [np.sqrt(np.mean(samples ** 2)) for _, samples in both.values()]
    assert abs(20 * np.log10(levels[0] / levels[1])) < 0.3, levels


def test_a_pacing_change_reuses_every_encoded_piece(tmp_path, clip_cache):
    source = tmp_path / "two.yaml"
    source.write_text(SESSION, encoding="utf-8")
    assert run_cli("render", source, "-o", tmp_path, "-q").code == 0
    before = set(clip_cache.glob("pieces/*/*/*"))
    for inhale in ("2.2s", "2.6s"):
        assert run_cli("render", source, "-o", tmp_path, "-q", "--inhale", inhale).code == 0
    assert set(clip_cache.glob("pieces/*/*/*")) == before  # the same sounds at the same levels


def test_a_damaged_piece_is_encoded_again(tmp_path, clip_cache):
    source = tmp_path / "two.yaml"
    source.write_text(SESSION, encoding="utf-8")
    own = {"PILATES_AUDIO_CACHE": str(tmp_path / "cache")}  # every piece in it is this session's
    shutil.copytree(clip_cache / "clips", tmp_path / "cache" / "clips")
    assert run_cli("render", source, "-o", tmp_path / "a", "-q", env=own).code == 0
    entries = sorted((tmp_path / "cache").glob("pieces/*/*/*"), key=lambda p: p.stat().st_size)
    entries[-1].write_bytes(entries[-1].read_bytes()[:-50])  # truncated
    entries[-2].write_bytes(b"garbage")
    assert run_cli("render", source, "-o", tmp_path / "b", "-q", env=own).code == 0
    assert (tmp_path / "a" / "two.json").read_text() == (tmp_path / "b" / "two.json").read_text()
    assert len(decode(tmp_path / "b" / "two.mp3")) == len(decode(tmp_path / "a" / "two.mp3"))
    assert entries[-1].read_bytes()[:4] == entries[-2].read_bytes()[:4] == PIECE_MAGIC  # mended


def test_a_bitrate_that_mp3_does_not_have_is_refused(tmp_path):
    source = tmp_path / "two.yaml"
    source.write_text(SESSION, encoding="utf-8")
    result = run_cli("render", source, "-o", tmp_path, "--bitrate", "100")
    assert result.code == 2
    assert result.stderr == (
        "error: Invalid value for '--bitrate': 100 is not an MP3 bitrate; use one of 32, 40, 48, 56, 64, 80, 96, "
        "112, 128, 160, 192, 224, 256 or 320 (see `pilates-audio render --help`)\n")
    assert not list(tmp_path.glob("*.mp3"))


def test_the_exact_script_is_the_one_render_writes(both, engine, tmp_path):
    source = tmp_path / "two.yaml"
    source.write_text(SESSION, encoding="utf-8")
    for flags, how in (([], "pieces"), (["--sample-exact"], "exact")):
        result = run_cli("script", source, "--exact", "--json", "-q", "--engine", engine, *flags)
        assert result.code == 0, result.stderr
        assert json.loads(result.stdout) == both[how][0]
