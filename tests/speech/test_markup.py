"""Text in a routine is spoken, never obeyed: markup is removed, and the engine never interprets it."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

import audiocheck
from pilates_audio import speech
from pilates_audio.format.values import speakable

BREAK = '<break time="20s"/>'


@pytest.mark.parametrize("text, spoken", [
    (f"Rest now {BREAK} and breathe.", "Rest now and breathe."),
    ("<speak>Reach long.</speak>", "Reach long."),
    ('<prosody rate="x-fast">Quickly</prosody> now.', "Quickly now."),
    ("Say [[h@l'oU]] softly.", "Say softly."),
    ("[[rate 400]]Slowly.", "Slowly."),
    ("Open ]] and [[ close.", "Open and close."),
    ("Ring \x07 the \x01" + "50S bell.", "Ring the 50S bell."),
    ("Heart <3, and a < b > c.", "Heart <3, and a < b > c."),
])
def test_markup_is_removed_from_spoken_text(text, spoken):
    assert speakable(text) == spoken


def test_the_engine_reads_markup_as_text_rather_than_obeying_it(tmp_path):
    # Straight to the engine, past the routine's clean-up: no twenty-second pause appears.
    voices = speech.Speech(None, 170, root=tmp_path, engine="pyttsx3")
    line = f"Rest {BREAK} now."
    voices.ensure([line, "Rest now."])
    assert voices.length(line) < 6 * speech.SAMPLE_RATE
    pcm = voices.pcm(line)
    assert audiocheck.peak(pcm, 0, voices.length(line) / speech.SAMPLE_RATE) > 1000


def test_a_routine_with_markup_renders_as_plain_speech(write_routine, tmp_path):
    path = write_routine(f"""
        title: "<speak>Marked up</speak>"
        exercises:
          - name: Roll up [[r@Ul]]
            setup: Lie down. {BREAK} Arms long.
            reps: 2
        outro: "Done.\\x01\\x35\\x30S"
        pacing: {{inhale: 1.5s, exhale: 1.5s, transition: 2s, breath_cues: silent}}
        """)
    result = run_cli("render", path, "-o", tmp_path / "out", "-q")
    assert result.code == 0, result.stderr
    data = json.loads((tmp_path / "out" / "routine.json").read_text())
    spoken = [cue["text"] for cue in data["cues"] if cue["kind"] == "speech"]
    assert spoken[0] == "Marked up."
    assert "Lie down. Arms long." in spoken and "Done. 50S" in spoken
    assert not any(mark in text for text in spoken for mark in ("<", ">", "[[", "]]", "\x01"))
    # A session this size lasts well under the 20 s the break asked for, plus its own length.
    assert data["duration"] < 30
    pcm = audiocheck.load(tmp_path / "out" / "routine.mp3")
    assert abs(len(pcm) / 2 / 44100 - data["duration"]) < 0.002
