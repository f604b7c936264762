"""render --split: one MP3 per chapter, cut on the session's own frames, that decode back to back as the session."""

from __future__ import annotations

import json
import os
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, run_here
from mutagen.id3 import ID3
from pictures import tiny_png

from pilates_audio import render
from pilates_audio.errors import InputError
from pilates_audio.format import load
from pilates_audio.publish import feed, page_html, tracks
from pilates_audio.sound import cuts, mp3
from pilates_audio.sound.decoding import decode

SECTIONS = ROOT / "tests" / "golden" / "sections-speech-only.yaml"


def rendered(routine_path: Path, out: Path, monkeypatch, **options) -> render.Session:
    """Render a routine with the fake engine (what is said does not matter here, only where the frames fall)."""
    monkeypatch.delenv(render.ENGINE_VARIABLE, raising=False)
    routine = load(routine_path)
    if "music" in options:
        routine = replace(routine, music=render.music_tracks(options.pop("music")))
    pacing, _ = render.effective_pacing(routine, {})
    return render.render(routine, replace(pacing, engine="fake"), out, **options)


def samples(path: Path) -> np.ndarray:
    return np.frombuffer(decode(path), dtype=np.int16)


def assert_back_to_back(session: render.Session) -> list[np.ndarray]:
    """The tracks' decoded samples, one after another, are the session's, every one of them."""
    whole = samples(session.mp3)
    parts = [samples(path) for path in session.tracks]
    joined = np.concatenate(parts)
    assert len(joined) == len(whole)
    assert np.array_equal(joined, whole)
    return parts


