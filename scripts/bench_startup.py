"""Time the command line's start-up as whole processes, run by run against another commit's when one is given.

Used by scripts/bench.py (--startup-only, --against REV). Each tree runs with PYTHONPATH pointing at it, from a
folder of its own (so neither picks up the other's package), its bytecode compiled once first into a private
folder, as an installed package's is.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = ROOT / "routines" / "upper-back-strength.yaml"  # the same file for both trees
ROWS = (
    ("--version", ["--version"]),
    ("--help", ["--help"]),
    (f"check {ROUTINE.relative_to(ROOT)}", ["check", str(ROUTINE)]),
    (f"script {ROUTINE.relative_to(ROOT)}", ["script", str(ROUTINE)]),
)


@contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """Yield a git worktree of `rev` in a temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="pilates-audio-against-"))
    tree = folder / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree), rev], check=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def timed(argv: list[str], env: dict, cwd: Path) -> float:
    """Run a command in a fresh process; return its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(argv)}")
    return seconds


def bench_startup(work: Path, runs: int, against: str | None) -> None:
    """Print the median start-up of each row, and with `against` that commit's and the ratio run by run."""
    with checkout(against) if against else _nothing() as other:
        trees = {"this tree": ROOT, **({against: other} if against else {})}
        envs, places = {}, {}
        for index, (name, tree) in enumerate(trees.items()):
            envs[name] = dict(os.environ, PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(work / f"pycache-{index}"),
                              PILATES_AUDIO_CACHE=str(work / "cache-startup"))
            envs[name].pop("PYTHONDONTWRITEBYTECODE", None)
            places[name] = work / f"startup-{index}"
            places[name].mkdir(exist_ok=True)
        cli = [sys.executable, "-m", "pilates_audio"]
        for name in trees:  # compile each tree's bytecode, and let the first runs warm the disk cache
            for _, args in ROWS:
                timed([*cli, *args], envs[name], places[name])
        seconds: dict[tuple[str, str], list[float]] = {}
        for run in range(runs):
            # The trees take turns, first one then the other, so each ratio is of two runs a moment apart:
            # on a shared machine the speed drifts over minutes.
            order = list(trees) if run % 2 == 0 else list(reversed(trees))
            for row, args in ROWS:
                for name in order:
                    seconds.setdefault((row, name), []).append(timed([*cli, *args], envs[name], places[name]))
            print(f"  run {run + 1}: " + ", ".join(f"{row} {seconds[(row, 'this tree')][-1]:.3f} s" for row, _ in ROWS),
                  file=sys.stderr, flush=True)
    _table(seconds, list(trees), runs, against)


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _table(seconds: dict[tuple[str, str], list[float]], trees: list[str], runs: int, against: str | None) -> None:
    print(f"\nstart-up of the command line, whole processes; median of {runs} runs; {os.cpu_count()} cores\n")
    head = " | ".join(f"{name} (s)" for name in trees) + (f" | this tree / {against}" if against else "")
    print(f"| command | {head} |")
    print("| --- |" + " ---: |" * (len(trees) + (1 if against else 0)))
    for row, _ in ROWS:
        medians = " | ".join(f"{statistics.median(seconds[(row, name)]):.3f}" for name in trees)
        ratio = ""
        if against:
            ratios = [a / b for a, b in zip(seconds[(row, "this tree")], seconds[(row, against)])]
            ratio = f" | {statistics.median(ratios):.2f}"
        print(f"| `pilates-audio {row}` | {medians}{ratio} |")
    if against:
        print(f"\nratio: the median of the {runs} run-by-run ratios (this tree's run over {against}'s run beside it)")
