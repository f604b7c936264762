"""Benchmark renders of long sessions on both engines, against the one-pass bound and a naive pydub peer.

Run through ./scripts/bench. Every figure is the median of several runs, each in a
fresh process; peak memory is the largest process of the run, children included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_routine  # noqa: E402


def measure(argv: list[str], env: dict) -> tuple[float, float]:
    """Run a command in a fresh process; return its wall time (s) and peak memory (MB)."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)")
    out = subprocess.run([sys.executable, "-c", wrapper, *argv], env=env, capture_output=True, text=True, check=True)
    seconds, kilobytes, code = out.stdout.split()
    if code != "0":
        raise SystemExit(f"benchmark step failed: {' '.join(argv)}")
    return float(seconds), int(kilobytes) / 1024


def median_of(runs: int, step) -> tuple[float, float]:
    results = [step(i) for i in range(runs)]
    seconds, memory = statistics.median(r[0] for r in results), max(r[1] for r in results)
    # Shown as it comes, so a long run is never all-or-nothing.
    print(f"  {', '.join(f'{r[0]:.2f}' for r in results)} s; peak {memory:.0f} MB", file=sys.stderr, flush=True)
    return seconds, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--minutes", type=float, default=60, help="length of the reference session")
    parser.add_argument("--long-minutes", type=float, default=180, help="length of the long session (0: skip)")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the slow naive pydub peer")
    parser.add_argument("--skip-piper", action="store_true", help="leave out the Piper rows")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pilates-audio-bench-"))
    cli = [sys.executable, "-m", "pilates_audio"]
    rows: list[tuple[str, float, float]] = []

    def routine(minutes: float) -> Path:
        path = work / f"bench-{minutes:g}.yaml"
        import yaml

        path.write_text(yaml.safe_dump(bench_routine.routine(minutes), sort_keys=False))
        return path

    def env_with(cache: Path, engine: str = "pyttsx3") -> dict:
        return dict(os.environ, PILATES_AUDIO_CACHE=str(cache), PILATES_AUDIO_ENGINE=engine)

    hour = routine(args.minutes)
    warm = work / "cache-warm"
    render = [*cli, "render", str(hour), "-o", str(work / "out"), "-q"]

    cold = median_of(args.runs, lambda i: measure(render, env_with(work / f"cache-cold-{i}")))
    rows.append(("cold render (empty cache)", *cold))
    measure(render, env_with(warm))
    rows.append(("re-render, nothing changed", *median_of(args.runs, lambda i: measure(render, env_with(warm)))))
    for inhale in ("4.5s", "4.6s"):  # synthesize the lines a pacing change needs, once
        measure(render + ["--inhale", inhale], env_with(warm))
    rows.append(("re-render after --inhale", *median_of(
        args.runs, lambda i: measure(render + ["--inhale", ("4.5s", "4.6s")[i % 2]], env_with(warm)))))
    bound = [sys.executable, str(HERE / "bench_peers.py"), "bound", str(hour), str(work / "bound.mp3")]
    rows.append(("one-pass bound (cold)", *median_of(args.runs, lambda i: measure(bound, env_with(work / f"cache-bound-{i}")))))
    if not args.skip_naive:
        naive = [sys.executable, str(HERE / "bench_peers.py"), "naive", str(hour), str(work / "naive.mp3")]
        rows.append(("naive pydub peer (warm cache)", *median_of(args.runs, lambda i: measure(naive, env_with(warm)))))
    if args.long_minutes:
        long_render = [*cli, "render", str(routine(args.long_minutes)), "-o", str(work / "out"), "-q"]
        rows.append((f"cold render, {args.long_minutes:g} min", *median_of(
            1, lambda i: measure(long_render, env_with(work / "cache-long")))))

    if not args.skip_piper:
        piper = partial(env_with, engine="piper")
        rows.append(("piper: cold render (empty cache)", *median_of(
            args.runs, lambda i: measure(render, piper(work / f"cache-piper-{i}")))))
        # One core, so one speech worker: what a second one gains.
        one_core = ["taskset", "-c", "0", *render]
        rows.append(("piper: cold render, one worker", *median_of(
            args.runs, lambda i: measure(one_core, piper(work / f"cache-piper-one-{i}")))))
        piper_warm = work / "cache-piper-0"
        rows.append(("piper: re-render, nothing changed", *median_of(
            args.runs, lambda i: measure(render, piper(piper_warm)))))
        for inhale in ("4.5s", "4.6s"):
            measure(render + ["--inhale", inhale], piper(piper_warm))
        rows.append(("piper: re-render after --inhale", *median_of(
            args.runs, lambda i: measure(render + ["--inhale", ("4.5s", "4.6s")[i % 2]], piper(piper_warm)))))

    # Planning alone grows with the reps, not their square: 3,400 and 6,800 reps with cues on each.
    for reps in (3400, 6800):
        many = work / f"reps-{reps}.yaml"
        many.write_text(f"title: Reps\nexercises:\n  - name: Roll up\n    reps: {reps}\n"
                        "    cues: [{say: Peel up., on: exhale}, Reach long., Roll down slowly.]\n")
        plan = [*cli, "script", str(many), "--max-length", "20h", "-q"]
        rows.append((f"script, {reps:,} reps", *median_of(args.runs, lambda i: measure(plan, env_with(warm)))))

    seconds = {name: s for name, s, _ in rows}
    print(f"\nreference session: {args.minutes:g} minutes; {args.runs} runs each (median); {os.cpu_count()} cores\n")
    print("| what | seconds | peak memory (MB) |")
    print("| --- | ---: | ---: |")
    for name, s, mb in rows:
        print(f"| {name} | {s:.2f} | {mb:.0f} |")
    bound_s = seconds["one-pass bound (cold)"]
    print(f"\ncold render / one-pass bound: {seconds['cold render (empty cache)'] / bound_s:.2f} (target ≤ 0.30)")
    if "naive pydub peer (warm cache)" in seconds:
        print(f"naive peer / cold render: {seconds['naive pydub peer (warm cache)'] / seconds['cold render (empty cache)']:.1f}× (target ≥ 15×)")
    if args.long_minutes:
        ratio = seconds[f"cold render, {args.long_minutes:g} min"] / seconds["cold render (empty cache)"]
        print(f"{args.long_minutes:g} min / {args.minutes:g} min cold render: {ratio:.2f} "
              f"(target ≤ {3.5 * args.long_minutes / 180:.2f})")
    if not args.skip_piper:
        speedup = seconds["piper: cold render, one worker"] / seconds["piper: cold render (empty cache)"]
        print(f"piper cold render: {speedup:.2f}× as fast on {os.cpu_count()} cores (one worker each) as on one")
        print(f"piper re-render after --inhale: {seconds['piper: re-render after --inhale']:.2f} s (target < 1 s)")
    print(f"script, 6,800 reps / 3,400 reps: {seconds['script, 6,800 reps'] / seconds['script, 3,400 reps']:.2f} "
          "(linear: about 2; the start-up of the process is in both)")
    json.dump(rows, open(work / "results.json", "w"))


if __name__ == "__main__":
    main()
