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
from bench_compose import bench_compose  # noqa: E402
from bench_rerender import bench_rerender  # noqa: E402
from bench_startup import bench_startup  # noqa: E402


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
    parser.add_argument("--skip-serve", action="store_true", help="leave out the serve rows")
    parser.add_argument("--serve-only", action="store_true", help="only the serve rows (no renders but a tiny one)")
    parser.add_argument("--skip-studio", action="store_true", help="leave out the studio rows")
    parser.add_argument("--studio-only", action="store_true", help="only the studio rows")
    parser.add_argument("--skip-music", action="store_true", help="leave out the rows with music under the voice")
    parser.add_argument("--music-only", action="store_true", help="only the rows with music under the voice")
    parser.add_argument("--skip-catalogue", action="store_true", help="leave out the catalogue (batch) rows")
    parser.add_argument("--catalogue-only", action="store_true", help="only the catalogue (batch) rows")
    parser.add_argument("--skip-startup", action="store_true", help="leave out the start-up rows")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up rows (--version, --help, "
                                                                       "check and script)")
    parser.add_argument("--rerender-only", action="store_true", help="only the re-render after --inhale, in "
                                                                        "processor and wall time")
    parser.add_argument("--skip-compose", action="store_true", help="leave out the composing rows")
    parser.add_argument("--compose-only", action="store_true", help="only the composing rows (a 60-minute class, "
                                                                        "a week of 30-minute classes)")
    parser.add_argument("--against", metavar="REV", help="time the start-up rows (or with --rerender-only, the "
                                                         "re-render) of commit REV too, run by run (from a git "
                                                         "worktree of it, removed after)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pilates-audio-bench-"))
    # Each --X-only flag runs one group of rows alone, in a folder of its own.
    alone = {
        "rerender_only": lambda: bench_rerender(work, hour_routine(work, args.minutes), args.runs, args.against),
        "compose_only": lambda: bench_compose(work, args.runs),
        "startup_only": lambda: bench_startup(work, args.runs, args.against),
        "music_only": lambda: bench_music(work, args.runs, args.minutes, args.long_minutes),
        "serve_only": lambda: bench_serve(work, args.runs),
        "studio_only": lambda: bench_studio(work, args.runs, args.skip_piper),
        "catalogue_only": lambda: bench_catalogue(work, args.runs, args.skip_piper),
    }
    for flag, run in alone.items():
        if getattr(args, flag):
            run()
            return

    cli = [sys.executable, "-m", "pilates_audio"]
    rows: list[tuple[str, float, float]] = []

    def env_with(cache: Path, engine: str = "pyttsx3") -> dict:
        return dict(os.environ, PILATES_AUDIO_CACHE=str(cache), PILATES_AUDIO_ENGINE=engine)

    hour = hour_routine(work, args.minutes)
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
        long_render = [*cli, "render", str(hour_routine(work, args.long_minutes)), "-o", str(work / "out"), "-q"]
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
    if not args.skip_music:
        bench_music(work, args.runs, args.minutes, args.long_minutes)
    if not args.skip_serve:
        bench_serve(work, args.runs)
    if not args.skip_studio:
        bench_studio(work, args.runs, args.skip_piper)
    if not args.skip_catalogue:
        bench_catalogue(work, args.runs, args.skip_piper)
    if not args.skip_startup:
        bench_startup(work, args.runs, args.against)
    if not args.skip_compose:
        bench_compose(work, args.runs)


def hour_routine(work: Path, minutes: float) -> Path:
    """Write the reference routine of `minutes` (an hour unless told) into `work` and return its path."""
    import yaml

    path = work / f"bench-{minutes:g}.yaml"
    path.write_text(yaml.safe_dump(bench_routine.routine(minutes), sort_keys=False))
    return path


