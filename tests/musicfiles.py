"""Music made for the tests (no recorded music is kept here): a tone sweep and a noise bed with a marker tone."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from pilates_audio.tools import ffmpeg

RATE = 44100
MARKER = 45.0  # Hz: the noise bed's steady tone, below any voice, so the bed can be measured under speech
MARKER_LEVEL = 0.1  # its amplitude in the file


def write_wav(path: Path, samples: np.ndarray, channels: int = 2) -> Path:
    """Write float samples (full scale 1.0) as a 16-bit WAV, the same on every channel."""
    data = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.repeat(data, channels).tobytes())
    return path


def sweep(seconds: float) -> np.ndarray:
    """A sine gliding from 220 Hz to 880 Hz and back, so it loops without a jump in pitch."""
    count = int(seconds * RATE)
    t = np.arange(count) / RATE
    # Frequency rises and falls on a cosine; the phase is its integral.
    low, high = 220.0, 880.0
    frequency = low + (high - low) * (1 - np.cos(2 * np.pi * t / seconds)) / 2
    phase = 2 * np.pi * np.cumsum(frequency) / RATE
    return 0.3 * np.sin(phase)


def noise_bed(seconds: float, seed: int = 7) -> np.ndarray:
    """Soft noise, darker than white (as music is), over a steady MARKER tone."""
    count = int(seconds * RATE)
    white = np.random.default_rng(seed).standard_normal(count)
    spectrum = np.fft.rfft(white)
    frequencies = np.fft.rfftfreq(count, 1 / RATE)
    spectrum *= 1 / np.sqrt(np.maximum(frequencies, 150.0) / 150.0)  # pink: -3 dB an octave
    spectrum[(frequencies < 150) | (frequencies > 8000)] = 0  # none near the marker, so it can be measured
    noise = np.fft.irfft(spectrum, count)
    noise *= 0.08 / np.sqrt(np.mean(noise ** 2))
    t = np.arange(count) / RATE
    return noise + MARKER_LEVEL * np.sin(2 * np.pi * MARKER * t)


def to_mp3(wav: Path) -> Path:
    """Encode a WAV as a stereo MP3 beside it, as music usually comes."""
    out = wav.with_suffix(".mp3")
    subprocess.run([ffmpeg(), "-v", "error", "-y", "-i", str(wav), "-c:a", "libmp3lame", "-b:a", "128k", str(out)],
                   check=True)
    return out


def marker_level(pcm: np.ndarray, start: float, end: float) -> float:
    """Return the amplitude of the MARKER tone in a stretch of decoded samples (full scale 1.0)."""
    a, b = int(start * RATE), int(end * RATE)
    x = pcm[a:b]
    window = np.hanning(len(x))
    t = np.arange(a, b) / RATE
    projection = np.sum(x * window * np.exp(-2j * np.pi * MARKER * t))
    return float(2 * abs(projection) / window.sum())