def test_the_tracks_decode_back_to_back_as_the_session_sample_for_sample(tmp_path, monkeypatch):
    session = rendered(SECTIONS, tmp_path / "out", monkeypatch, split=True)
    parts = assert_back_to_back(session)
    chapters = json.loads((tmp_path / "out" / "sections-speech-only.chapters.json").read_text(encoding="utf-8"))
    starts = [round(chapter["startTime"] * 44100) for chapter in chapters["chapters"]]
    assert len(parts) == len(starts) == 7
    # Each track begins on the frame holding its chapter's start: every one of these stands alone.
    firsts = np.cumsum([0] + [len(part) for part in parts[:-1]])
    assert [first // mp3.FRAME for first in firsts] == [start // mp3.FRAME for start in starts]
    assert all(len(part) % mp3.FRAME == 0 for part in parts)


def test_under_a_bed_at_the_lowest_bitrate_the_tracks_are_the_session_too(tmp_path, monkeypatch):
    from musicfiles import sweep, write_wav

    music = write_wav(tmp_path / "sweep.wav", sweep(20.0))
    session = rendered(ROOT / "tests" / "golden" / "minimal.yaml", tmp_path / "out", monkeypatch, split=True,
                       music=(music,), bitrate=32)
    parts = assert_back_to_back(session)
    assert len(parts) == 3
    # The music (ducked for the next line) plays through every cut: no track starts on silence.
    assert all(np.abs(part[:mp3.FRAME].astype(int)).max() > 100 for part in parts[1:])


def test_each_track_is_tagged_as_a_track_of_the_session_s_album(tmp_path, monkeypatch):
    (tmp_path / "cover.png").write_bytes(tiny_png())
    routine = tmp_path / "mat.yaml"
    routine.write_text("title: Morning mat\ninstructor: Ana\ncover: cover.png\n"
                       "exercises: [{name: Roll up, reps: 2}, {name: 'Swan: dive?', reps: 2}]\n", encoding="utf-8")
    session = rendered(routine, tmp_path / "out", monkeypatch, split=True)
    home = tmp_path / "out" / "mat.tracks"
    names = ["01 - Introduction.mp3", "02 - Roll up.mp3", "03 - Swan- dive.mp3", "04 - Closing.mp3"]
    assert session.tracks == tuple(home / name for name in names)
    assert session.playlist == home / "mat.m3u8"
    assert sorted(os.listdir(home)) == [*names, "mat.m3u8"]
    for number, (path, title) in enumerate(zip(session.tracks, ["Introduction", "Roll up", "Swan: dive?",
                                                                 "Closing"]), 1):
        tags = ID3(path)
        assert (str(tags["TIT2"]), str(tags["TALB"]), str(tags["TPE1"]), str(tags["TPE2"]), str(tags["TRCK"])) == (
            title, "Morning mat", "Ana", "Ana", f"{number}/4")
        assert tags.getall("APIC")[0].data == tiny_png()
        assert not tags.getall("CHAP")  # a track is one chapter: no chapters of its own
        assert int(str(tags["TLEN"])) == round(len(samples(path)) * 1000 / 44100)


def lame_trim(path: Path) -> tuple[int, int, bool]:
    """Return the delay and padding a file's LAME extension gives, and whether the extension's own check holds."""
    data = path.read_bytes()
    head = ID3(path).size
    at = head + 4 + 17
    assert data[at:at + 4] == b"Info" and data[at + 16:at + 25] == b"LAME3.100"
    tag = data[at + 16:at + 16 + 36]
    value = int.from_bytes(tag[21:24], "big")
    check = struct.unpack(">H", tag[34:36])[0]
    return value >> 12, value & 0xFFF, check == mp3.crc16(data[head:at + 16 + 34])


def test_each_track_asks_gapless_players_to_trim_its_lead_in_frame_only(tmp_path, monkeypatch):
    session = rendered(ROOT / "tests" / "golden" / "minimal.yaml", tmp_path / "out", monkeypatch, split=True)
    for path in session.tracks:
        assert lame_trim(path) == (mp3.FRAME - mp3.DECODER_DELAY, mp3.DECODER_DELAY, True)
        # Played without trimming, a track is its frames and the one before (decoded here with the tag ignored).
        frames = sum(1 for _ in mp3.read_frames(open(path, "rb"), mp3.DEFAULT_BITRATE))
        assert len(samples(path)) == (frames - 1) * mp3.FRAME


def test_the_playlist_lists_the_tracks_in_order_with_their_lengths(tmp_path, monkeypatch):
    session = rendered(ROOT / "tests" / "golden" / "minimal.yaml", tmp_path / "out", monkeypatch, split=True)
    seconds = [round(len(samples(path)) / 44100) for path in session.tracks]
    assert session.playlist.read_bytes().decode("utf-8") == (
        f"#EXTM3U\n#EXTINF:{seconds[0]},Introduction\n01 - Introduction.mp3\n"
        f"#EXTINF:{seconds[1]},Roll up\n02 - Roll up.mp3\n#EXTINF:{seconds[2]},Closing\n03 - Closing.mp3\n")


def test_a_split_folder_still_lists_one_session_in_the_feed_and_the_page(tmp_path, monkeypatch):
    rendered(ROOT / "tests" / "golden" / "minimal.yaml", tmp_path, monkeypatch, split=True)
    # A track with a timed script beside it would look like a session, were tracks listed at all.
    (tmp_path / "minimal.tracks" / "02 - Roll up.json").write_text(
        (tmp_path / "minimal.json").read_text(encoding="utf-8"), encoding="utf-8")
    (episode,) = feed.episodes(tmp_path)
    assert episode.name == "minimal"
    xml = feed.feed_xml([episode], "http://example.test/").decode("utf-8")
    assert xml.count("<enclosure ") == 1 and "tracks" not in xml
    assert "tracks" not in page_html([episode], feed.channel_settings(tmp_path))


def test_a_new_split_replaces_the_earlier_tracks_and_keeps_what_the_user_put_beside_them(tmp_path, monkeypatch):
    routine = tmp_path / "mat.yaml"
    routine.write_text("title: Mat\nexercises: [{name: Roll up, reps: 2}, {name: Swan, reps: 2}]\n", encoding="utf-8")
    rendered(routine, tmp_path / "out", monkeypatch, split=True)
    home = tmp_path / "out" / "mat.tracks"
    (home / "notes.txt").write_text("mine\n", encoding="utf-8")
    (home / "99 - Mine.mp3").write_bytes(b"not listed in the playlist\n")
    routine.write_text("title: Mat\nexercises: [{name: Saw, reps: 2}]\n", encoding="utf-8")
    session = rendered(routine, tmp_path / "out", monkeypatch, split=True)
    assert sorted(os.listdir(home)) == ["01 - Introduction.mp3", "02 - Saw.mp3", "03 - Closing.mp3",
                                        "99 - Mine.mp3", "mat.m3u8", "notes.txt"]
    assert_back_to_back(session)
    # Without --split, the tracks that no longer match go; what the user made stays, with its folder.
    rendered(routine, tmp_path / "out", monkeypatch)
    assert sorted(os.listdir(home)) == ["99 - Mine.mp3", "notes.txt"]
    for name in ("notes.txt", "99 - Mine.mp3"):
        (home / name).unlink()
    rendered(routine, tmp_path / "out", monkeypatch, split=True)
    rendered(routine, tmp_path / "out", monkeypatch)
    assert sorted(os.listdir(tmp_path / "out")) == ["mat.chapters.json", "mat.json", "mat.mp3", "mat.vtt"]


def test_a_failed_split_leaves_the_earlier_session_whole_and_no_folder(tmp_path, monkeypatch):
    routine = ROOT / "tests" / "golden" / "minimal.yaml"
    rendered(routine, tmp_path, monkeypatch)
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}

    def fail(*args, **kwargs):
        raise OSError("the device went away")

    monkeypatch.setattr(tracks, "tag", fail)
    with pytest.raises(OSError, match="the device went away"):
        rendered(routine, tmp_path, monkeypatch, split=True)
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before


