"""A fake engine for tests: a short tone per syllable, deterministic, instant, with no voice model."""

from __future__ import annotations

import math
import re

from pilates_audio.speech.base import SAMPLE_RATE, VOICES_HINT, Voice, VoiceError

NAME = "fake"
RATE = 22050  # samples a second, as the real engines give, so resampling is exercised too
SYLLABLE = 0.2  # seconds of a syllable at 155 wpm
PAUSE = 0.3  # seconds at a punctuation mark inside the text, at 155 wpm
VOICES = (Voice("low", "Low", ("en",)), Voice("high", "High", ("en",)))


def syllables(text: str) -> list[int]:
    """Return each syllable's position in the text, with -1 for a pause at punctuation."""
    marks = []
    for match in re.finditer(r"[aeiouy]+|[,;:.!?](?=\s+\S)", text.lower()):
        marks.append(-1 if match.group()[0] in ",;:.!?" else match.start())
    return marks or [0]


class Engine:
    """The fake engine: its sound is a pure function of voice, rate and text."""

    name = NAME

    def missing(self) -> str | None:
        return None

    def voices(self) -> list[Voice]:
        return list(VOICES)

    def resolve(self, voice: str | None, language: str = "en") -> str:
        if voice is None:
            return VOICES[0].id
        if voice not in {v.id for v in VOICES}:
            raise VoiceError(f"unknown voice '{voice}'; {VOICES_HINT}")
        return voice

    def identity(self, voice: str) -> str:
        return f"{NAME}/1/{voice}"

    def estimate(self, text: str, rate: int) -> int:
        return int(len(syllables(text)) * _step(SYLLABLE, rate) * SAMPLE_RATE)

    def open(self, voice: str) -> "Speaker":
        return Speaker(self.resolve(voice))


def _step(seconds: float, rate: int) -> float:
    return seconds * 155 / rate


class Speaker:
    """Speaks a tone per syllable (pitch from the letter's place), silence at punctuation."""

    sample_rate = RATE

    def __init__(self, voice: str) -> None:
        self.base = 180.0 if voice == "low" else 320.0

    def speak(self, text: str, rate: int) -> bytes:
        import numpy as np

        count = int(_step(SYLLABLE, rate) * RATE)
        t = np.arange(count) / RATE
        envelope = np.sin(np.pi * np.arange(count) / count) ** 0.5
        parts = []
        for mark in syllables(text):
            if mark < 0:
                parts.append(np.zeros(count))
            else:
                pitch = self.base * (1 + (mark % 7) / 14)
                parts.append(0.5 * envelope * np.sin(2 * math.pi * pitch * t))
        return (np.concatenate(parts) * 32767).astype("<i2").tobytes()
