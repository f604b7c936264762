"""Gated loudness in plain Python: every figure the one numpy gives, to the bit."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from pilates_audio.speech import gating

SIZES = [1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 136, 255, 256, 257, 1000, 4097, 8192, 8193, 50_001]


def numpy_integrated(steps: np.ndarray) -> float:
    """The gated loudness as it was worked out with numpy arrays: what `gating.integrated` must give to the bit."""
    cumulative = np.concatenate(([0.0], np.cumsum(steps)))
    starts = np.arange(0, max(1, len(steps) - gating.BLOCK_STEPS + 1), gating.HOP_STEPS)
    ends = np.minimum(starts + gating.BLOCK_STEPS, len(steps))
    blocks = (cumulative[ends] - cumulative[starts]) / (gating.BLOCK_STEPS * gating.STEP)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    kept = blocks[levels > gating.ABSOLUTE_GATE]
    if not len(kept):
        return gating.SILENCE
    relative = -0.691 + 10 * math.log10(kept.mean()) + gating.RELATIVE_GATE
    kept = blocks[(levels > gating.ABSOLUTE_GATE) & (levels > relative)]
    return -0.691 + 10 * math.log10(kept.mean())


@pytest.mark.parametrize("size", SIZES)
def test_a_sum_is_rounded_as_numpy_rounds_it(size):
    rng = random.Random(size)
    for _ in range(20):
        scale = 10 ** rng.uniform(-12, 3)
        values = [rng.random() * scale * 10 ** rng.uniform(-3, 0) for _ in range(size)]
        assert gating.pairwise_sum(values) == float(np.array(values).sum())
        assert gating.pairwise_sum(values) / size == float(np.array(values).mean())


def session(rng: random.Random, seconds: int) -> list[float]:
    """Energy steps of a session: clips at random places, some overlapping, silence between, quiet tails."""
    steps = [0.0] * (seconds * 100)
    for _ in range(seconds // 3):
        at, length = rng.randrange(len(steps)), rng.randrange(5, 400)
        level = 10 ** rng.uniform(-9, 1)
        for index in range(at, min(at + length, len(steps))):
            steps[index] += level * rng.random() * (0.001 if index > at + length - 6 else 1)
    return steps


@pytest.mark.parametrize("seed", range(12))
def test_a_session_measures_as_numpy_measured_it(seed):
    rng = random.Random(seed)
    steps = session(rng, rng.choice([1, 4, 60, 600]))
    assert gating.integrated(steps) == numpy_integrated(np.array(steps))


def test_nothing_and_near_nothing_are_silence():
    assert gating.integrated([]) == numpy_integrated(np.array([])) == gating.SILENCE
    assert gating.integrated([0.0] * 500) == gating.SILENCE
    assert gating.integrated([1e-12] * 500) == numpy_integrated(np.array([1e-12] * 500)) == gating.SILENCE


def test_a_block_on_a_gate_is_measured_as_numpy_measures_it():
    size = gating.BLOCK_STEPS * gating.STEP
    on_gate = 10 ** ((gating.ABSOLUTE_GATE + 0.691) / 10)  # a block this loud sits on the absolute gate
    for nudge in (-2, -1, 0, 1, 2):
        step = math.nextafter(on_gate, math.inf) if nudge > 0 else on_gate
        for _ in range(abs(nudge)):
            step = math.nextafter(step, math.inf if nudge > 0 else -math.inf)
        steps = [step * size / gating.BLOCK_STEPS] * 200 + [1e-3] * 200
        assert gating.integrated(steps) == numpy_integrated(np.array(steps)), nudge
