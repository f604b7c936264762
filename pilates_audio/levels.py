"""Loudness (ITU-R BS.1770 K-weighting and gating) and a peak limiter, for 44.1 kHz mono."""

from __future__ import annotations

import math

import numpy as np

SAMPLE_RATE = 44100
STEP = 441  # samples in one 10 ms step of an energy profile
BLOCK_STEPS = 40  # a gating block is 400 ms
HOP_STEPS = 10  # blocks start every 100 ms (75 % overlap)
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
SILENCE = -120.0  # what the loudness of nothing is reported as


def _biquad_response(b: tuple[float, float, float], a: tuple[float, float, float], z: np.ndarray) -> np.ndarray:
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


def k_weighting(count: int) -> np.ndarray:
    """Return the K-weighting filter's complex response at the bins of an rfft of `count` samples."""
    fs = SAMPLE_RATE
    # The two stages of BS.1770, designed for any sample rate (as libebur128 does).
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / fs)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0)
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / fs)
    a0 = 1 + k / q + k * k
    high_b = (1.0, -2.0, 1.0)
    high_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(count, 1 / fs) / fs)  # z^-1 at each bin
    return _biquad_response(shelf_b, shelf_a, z) * _biquad_response(high_b, high_a, z)


def weighted(samples: np.ndarray) -> np.ndarray:
    """K-weight samples (floats, full scale 1.0), with room for the filter's tail."""
    tail = SAMPLE_RATE // 20
    count = len(samples) + tail
    size = 1 << max(1, (count - 1).bit_length())  # a power of two: fast, and no wrap-around
    spectrum = np.fft.rfft(samples, size) * k_weighting(size)
    return np.fft.irfft(spectrum, size)[:count]


def to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def profile(pcm: bytes) -> np.ndarray:
    """Return the K-weighted energy of each 10 ms step of a clip (its filter tail included)."""
    energy = weighted(to_float(pcm)) ** 2
    steps = -(-len(energy) // STEP)
    padded = np.zeros(steps * STEP)
    padded[: len(energy)] = energy
    return padded.reshape(steps, STEP).sum(axis=1)


def loudness(energy: float, count: int) -> float:
    """Return the loudness in LUFS of a mean square given as total energy over `count` samples."""
    if count <= 0 or energy <= 0:
        return SILENCE
    return -0.691 + 10 * math.log10(energy / count)


def clip_loudness(steps: np.ndarray, count: int) -> float:
    """Return a clip's own loudness: its whole K-weighted energy over its length."""
    return loudness(float(steps.sum()), count)


def integrated(steps: np.ndarray) -> float:
    """Return the gated integrated loudness of a whole session from its 10 ms energy steps."""
    cumulative = np.concatenate(([0.0], np.cumsum(steps)))
    starts = np.arange(0, max(1, len(steps) - BLOCK_STEPS + 1), HOP_STEPS)
    ends = np.minimum(starts + BLOCK_STEPS, len(steps))
    blocks = (cumulative[ends] - cumulative[starts]) / (BLOCK_STEPS * STEP)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    kept = blocks[levels > ABSOLUTE_GATE]
    if not len(kept):
        return SILENCE
    relative = -0.691 + 10 * math.log10(kept.mean()) + RELATIVE_GATE
    kept = blocks[(levels > ABSOLUTE_GATE) & (levels > relative)]
    return -0.691 + 10 * math.log10(kept.mean())


def limit(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Keep every sample within `ceiling` (full scale 1.0) with a smooth look-ahead gain.

    The gain is a moving minimum of what each sample needs, averaged over half that
    window: every average is taken of minima that each cover the sample itself, so
    no sample passes the ceiling, and the gain moves smoothly.
    """
    peaks = np.abs(samples)
    if peaks.max(initial=0.0) <= ceiling:
        return samples
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    window = int(0.010 * SAMPLE_RATE) | 1  # 10 ms
    half = window // 2
    padded = np.pad(need, half, constant_values=1.0)
    minima = np.lib.stride_tricks.sliding_window_view(padded, window).min(axis=1)
    average = window // 2 | 1
    kernel = np.ones(average) / average
    gain = np.convolve(np.pad(minima, average // 2, mode="edge"), kernel, mode="valid")
    return samples * gain


def energy(pcm: bytes) -> float:
    """Return the plain (unweighted) energy of 16-bit samples."""
    samples = to_float(pcm)
    return float(np.dot(samples, samples))


def to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


def adjust(pcm: bytes, gain_db: float, ceiling_db: float) -> bytes:
    """Apply a gain to a clip and keep its peaks under the ceiling."""
    samples = to_float(pcm) * 10 ** (gain_db / 20)
    return to_pcm(limit(samples, 10 ** (ceiling_db / 20)))