def bench_music(work: Path, runs: int, minutes: float, long_minutes: float) -> None:
    """Time the hour with music under the voice: cold, and re-rendered after a pacing change, against one ffmpeg pass."""
    import yaml

    sys.path.insert(0, str(HERE.parent / "tests"))
    from musicfiles import noise_bed, sweep, to_mp3, write_wav

    import numpy as np

    # Three minutes of stereo MP3, as music usually comes: a sweep over a noise bed.
    seconds = 180.0
    bed = np.tile(sweep(12.0), int(seconds / 12)) + noise_bed(seconds)
    track = to_mp3(write_wav(work / "music.wav", 0.7 * bed))

    def routine(length: float) -> Path:
        path = work / f"music-{length:g}.yaml"
        path.write_text(yaml.safe_dump({**bench_routine.routine(length), "music": track.name}, sort_keys=False))
        return path

    env = lambda cache: dict(os.environ, PILATES_AUDIO_CACHE=str(cache), PILATES_AUDIO_ENGINE="pyttsx3")  # noqa: E731
    cli = [sys.executable, "-m", "pilates_audio", "render"]
    hour = routine(minutes)
    render = [*cli, str(hour), "-o", str(work / "music-out"), "-q"]
    warm = work / "cache-music-warm"
    rows = [("music: cold render (empty cache)", *median_of(runs, lambda i: measure(render, env(work / f"cache-music-{i}"))))]
    # Each run a breath not rendered before: with music every frame changes, and the cache
    # keeps encoded chunks, so a value seen before would be read back, not re-rendered.
    measure(render + ["--inhale", "4.5s"], env(warm))  # the lines a pacing change needs, spoken once
    fresh = iter(f"{4.5 + n / 100:.2f}s" for n in range(1, 100))
    mix = [sys.executable, str(HERE / "bench_peers.py"), "mix", str(hour), str(work / "mix.mp3")]
    # The re-render and the one-pass mix take turns, so each ratio is of two runs a few
    # seconds apart: on a shared machine the speed drifts over minutes.
    pairs = [(measure(render + ["--inhale", next(fresh)], env(warm)), measure(mix, env(warm))) for _ in range(runs)]
    for name, index in (("music: re-render after --inhale", 0), ("one-pass ffmpeg mix (warm cache)", 1)):
        rows.append((name, *median_of(runs, lambda i: pairs[i][index])))
    ratios = [again[0] / one_pass[0] for again, one_pass in pairs]
    rows.append(("music: re-render, nothing changed", *median_of(
        runs, lambda i: measure(render + ["--inhale", "4.5s"], env(warm)))))
    without = render + ["--no-music"]
    measure(without, env(warm))
    rows.append(("re-render without music, nothing changed", *median_of(runs, lambda i: measure(without, env(warm)))))
    if long_minutes:
        long_render = [*cli, str(routine(long_minutes)), "-o", str(work / "music-out"), "-q"]
        measure(long_render, env(warm))
        rows.append((f"music: re-render after --inhale, {long_minutes:g} min", *median_of(
            1, lambda i: measure(long_render + ["--inhale", next(fresh)], env(warm)))))
    seconds_of = {name: s for name, s, _ in rows}
    memory_of = {name: mb for name, _, mb in rows}
    print(f"\nmusic under the voice, {minutes:g}-minute session, eSpeak NG; {runs} runs each (median); "
          f"{os.cpu_count()} cores\n")
    print("| what | seconds | peak memory (MB) |")
    print("| --- | ---: | ---: |")
    for name, s, mb in rows:
        print(f"| {name} | {s:.2f} | {mb:.0f} |")
    ratio = seconds_of["music: re-render after --inhale"] / seconds_of["one-pass ffmpeg mix (warm cache)"]
    print(f"\nre-render with music / one-pass ffmpeg mix: {ratio:.2f} (target ≤ 0.5); run by run "
          f"{', '.join(f'{r:.2f}' for r in ratios)}, median {statistics.median(ratios):.2f}")
    if long_minutes:
        memory = memory_of[f"music: re-render after --inhale, {long_minutes:g} min"]
        print(f"peak memory, {long_minutes:g} min with music: {memory:.0f} MB (target ≤ 200 MB)")


SESSIONS = 200  # sessions in the served folder
CLIENTS = 200  # clients at once in the load run
LOAD_SECONDS = 10.0


