"""Loudness (ITU-R BS.1770 K-weighting and gating) and a peak limiter, for 44.1 kHz mono."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from pilates_audio.speech import gating
from pilates_audio.speech.gating import STEP
from pilates_audio.timing import SAMPLE_RATE


def _biquad_response(b: tuple[float, float, float], a: tuple[float, float, float], z: np.ndarray) -> np.ndarray:
    return (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)


_SMOOTH = sorted(2 ** a * 3 ** b * 5 ** c for a in range(14) for b in range(9) for c in range(6)
                 if 2 ** a * 3 ** b * 5 ** c <= 10_000)


def _fft_size(count: int) -> int:
    """Return an FFT length of at least `count`: 4096 times a number with no prime factor over 5.

    Such lengths are fast, never much longer than needed, and few.
    """
    for multiple in _SMOOTH:
        if 4096 * multiple >= count:
            return 4096 * multiple
    return 1 << (count - 1).bit_length()


@lru_cache(maxsize=64)
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
    size = _fft_size(count)  # no wrap-around, and few distinct sizes, so their responses are reused
    spectrum = np.fft.rfft(samples, size) * k_weighting(size)
    return np.fft.irfft(spectrum, size)[:count]


def to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def profile(pcm: bytes) -> np.ndarray:
    """Return the K-weighted energy of each 10 ms step of a clip (its filter tail included)."""
    return step_energies(weighted(to_float(pcm)) ** 2)


def step_energies(energy: np.ndarray) -> np.ndarray:
    """Sum per-sample energy over each 10 ms step, the last step padded with silence."""
    steps = -(-len(energy) // STEP)
    padded = np.zeros(steps * STEP)
    padded[: len(energy)] = energy
    return padded.reshape(steps, STEP).sum(axis=1)


def clip_loudness(steps: np.ndarray, count: int) -> float:
    """Return a clip's own loudness: its whole K-weighted energy over its length (see `gating.clip_loudness`)."""
    return gating.clip_loudness(steps.tolist(), count)


def integrated(steps: np.ndarray) -> float:
    """Return the gated integrated loudness of a whole session from its 10 ms energy steps (see `gating`)."""
    return gating.integrated(steps.tolist())


LIMIT_WINDOW = int(0.010 * SAMPLE_RATE) | 1  # samples the look-ahead minimum spans: 10 ms
LIMIT_AVERAGE = LIMIT_WINDOW // 2 | 1  # samples the gain is averaged over
LIMIT_REACH = LIMIT_WINDOW // 2 + LIMIT_AVERAGE // 2  # how far one loud sample lowers the gain


