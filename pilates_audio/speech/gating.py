"""Loudness from 10 ms energy steps (ITU-R BS.1770 gating), in plain Python: no numpy where a session is re-levelled.

Sums are taken as numpy takes them (pairwise, eight at a time), so every figure is the one numpy gives, to the bit.
"""

from __future__ import annotations

import math
import operator
from functools import reduce
from itertools import accumulate
from typing import Sequence

STEP = 441  # samples in one 10 ms step of an energy profile
BLOCK_STEPS = 40  # a gating block is 400 ms
HOP_STEPS = 10  # blocks start every 100 ms (75 % overlap)
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
SILENCE = -120.0  # what the loudness of nothing is reported as
PAIRWISE_BLOCK = 128  # numpy sums runs up to this long eight at a time, and halves longer ones
NEAR_GATE = 1e-9  # relative: a block this near a gate is measured as numpy measures it


def pairwise_sum(values: Sequence[float], start: int = 0, count: int | None = None) -> float:
    """Return the sum of `count` values from `start`, rounded as numpy's sum of a float64 array rounds it."""
    count = len(values) - start if count is None else count
    if count < 8:
        total = -0.0
        for value in values[start:start + count]:
            total += value
        return total
    if count <= PAIRWISE_BLOCK:
        end = start + count - count % 8
        # Eight running sums, each over every eighth value (reduce adds one after another, as numpy's lanes do).
        lanes = [reduce(operator.add, values[lane:end:8]) for lane in range(start, start + 8)]
        total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
        for value in values[end:start + count]:
            total += value
        return total
    half = count // 2
    half -= half % 8
    return pairwise_sum(values, start, half) + pairwise_sum(values, start + half, count - half)


def loudness(energy: float, count: int) -> float:
    """Return the loudness in LUFS of a mean square given as total energy over `count` samples."""
    if count <= 0 or energy <= 0:
        return SILENCE
    return -0.691 + 10 * math.log10(energy / count)


def clip_loudness(steps: Sequence[float], count: int) -> float:
    """Return a clip's own loudness: its whole K-weighted energy over its length."""
    return loudness(pairwise_sum(steps), count)


def integrated(steps: Sequence[float]) -> float:
    """Return the gated integrated loudness of a whole session from its 10 ms energy steps."""
    count = len(steps)
    cumulative = list(accumulate(steps, initial=0.0))  # added one after another, as numpy's cumsum adds
    if count >= BLOCK_STEPS:
        reach = ((count - BLOCK_STEPS) // HOP_STEPS + 1) * HOP_STEPS  # every block that fits, one a hop
        starts = cumulative[0:reach:HOP_STEPS]
        ends = cumulative[BLOCK_STEPS:BLOCK_STEPS + reach:HOP_STEPS]
    else:  # one block, as long as the session
        starts, ends = [0.0], [cumulative[count]]
    size = BLOCK_STEPS * STEP
    blocks = [(end - begin) / size for begin, end in zip(starts, ends)]
    kept = _above(blocks, ABSOLUTE_GATE)
    if not kept:
        return SILENCE
    relative = -0.691 + 10 * math.log10(pairwise_sum(kept) / len(kept)) + RELATIVE_GATE
    kept = _above(kept, relative)
    return -0.691 + 10 * math.log10(pairwise_sum(kept) / len(kept))


def _above(blocks: list[float], gate: float) -> list[float]:
    """Return the blocks whose level (-0.691 + 10 log10 of the block) is over `gate`, in order.

    Compared as energies; a block within NEAR_GATE of the gate has its level worked out with
    numpy's log10, which may round its last bit otherwise than the math module's.
    """
    energy = 10 ** ((gate + 0.691) / 10)
    low, high = energy * (1 - NEAR_GATE), energy * (1 + NEAR_GATE)
    if not any(low <= block <= high for block in blocks):
        return [block for block in blocks if block > energy]
    import numpy as np

    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(np.array(blocks))
    return [block for block, level in zip(blocks, levels.tolist()) if level > gate]
