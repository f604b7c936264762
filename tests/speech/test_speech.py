"""Speech clips and their cache: keys, hits, misses, damaged entries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from pilates_audio import speech


def test_the_key_changes_with_everything_that_changes_a_clip():
    base = speech.clip_key("engine-1/voice", 155, "Hello.")
    assert base == speech.clip_key("engine-1/voice", 155, "Hello.")
    others = {
        speech.clip_key("engine-2/voice", 155, "Hello."),
        speech.clip_key("engine-1/other", 155, "Hello."),
        speech.clip_key("engine-1/voice", 156, "Hello."),
        speech.clip_key("engine-1/voice", 155, "Hello!"),
    }
    assert base not in others and len(others) == 4


def test_clips_are_synthesized_once_then_hit(tmp_path: Path):
    voices = speech.Speech(None, 160, root=tmp_path, engine="pyttsx3")
    lines = ["Reach long.", "Two."]
    assert voices.missing(lines) == lines
    voices.ensure(lines)
    assert all(voices.length(text) > 0.2 * 44100 for text in lines)
    again = speech.Speech(None, 160, root=tmp_path, engine="pyttsx3")
    assert again.missing(lines) == []
    assert again.pcm("Reach long.") == voices.pcm("Reach long.")
    faster = speech.Speech(None, 220, root=tmp_path, engine="pyttsx3")
    assert faster.missing(lines) == lines


def test_a_damaged_entry_counts_as_a_miss_and_is_remade(tmp_path: Path):
    voices = speech.Speech(None, 150, root=tmp_path, engine="pyttsx3")
    voices.ensure(["Breathe in."])
    good = voices.pcm("Breathe in.")
    entry = voices.path("Breathe in.")
    entry.write_bytes(entry.read_bytes()[:-100])  # truncated
    again = speech.Speech(None, 150, root=tmp_path, engine="pyttsx3")
    assert again.missing(["Breathe in."]) == ["Breathe in."]
    again.ensure(["Breathe in."])
    assert abs(again.length("Breathe in.") - len(good) // 2) <= 0.015 * 44100  # remade, not reused
    entry.write_bytes(b"garbage")
    assert speech.Speech(None, 150, root=tmp_path, engine="pyttsx3").missing(["Breathe in."]) == ["Breathe in."]


def test_an_entry_with_one_byte_of_its_audio_changed_counts_as_a_miss(tmp_path: Path):
    voices = speech.Speech(None, 150, root=tmp_path, engine="pyttsx3")
    voices.ensure(["Breathe out."])
    entry = voices.path("Breathe out.")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 1  # the same size, so only its checksum can tell
    entry.write_bytes(bytes(data))
    assert speech.Speech(None, 150, root=tmp_path, engine="pyttsx3").missing(["Breathe out."]) == ["Breathe out."]


def test_clips_are_trimmed_and_their_length_is_stable(tmp_path: Path):
    """Speech runs from the first sample to the last; fresh syntheses agree to a few ms.

    eSpeak varies its output slightly with what it spoke before, so clips are compared
    by length, not bytes; the script always uses the measured length.
    """
    import audioop

    text = "Stay face down and bend your elbows out to the sides."
    lengths = []
    for name in ("a", "b"):
        voices = speech.Speech(None, 155, root=tmp_path / name, engine="pyttsx3")
        voices.ensure(["Two.", text])
        pcm = voices.pcm(text)
        lengths.append(len(pcm) // 2)
        edge = int(0.02 * 44100) * 2
        assert audioop.max(pcm[:edge], 2) > 300  # sound starts within 20 ms
        assert audioop.max(pcm[-edge:], 2) > 300  # and runs to the end: no trailing pause
    assert abs(lengths[0] - lengths[1]) <= 0.015 * 44100


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    from pilates_audio.files import cache_dir

    monkeypatch.setenv("PILATES_AUDIO_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PILATES_AUDIO_CACHE")
    assert cache_dir().name == "pilates-audio"


def test_the_speech_rate_is_honoured_on_every_line(tmp_path: Path):
    """Lines come out at the rate asked for, every time, not at the engine's default."""
    text = "Lengthen through the crown of the head and keep the shoulders soft."
    lengths = {}
    for rate in (130, 220, 130, 220):
        voices = speech.Speech(None, rate, root=tmp_path / f"{rate}-{len(lengths)}", engine="pyttsx3")
        voices.ensure([text])
        lengths.setdefault(rate, []).append(voices.length(text))
    slow, fast = min(lengths[130]), max(lengths[220])
    assert 1.4 <= slow / fast <= 1.9, lengths  # 220/130 = 1.69 words a minute, less the pauses


def test_notes_on_a_session_spoken_by_espeak_ng_leave_piper_unloaded():
    # Only Piper's voices are told apart by language; loading Piper (and the installed packages'
    # metadata it reads) would only slow every eSpeak NG render and re-render down.
    code = ("import sys; from pilates_audio import speech; "
            "print(speech.voice_notes('pyttsx3', None, 'de'), speech.voice_notes('pyttsx3', 'de', 'fr'), "
            "'pilates_audio.speech.piper_engine' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "() () False\n"
