"""Measure audio: where there is speech, where there is silence, how loud it is."""

from __future__ import annotations

import audioop
import math
import subprocess
import tempfile
from pathlib import Path

from pilates_audio.sound.decoding import decode
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
    """Return ffmpeg's integrated loudness (LUFS) and true peak (dBTP) of a file.

    The meter's readings are read as the key=value lines its frame metadata prints to a
    file (ffmpeg 5.1 and 9.0 write them alike), never from the summary it prints for people.
    """
    with tempfile.TemporaryDirectory() as folder:
        # ffmpeg runs in the folder, so the readings' file name needs no escaping in the filter graph.
        result = subprocess.run(
            [ffmpeg(), "-v", "error", "-nostdin", "-i", str(Path(path).resolve()), "-af",
             "ebur128=peak=true:metadata=1,ametadata=mode=print:file=r128.txt", "-f", "null", "-"],
            capture_output=True, text=True, cwd=folder)
        assert result.returncode == 0, result.stderr
        lines = (Path(folder) / "r128.txt").read_text(encoding="utf-8").splitlines()
    readings = [line.partition("=") for line in lines]
    integrated = [float(value) for key, _, value in readings if key == "lavfi.r128.I"]
    peaks = [float(value) for key, _, value in readings if key == "lavfi.r128.true_peak"]
    assert integrated and peaks, f"ffmpeg's meter gave no readings for {path}"
    # Each frame carries the loudness of everything up to it, so the last is the file's; peaks are linear.
    peak = max(peaks)
    return integrated[-1], 20 * math.log10(peak) if peak > 0 else -math.inf