def bench_serve(work: Path, runs: int) -> None:
    """Time serve on loopback: the page of 200 sessions, and 200 clients at once for ten seconds."""
    import http.client
    import shutil
    import threading
    import time

    source = work / "serve-src"
    source.mkdir(exist_ok=True)
    (source / "one.yaml").write_text("title: One\npacing: {inhale: 1s, exhale: 1s}\nexercises: [{name: Lift, reps: 2}]\n")
    env = dict(os.environ, PILATES_AUDIO_CACHE=str(work / "cache-serve"), PILATES_AUDIO_ENGINE="pyttsx3")
    subprocess.run([sys.executable, "-m", "pilates_audio", "render", str(source / "one.yaml"), "-o", str(source), "-q"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    folder = work / "served"
    folder.mkdir(exist_ok=True)
    for i in range(SESSIONS):
        for suffix in (".mp3", ".json", ".chapters.json", ".vtt"):
            shutil.copy(source / f"one{suffix}", folder / f"session-{i:03d}{suffix}")
    size = (folder / "session-000.mp3").stat().st_size

    def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    page_ms: list[float] = []
    first_ms: list[float] = []
    load: list[tuple[float, int, int]] = []
    for _ in range(runs):
        process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(folder), "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            port = int(process.stdout.readline().rsplit(":", 1)[1].strip().strip("/"))
            timings = []
            for _ in range(21):
                started = time.perf_counter()
                status, body = get(port, "/")
                timings.append((time.perf_counter() - started) * 1000)
                assert status == 200 and body.count(b'class="session"') == SESSIONS
            first_ms.append(timings[0])
            page_ms.append(statistics.median(timings[1:]))

            answered, failed = [], []
            stop = time.monotonic() + LOAD_SECONDS

            def client(number: int) -> None:
                kinds = [("/", None), ("/feed.xml", None), ("/session-007.mp3", "bytes=1000-1999"),
                         (f"/session-{number % SESSIONS:03d}.mp3", None)]
                turn = number
                while time.monotonic() < stop:
                    path, wanted = kinds[turn % len(kinds)]
                    turn += 1
                    try:
                        status, body = get(port, path, {"Range": wanted} if wanted else None)
                        ok = status == (206 if wanted else 200) and (len(body) == (1000 if wanted else size)
                                                                     or not path.endswith(".mp3"))
                    except Exception:
                        ok = False
                    (answered if ok else failed).append(1)

            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            load.append((len(answered) / (time.monotonic() - started), len(answered), len(failed)))
        finally:
            process.terminate()
            process.wait(timeout=10)
        print(f"  page {page_ms[-1]:.1f} ms (first {first_ms[-1]:.0f} ms); {load[-1][0]:.0f} answers/s, "
              f"{load[-1][2]} failed", file=sys.stderr, flush=True)

    print(f"\nserve, {SESSIONS} sessions, {runs} runs each (median); {os.cpu_count()} cores\n")
    print("| what | figure |")
    print("| --- | ---: |")
    print(f"| page, first request (index built) | {statistics.median(first_ms):.0f} ms |")
    print(f"| page, after the first (median of 20) | {statistics.median(page_ms):.1f} ms (target < 100 ms) |")
    rate = statistics.median(r[0] for r in load)
    print(f"| {CLIENTS} clients at once for {LOAD_SECONDS:g} s (page, feed, ranges, whole MP3s) | {rate:.0f} answers/s, "
          f"{sum(r[2] for r in load)} of {sum(r[1] + r[2] for r in load)} unanswered |")


STUDIO_ROUTINE = "upper-back-pain-relief.yaml"  # the 20-minute library routine


def bench_studio(work: Path, runs: int, skip_piper: bool) -> None:
    """Time the studio's estimate and its re-render after a pacing change, against the CLI's re-render, same run."""
    import http.client
    import shutil
    import statistics
    import threading
    import time

    from pilates_audio.studio import app as studio_app

    folder = work / "studio"
    shutil.copytree(Path(__file__).resolve().parent.parent / "routines", folder, dirs_exist_ok=True)
    print(f"\nstudio, {STUDIO_ROUTINE} (about 20 minutes), warm cache; {os.cpu_count()} cores\n")
    print("| engine | estimate (median of 15) | studio re-render after inhale (median) | CLI re-render after --inhale "
          "(median) | CLI / studio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for engine in ("pyttsx3",) + (() if skip_piper else ("piper",)):
        os.environ["PILATES_AUDIO_CACHE"] = str(work / f"cache-studio-{engine}")
        running = studio_app.start(folder, work / f"studio-out-{engine}", "127.0.0.1", 0, allow_network=False)
        thread = threading.Thread(target=running.server.run, daemon=True)
        thread.start()
        while not running.server.uvicorn.started:
            time.sleep(0.01)
        headers = {"X-Studio-Token": running.studio.token, "Origin": f"http://127.0.0.1:{running.server.port}",
                   "Content-Type": "application/json"}

        def post(path: str, body: dict) -> float:
            connection = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=600)
            start = time.perf_counter()
            connection.request("POST", path, json.dumps(body), headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            return time.perf_counter() - start

        post("/api/render", {"name": STUDIO_ROUTINE, "pacing": {"engine": engine}})  # fills the cache
        estimates = [post("/api/estimate", {"name": STUDIO_ROUTINE, "pacing": {"engine": engine, "inhale": f"{4 + n / 4}s"}})
                     for n in range(15)]
        studio, cli = [], []
        for n in range(max(runs, 5)):
            inhale = f"{4.5 + n / 4}s"
            studio.append(post("/api/render", {"name": STUDIO_ROUTINE, "pacing": {"engine": engine, "inhale": inhale}}))
            cli.append(measure([sys.executable, "-m", "pilates_audio", "render", str(folder / STUDIO_ROUTINE), "-o",
                                str(work / f"cli-out-{engine}"), "-q", "--engine", engine, "--inhale", inhale],
                               dict(os.environ))[0])
        running.server.stop()
        thread.join(10)
        print(f"| {engine} | {statistics.median(estimates) * 1000:.0f} ms | {statistics.median(studio):.2f} s "
              f"(target < 0.5 s) | {statistics.median(cli):.2f} s | "
              f"{statistics.median(c / s for c, s in zip(cli, studio)):.1f}× |", flush=True)


CATALOGUE_ROUTINES = ("upper-back-strength.yaml", "upper-back-pain-relief.yaml")
CATALOGUE_LENGTHS = ("15m", "20m", "25m")


def bench_catalogue(work: Path, runs: int, skip_piper: bool) -> None:
    """Time a cold catalogue (the two library routines x 3 presets x 3 lengths) on 1 and 2 workers, local and Ray."""
    import re
    import time

    library = Path(__file__).resolve().parent.parent / "routines"
    manifest = work / "catalogue.yaml"
    manifest.write_text("collection: Library\n"
                        f"routines: [{', '.join(str(library / name) for name in CATALOGUE_ROUTINES)}]\n"
                        f"variants: {{pace: [gentle, standard, brisk], length: [{', '.join(CATALOGUE_LENGTHS)}]}}\n")
    sessions = len(CATALOGUE_ROUTINES) * 3 * len(CATALOGUE_LENGTHS)
    summary = re.compile(r"made (\d+), .* in [\d.]+ s \(speech ([\d.]+) s, assembly ([\d.]+) s\)")
    print(f"\ncatalogue: {sessions} sessions ({len(CATALOGUE_ROUTINES)} library routines x 3 presets x "
          f"{len(CATALOGUE_LENGTHS)} lengths), cold cache; {os.cpu_count()} cores; median of {runs}\n")
    print("| engine | executor | workers (cores) | seconds | speech | assembly | overhead | sessions per hour |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    figures: dict[tuple[str, str, int], float] = {}
    for engine in ("pyttsx3",) + (() if skip_piper else ("piper",)):
        for executor in ("local", "ray"):
            for workers in (1, 2):
                results = []
                for run in range(runs):
                    tag = f"{engine}-{executor}-{workers}-{run}"
                    env = dict(os.environ, PILATES_AUDIO_CACHE=str(work / f"cache-catalogue-{tag}"),
                               PILATES_AUDIO_ENGINE=engine, RAY_USAGE_STATS_ENABLED="0")
                    # One worker on one core, as the render rows do, so the second core's gain shows.
                    argv = (["taskset", "-c", "0"] if workers == 1 else []) + [
                        sys.executable, "-m", "pilates_audio", "batch", str(manifest), "-o",
                        str(work / f"catalogue-{tag}"), "--workers", str(workers)] + (
                        ["--ray"] if executor == "ray" else [])
                    start = time.perf_counter()
                    done = subprocess.run(argv, env=env, capture_output=True, text=True)
                    wall = time.perf_counter() - start
                    found = summary.search(done.stderr)
                    if done.returncode != 0 or not found or int(found[1]) != sessions:
                        raise SystemExit(f"catalogue run failed ({tag}):\n{done.stderr[-2000:]}")
                    results.append((wall, float(found[2]), float(found[3])))
                    print(f"  {tag}: {wall:.1f} s", file=sys.stderr, flush=True)
                wall, speaking, assembling = (statistics.median(r[i] for r in results) for i in range(3))
                figures[(engine, executor, workers)] = wall
                print(f"| {engine} | {executor} | {workers} | {wall:.1f} | {speaking:.1f} ({speaking / wall:.0%}) | "
                      f"{assembling:.1f} ({assembling / wall:.0%}) | {wall - speaking - assembling:.1f} "
                      f"({(wall - speaking - assembling) / wall:.0%}) | {sessions * 3600 / wall:.0f} |", flush=True)
    for (engine, executor, workers), wall in figures.items():
        if workers == 2:
            print(f"{engine}, {executor}: 2 workers on 2 cores {figures[(engine, executor, 1)] / wall:.2f}x as fast "
                  "as 1 on 1")


if __name__ == "__main__":
    main()