def test_split_and_sample_exact_are_refused_together_before_any_work(tmp_path):
    (tmp_path / "mat.yaml").write_text("title: Mat\nexercises: [{name: Roll up, reps: 2}]\n", encoding="utf-8")
    result = run_here(tmp_path, "render", "mat.yaml", "--split", "--sample-exact")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: --split cuts a session on the MP3 frames it is built of, which --sample-exact "
                             "does not keep; leave out one of them\n")
    assert not (tmp_path / "output").exists()


def test_a_file_where_the_tracks_folder_goes_is_refused_before_any_work(tmp_path):
    (tmp_path / "mat.yaml").write_text("title: Mat\nexercises: [{name: Roll up, reps: 2}]\n", encoding="utf-8")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "mat.tracks").write_text("mine\n", encoding="utf-8")
    result = run_here(tmp_path, "render", "mat.yaml", "--split")
    assert result.code == 2
    assert result.stderr == ("error: output/mat.tracks is not a folder, where mat.yaml writes its tracks; move it "
                             "away or choose another output folder with -o\n")
    assert sorted(os.listdir(tmp_path / "output")) == ["mat.tracks"]


def test_a_track_begins_on_the_frame_of_its_chapter_or_the_nearest_one_that_stands_alone():
    f = mp3.FRAME
    every = [1] * 10
    assert cuts.plan(every, [0, 3 * f + 5, 7 * f]) == [cuts.Cut(0, 0, 3), cuts.Cut(1, 3, 4), cuts.Cut(2, 7, 3)]
    # Frame 3 needs the one before: the track begins earlier, so the chapter's first word is whole.
    assert cuts.plan([1, 0, 1, 0, 0, 1, 1, 1, 1, 1], [0, 4 * f, 7 * f]) == [
        cuts.Cut(0, 0, 2), cuts.Cut(1, 2, 5), cuts.Cut(2, 7, 3)]
    # None before it since the last track: the nearest after, before the next chapter.
    assert cuts.plan([1, 0, 0, 0, 0, 1, 1, 1, 1, 1], [0, 3 * f, 7 * f]) == [
        cuts.Cut(0, 0, 5), cuts.Cut(1, 5, 2), cuts.Cut(2, 7, 3)]
    # None at all: the chapter stays in the track before; a chapter at the first's start too.
    assert cuts.plan([1, 0, 0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 3 * f, 7 * f]) == [
        cuts.Cut(0, 0, 7), cuts.Cut(3, 7, 3)]


