"""Time composing classes as whole processes: one 60-minute class, and a week of seven 30-minute ones.

Used by scripts/bench.py (--compose-only, and among the default rows). Composing includes estimating each class's
timed script, which is how it lands at its length. Each figure is the median of several fresh processes; the
first run of each is not counted (it writes the bytecode).
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from bench_rerender import timed
from bench_startup import ROOT

# One process composing seven days in a row, as a batch manifest's `days: 7` entry does.
WEEK = """
import datetime
from pilates_audio.compose.composer import Choices, compose, day_seed
first = datetime.date(2026, 12, 7)
for day in range(7):
    compose(Choices(length=1800.0, seed=day_seed(first + datetime.timedelta(days=day))))
"""


def bench_compose(work: Path, runs: int) -> list[tuple[str, float, float]]:
    """Print and return (what, median wall seconds, median processor seconds) for each composing figure."""
    # Bytecode written once into a private folder, as an installed package's is, so no run compiles the package.
    env = dict(os.environ, PYTHONPATH=str(ROOT), PILATES_AUDIO_CACHE=str(work / "cache-compose"),
               PYTHONPYCACHEPREFIX=str(work / "pycache-compose"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = {
        "compose a 60-minute class": lambda number: [sys.executable, "-m", "pilates_audio", "compose", "--length",
                                                     "60m", "--seed", str(20261207 + number), "-o",
                                                     str(work / f"class-{number}.yaml")],
        "compose a week of 30-minute classes": lambda number: [sys.executable, "-c", WEEK],
    }
    rows = []
    for what, command in commands.items():
        timed(command(runs), env, work)  # not counted
        times = [timed(command(number), env, work) for number in range(runs)]
        wall = statistics.median(wall for _, wall in times)
        cpu = statistics.median(cpu for cpu, _ in times)
        rows.append((what, wall, cpu))
        print(f"{what}: {wall:.3f} s wall, {cpu:.3f} s processor (median of {runs})")
    return rows
