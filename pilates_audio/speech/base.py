"""What every speech engine is and shares: the Engine protocol, voices, errors, and clean-up of its audio."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from pilates_audio.errors import InputError, PilatesAudioError
from pilates_audio.timing import SAMPLE_RATE

SILENCE_THRESHOLD = 64  # of 32767: below this, the engine's output counts as silence
EDGE_KEEP = 0.005  # seconds kept either side of the sound, so no onset is clipped
FADE = 0.004  # seconds of fade on clip edges, so joints never click
VOICES_HINT = "run `pilates-audio voices` to list the voices this machine has"


class SpeechError(PilatesAudioError):
    """The speech engine failed."""

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class VoiceError(InputError):
    """The voice or engine asked for cannot be used: exit status 2."""


class UnknownVoice(SpeechError):
    """Raised in a worker when the engine has no such voice; the parent turns it into a VoiceError."""

    def __init__(self, voice: str):
        super().__init__(f"unknown voice '{voice}'", retry=False)


class BadVoice(SpeechError):
    """A voice model or its config that cannot be loaded; the parent reports it as a VoiceError."""

    def __init__(self, message: str):
        super().__init__(message, retry=False)


@dataclass(frozen=True)
class Voice:
    """A voice an engine offers."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None
    quality: str | None = None  # Piper's low, medium or high
    source: str | None = None  # where it was found: a package, the voices folder, a file


class Speaker(Protocol):
    """One engine loaded in a worker process, speaking one voice."""

    sample_rate: int

    def speak(self, text: str, rate: int) -> bytes:
        """Return mono 16-bit samples at `sample_rate` for `text` at `rate` words a minute."""


class Engine(Protocol):
    """A speech engine: what the rest of the tool knows of it, in the parent process.

    Synthesis happens only in worker processes (`open` runs there), one engine per
    process: two engines' copies of eSpeak NG in one process crash it.
    """

    name: str

    def missing(self) -> str | None:
        """Return why the engine cannot be used here (and how to fix it), or None."""

    def voices(self) -> list[Voice]:
        """Return the voices the engine offers on this machine."""

    def resolve(self, voice: str | None, language: str = "en") -> str:
        """Return what a worker needs to load `voice` (None: the engine's voice for `language`), or raise VoiceError."""

    def identity(self, voice: str) -> str:
        """Return what names the audio of a resolved voice: engine, version, the model's digest."""

    def estimate(self, text: str, rate: int) -> int:
        """Estimate a clip's length in samples at SAMPLE_RATE without synthesizing it."""

    def open(self, voice: str) -> Speaker:
        """Load the engine and the voice, in a worker process."""


@lru_cache(maxsize=4096)  # asked for each line every time a session is planned on estimates
def letters_and_pauses(text: str) -> tuple[int, int]:
    """Count what speech length depends on: letters, and punctuation marks inside the text."""
    return len(re.sub(r"[^\w]", "", text)), len(re.findall(r"[,;:.!?](?=\s+\S)", text))


def process(samples: bytes, rate: int) -> bytes:
    """Turn an engine's mono 16-bit samples into trimmed, faded 44.1 kHz PCM."""
    import numpy as np

    from pilates_audio import tools

    data = np.frombuffer(samples, "<i2")
    loud = np.flatnonzero(np.abs(data.astype(np.int32)) > SILENCE_THRESHOLD)
    if not len(loud):
        return b""
    keep = int(EDGE_KEEP * rate)
    trimmed = data[max(0, int(loud[0]) - keep): min(len(data), int(loud[-1]) + 1 + keep)]
    segment = tools.pydub().AudioSegment(trimmed.tobytes(), sample_width=2, frame_rate=rate, channels=1)
    fade_ms = int(FADE * 1000)
    return segment.set_frame_rate(SAMPLE_RATE).fade_in(fade_ms).fade_out(fade_ms).raw_data


def plausible(count: int, expected: int) -> bool:
    """Tell whether a clip of `count` samples is believable where about `expected` were estimated."""
    return expected * 0.2 <= count <= expected * 4 + 2 * SAMPLE_RATE


def speaks(voice: Voice, language: str) -> bool:
    """Tell whether a voice speaks a language (a BCP 47 tag): a de_DE voice speaks de and de-DE, an en one en-GB."""
    def tag(code: str) -> str:
        return code.lower().replace("_", "-")

    wanted = tag(language)
    # The same tag; a regional voice for the bare language; a bare voice for a regional tag.
    return any(code == wanted or code.split("-")[0] == wanted or code == wanted.split("-")[0]
               for code in map(tag, voice.languages))