def test_a_frame_stands_alone_where_it_and_the_one_before_hold_all_their_data(tmp_path):
    kbps = 64
    lean = bytearray(mp3.silent_frame(kbps))
    leaning = bytearray(lean)
    leaning[4], leaning[5] = 0x20, 0x80  # main_data_begin 65: part of its data is in the frames before
    with open(tmp_path / "s.mp3", "wb") as handle:
        writer = mp3.Writer(handle, kbps)
        for frame in (lean, leaning, lean, lean, leaning, leaning, lean):
            writer.write(bytes(frame), 1)
        writer.finish()
    assert mp3.main_data_begin(bytes(leaning)) == 65
    assert list(cuts.standalone(tmp_path / "s.mp3", kbps)) == [1, 0, 0, 1, 0, 0, 0]


@pytest.mark.parametrize("title, name", [
    ("Roll up", "07 - Roll up.mp3"),
    ("Hip/knee: circles?", "07 - Hip-knee- circles.mp3"),
    ('"Swan" <dive> | *', "07 - Swan dive.mp3"),
    ("...hidden", "07 - hidden.mp3"),
    ("Ends in a dot. ", "07 - Ends in a dot.mp3"),
    ("Tab\tand\nline", "07 - Tab and line.mp3"),
    ("???", "07.mp3"),
    ("Cafe\u0301", "07 - Caf\u00e9.mp3"),
])
def test_track_names_are_safe_on_any_player_s_file_system(title, name):
    assert tracks.file_name(7, 12, title) == name


def test_track_names_sort_in_order_and_stay_short():
    assert tracks.file_name(7, 120, "Saw") == "007 - Saw.mp3"
    long = tracks.file_name(1, 2, "Übung " * 60)
    assert len(long.encode("utf-8")) <= 5 + tracks.TITLE_BYTES + 4 and long.startswith("01 - Übung Übung")
    assert not long[:-4].endswith(" ")


def test_an_earlier_playlist_names_only_tracks_in_its_own_folder(tmp_path):
    home = tmp_path / "mat.tracks"
    home.mkdir()
    (home / "mat.m3u8").write_text("#EXTM3U\n#EXTINF:3,A\n01 - A.mp3\n../mat.mp3\n/etc/passwd\n"
                                   "02 - ../../x.mp3\nnotes.txt\n03.mp3\n01 - A.mp3\n", encoding="utf-8")
    assert tracks.previous(tmp_path, "mat") == [home / "01 - A.mp3", home / "03.mp3", home / "mat.m3u8"]
    assert tracks.previous(tmp_path, "other") == []


def test_split_needs_the_frame_grid():
    with pytest.raises(InputError, match="--sample-exact does not keep"):
        render.render(load(ROOT / "tests" / "golden" / "minimal.yaml"), None, Path("unused"), sample_exact=True,
                      split=True)


def test_a_session_shorter_than_its_cuts_is_refused_not_written_short(tmp_path):
    with open(tmp_path / "s.mp3", "wb") as handle:
        writer = mp3.Writer(handle, 64)
        writer.silence(5)
        writer.finish()
    outs = [tmp_path / "a.mp3", tmp_path / "b.mp3"]
    with pytest.raises(mp3.FrameError, match=r"ended after 5 frames, before the end of its last track \(frame 7\)"):
        cuts.write(tmp_path / "s.mp3", [cuts.Cut(0, 0, 3), cuts.Cut(1, 3, 4)], outs, 64)
    cuts.write(tmp_path / "s.mp3", [cuts.Cut(0, 0, 3), cuts.Cut(1, 3, 2)], outs, 64)
    assert [sum(1 for _ in mp3.read_frames(open(out, "rb"), 64)) for out in outs] == [4, 3]
