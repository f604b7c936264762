"""Measure decoded audio: where there is speech, where there is silence, and its loudness."""

from __future__ import annotations

import audioop
import re
import subprocess

from pilates_audio.sound.audio import decode
from pilates_audio.tools import ffmpeg

RATE = 44100


def load(path) -> bytes:
    """Decode an MP3 with the real ffmpeg to 44.1 kHz mono 16-bit samples."""
    return decode(path)


def window(pcm: bytes, start: float, end: float) -> bytes:
    a, b = int(start * RATE), int(end * RATE)
    return pcm[a * 2 : b * 2]


def rms(pcm: bytes, start: float, end: float) -> int:
    return audioop.rms(window(pcm, start, end), 2)


def peak(pcm: bytes, start: float, end: float) -> int:
    return audioop.max(window(pcm, start, end), 2)


def onset(pcm: bytes, after: float, threshold: int = 500, step: float = 0.002) -> float | None:
    """Return the first time after `after` at which the level crosses `threshold`."""
    t = after
    total = len(pcm) / 2 / RATE
    while t < total:
        if audioop.max(window(pcm, t, t + step), 2) > threshold:
            return t
        t += step
    return None


def crossings(pcm: bytes, start: float, end: float) -> int:
    """Count zero crossings in a window: twice the frequency of a pure tone, per second."""
    import array

    values = array.array("h", window(pcm, start, end))
    return sum(1 for a, b in zip(values, values[1:]) if (a < 0) != (b < 0))


def ebur128(path) -> tuple[float, float]:
    """Return ffmpeg's integrated loudness (LUFS) and true peak (dBTP) of a file."""
    result = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-af",
                             "ebur128=peak=true:framelog=quiet", "-f", "null", "-"], capture_output=True, text=True)
    integrated = float(re.search(r"^\s+I:\s+(-?[\d.]+) LUFS", result.stderr, re.M).group(1))
    peak = float(re.search(r"^\s+Peak:\s+(-?[\d.]+|-inf) dBFS", result.stderr, re.M).group(1))
    return integrated, peak