def limit(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Keep every sample within `ceiling` (full scale 1.0) with a smooth look-ahead gain.

    The gain is a moving minimum of what each sample needs, averaged over half that
    window: every average is taken of minima that each cover the sample itself, so
    no sample passes the ceiling, and the gain moves smoothly. Only the stretches
    around samples over the ceiling are touched, which in speech is a few percent.
    """
    over = np.flatnonzero(np.abs(samples) > ceiling)
    if not len(over):
        return samples
    starts, ends = _stretches(over, len(samples))
    where, limited = _limit_stretches(samples, starts, ends, 1.0, ceiling)
    out = samples.copy()
    out[where] = limited
    return out


def _stretches(over: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Return where the stretches a limiter touches, around the given loud samples, start and end."""
    # Loud samples closer than twice the reach share one stretch.
    breaks = np.flatnonzero(np.diff(over) > 2 * LIMIT_REACH)
    starts = np.maximum(0, over[np.concatenate(([0], breaks + 1))] - LIMIT_REACH)
    ends = np.minimum(count, over[np.concatenate((breaks, [len(over) - 1]))] + LIMIT_REACH + 1)
    return starts, ends


def _limit_stretches(samples: np.ndarray, starts: np.ndarray, ends: np.ndarray, gain: float,
                     ceiling: float) -> tuple[np.ndarray, np.ndarray]:
    """Limit stretches of samples at a gain; return their positions and their limited samples.

    The stretches are laid end to end with LIMIT_REACH of untouched room between
    them, so one pass over that short array limits them all, each as if alone.
    """
    lengths = ends - starts
    total = int(lengths.sum())
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    where = np.repeat(starts, lengths) + within
    placed = np.repeat(np.cumsum(lengths + LIMIT_REACH) - lengths - LIMIT_REACH, lengths) + within
    need = np.ones(total + LIMIT_REACH * len(lengths))
    stretch = samples[where] * gain
    need[placed] = np.minimum(1.0, ceiling / np.maximum(np.abs(stretch), 1e-12))
    return where, stretch * _limit_gain(need)[placed]


def _limit_gain(need: np.ndarray) -> np.ndarray:
    """Return the smooth gain for a stretch, given what each sample needs (1.0 beyond it)."""
    minima = running_min(np.pad(need, LIMIT_REACH, constant_values=1.0), LIMIT_WINDOW)
    sums = np.concatenate(([0.0], np.cumsum(minima)))
    gain = (sums[LIMIT_AVERAGE:] - sums[:-LIMIT_AVERAGE]) / LIMIT_AVERAGE
    # Running sums round; the average can only ever be under `need`, so hold it there.
    return np.minimum(gain, need)


def running_min(values: np.ndarray, window: int) -> np.ndarray:
    """Return the minimum of every run of `window` values, in time linear in the length.

    Each block of `window` values gets its running minimum from the left and from
    the right; any run spans at most two blocks, so it is the smaller of two lookups.
    """
    count = len(values) - window + 1
    blocks = -(-len(values) // window)
    padded = np.full(blocks * window, np.inf)
    padded[: len(values)] = values
    grid = padded.reshape(blocks, window)
    from_left = np.minimum.accumulate(grid, axis=1).ravel()
    from_right = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(from_right[:count], from_left[window - 1: window - 1 + count])


def _squares(values: np.ndarray) -> float:
    """Return the sum of squares without BLAS, whose thread pool only gets in the way here."""
    return float(np.einsum("i,i->", values, values))


def kept_energies(pcm: bytes, gains_db: list[float], ceiling_db: float) -> list[float]:
    """Return a clip's plain energy after `adjust` at each gain, over its energy before.

    Only the stretches the limiter acts on are worked through; the rest is the gain alone.
    """
    samples = to_float(pcm)
    peaks = np.abs(samples)
    plain = max(_squares(samples), 1e-12)
    ceiling = 10 ** (ceiling_db / 20)
    kept = []
    for gain in (10 ** (gain_db / 20) for gain_db in gains_db):
        value = gain * gain
        over = np.flatnonzero(peaks > ceiling / gain)
        if len(over):
            starts, ends = _stretches(over, len(samples))
            where, limited = _limit_stretches(samples, starts, ends, gain, ceiling)
            value += (_squares(limited) - _squares(samples[where] * gain)) / plain
        kept.append(value)
    return kept


def to_pcm(samples: np.ndarray, in_place: bool = False) -> bytes:
    """Return float samples (full scale 1.0) as 16-bit PCM, rounded and clipped; `in_place` scales `samples` itself."""
    # In place saves three passes over every sample of a session with music.
    scaled = samples if in_place else samples.copy()
    scaled *= 32768.0
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    return scaled.astype("<i2").tobytes()


def adjust(pcm: bytes, gain_db: float, ceiling_db: float) -> bytes:
    """Apply a gain to a clip and keep its peaks under the ceiling."""
    # In place: a session's lines are minutes of samples, levelled again at each new gain.
    # Scaling by a power of two is exact, so this is (x / 32768) * gain to the bit.
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    samples *= 10 ** (gain_db / 20) / 32768.0
    return to_pcm(limit(samples, 10 ** (ceiling_db / 20)), in_place=True)
