"""Time a re-render of the reference hour after a pacing change, in processor and wall time, against another commit.

Used by scripts/bench.py (--rerender-only, with --against REV). Each tree renders with PYTHONPATH pointing at it,
from its own folder, into its own warm cache (eSpeak NG), its bytecode compiled once first into a private folder,
as an installed package's is. Each run changes the inhale (4.5 s, then 4.6 s, then 4.5 s...), and the trees take
turns, so each ratio is of two runs a moment apart.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from bench_startup import ROOT, checkout

INHALES = ("4.5s", "4.6s")  # a pacing-only change: every line is cached, only the silence between moves
WARM_RUNS = 3  # renders before timing: the cold one, then one at each inhale


def timed(argv: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """Run a command in a fresh process; return its processor time (user + system) and wall time, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(argv)}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def bench_rerender(work: Path, routine: Path, runs: int, against: str | None) -> None:
    """Print the median processor and wall time of the re-render, and with `against` that commit's and the ratios."""
    with checkout(against) if against else nullcontext() as other:
        trees = {"this tree": ROOT, **({against: other} if against else {})}
        envs, places = {}, {}
        for index, (name, tree) in enumerate(trees.items()):
            envs[name] = dict(os.environ, PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(work / f"pycache-{index}"),
                              PILATES_AUDIO_CACHE=str(work / f"cache-rerender-{index}"),
                              PILATES_AUDIO_ENGINE="pyttsx3")
            envs[name].pop("PYTHONDONTWRITEBYTECODE", None)
            places[name] = tree
        render = [sys.executable, "-m", "pilates_audio", "render", str(routine), "-q"]

        def run(name: str, number: int) -> tuple[float, float]:
            out = work / f"out-rerender-{list(trees).index(name)}"
            return timed([*render, "-o", str(out), "--inhale", INHALES[number % 2]], envs[name], places[name])

        for name in trees:
            for number in range(WARM_RUNS):
                run(name, number)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for number in range(runs):
            for name in list(trees) if number % 2 == 0 else reversed(list(trees)):
                times[name].append(run(name, WARM_RUNS + number))
            said = (f"{name} {times[name][-1][0]:.2f} CPU-s, {times[name][-1][1]:.2f} s" for name in trees)
            print(f"  run {number + 1}: " + ", ".join(said), file=sys.stderr, flush=True)
    _table(times, runs, against)


def _table(times: dict[str, list[tuple[float, float]]], runs: int, against: str | None) -> None:
    print(f"\nre-render after --inhale, whole processes, warm cache, eSpeak NG; median of {runs} runs; "
          f"{os.cpu_count()} cores\n")
    ratio = f" | this tree / {against}" if against else ""
    print("| measure | " + " | ".join(f"{name} (s)" for name in times) + ratio + " |")
    print("| --- |" + " ---: |" * (len(times) + (1 if against else 0)))
    for label, index in (("processor (user + system)", 0), ("wall", 1)):
        medians = " | ".join(f"{statistics.median(t[index] for t in times[name]):.3f}" for name in times)
        ratio = ""
        if against:
            pairs = zip(times["this tree"], times[against])
            ratio = f" | {statistics.median(ours[index] / theirs[index] for ours, theirs in pairs):.2f}"
        print(f"| {label} | {medians}{ratio} |")
    if against:
        print(f"\nratio: the median of the {runs} run-by-run ratios (this tree's run over {against}'s run beside it)")
