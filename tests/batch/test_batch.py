"""Catalogues with `batch` on the local executor: the manifest, names, skipping, resuming and failures."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from catalogues import SMALL, TINY, assert_whole, catalogue
from conftest import run_cli, run_here

from pilates_audio.files import TEMP_PREFIX

NAMES = ["small-gentle-en", "small-gentle-de", "small-brisk-en", "tiny-gentle-en", "tiny-gentle-de", "tiny-brisk-en"]


def test_batch_makes_the_matrix_named_by_what_varies_then_skips_what_is_up_to_date(tmp_path):
    manifest = catalogue(tmp_path)
    out = tmp_path / "out"
    first = run_cli("batch", manifest, "-o", out, "--workers", "2")
    assert first.code == 0, first.stderr
    assert [line.split("\t")[0] for line in first.stdout.splitlines()] == [str(out / f"{n}.mp3") for n in NAMES]
    for line in first.stdout.splitlines():  # every session fitted to --length: within 5 s of it
        minutes, seconds = line.split("\t")[1].split(":")
        assert abs(int(minutes) * 60 + int(seconds) - 60) <= 5
    for name in NAMES:
        assert_whole(out, name)
    german = json.loads((out / "tiny-gentle-de.json").read_text(encoding="utf-8"))
    assert german["pacing"]["language"] == "de" and german["pacing"]["preset"] == "gentle"
    assert (out / "feed.yaml").read_text(encoding="utf-8") == 'title: "Tiny set"\n'
    assert "made 6, skipped 0 (up to date), failed 0" in first.stderr

    again = run_cli("batch", manifest, "-o", out)
    assert again.code == 0 and again.stdout == ""
    assert "made 0, skipped 6 (up to date), failed 0" in again.stderr

    # A changed routine, and a session whose MP3 went, are made again; nothing else is.
    (tmp_path / "routines" / "small.yaml").write_text(textwrap.dedent(SMALL).replace("reps: 3", "reps: 4"))
    (out / "tiny-brisk-en.mp3").unlink()
    third = run_cli("batch", manifest, "-o", out)
    assert third.code == 0, third.stderr
    assert sorted(Path(line.split("\t")[0]).stem for line in third.stdout.splitlines()) == [
        "small-brisk-en", "small-gentle-de", "small-gentle-en", "tiny-brisk-en"]


def test_a_batch_session_is_the_session_render_makes_with_the_same_flags(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/tiny.yaml]\nvariants: {pace: [brisk, gentle], length: 1m}\n",
                         {"tiny": TINY})
    assert run_cli("batch", manifest, "-o", tmp_path / "batch").code == 0
    rendered = run_cli("render", tmp_path / "routines/tiny.yaml", "--pace", "brisk", "--length", "1m",
                       "-o", tmp_path / "render")
    assert rendered.code == 0, rendered.stderr
    assert (tmp_path / "batch/tiny-brisk.mp3").read_bytes() == (tmp_path / "render/tiny.mp3").read_bytes()
    assert (tmp_path / "batch/tiny-brisk.json").read_bytes() == (tmp_path / "render/tiny.json").read_bytes()


def test_one_failing_routine_does_not_stop_the_others_and_is_named_at_the_end(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/*.yaml]\nvariants: {pace: [gentle, brisk]}\n",
                         {"good": SMALL, "broken": "title: Broken\nexercises:\n  - name: A\n    reps: zero\n"})
    result = run_cli("batch", manifest, "-o", tmp_path / "out")
    assert result.code == 1
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [
        f"{tmp_path / 'out'}/good-gentle.mp3", f"{tmp_path / 'out'}/good-brisk.mp3"]
    broken = tmp_path / "routines" / "broken.yaml"
    assert result.stderr.splitlines()[-4:] == [
        "made 2, skipped 0 (up to date), failed 2, in " + result.stderr.split(", in ")[1].split("\n")[0],
        f"failed: broken-gentle: {broken}:4:11: reps must be a whole number, at least 1",
        f"failed: broken-brisk: {broken}:4:11: reps must be a whole number, at least 1",
        "error: 2 of 4 sessions failed: broken-gentle, broken-brisk",
    ]
    assert_whole(tmp_path / "out", "good-brisk")


def test_dry_run_says_sessions_lines_cached_and_work_and_makes_nothing(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/small.yaml]\nvariants: {pace: [gentle, brisk]}\n",
                         {"small": SMALL})
    out = tmp_path / "out"
    cache = {"PILATES_AUDIO_CACHE": str(tmp_path / "cache")}  # its own, so what is cached is known
    before = run_cli("batch", manifest, "-o", out, "--dry-run", env=cache)
    assert before.code == 0 and not out.exists()
    lines = before.stdout.splitlines()
    assert lines[0] == "2 sessions: 2 to make, 0 up to date, 0 failing"
    assert lines[1].startswith("  pyttsx3 default voice (en) at 140 wpm: ")
    assert lines[2].startswith("  pyttsx3 default voice (en) at 170 wpm: ")
    distinct = int(lines[1].split(": ")[1].split(" ")[0])
    assert f"{distinct} distinct lines, 0 in the cache, {distinct} to speak" in lines[1]
    assert re.fullmatch(rf"work: {2 * distinct} lines to speak \(about 0:\d\d of speech\), 2 sessions to "
                        r"assemble \(about \d:\d\d of audio\)", lines[3])

    assert run_cli("batch", manifest, "-o", out, "-q", env=cache).code == 0
    after = run_cli("batch", manifest, "-o", out, "--dry-run", env=cache).stdout
    assert after == "2 sessions: 0 to make, 2 up to date, 0 failing\nwork: 0 lines to speak (about 0:00 of speech), " \
                    "0 sessions to assemble (about 0:00 of audio)\n"


def test_a_batch_killed_anywhere_continues_where_it_stopped(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/*.yaml]\nvariants: {pace: [gentle, standard, brisk], "
                                   "length: [1m, 90s]}\n", {"tiny": TINY, "tiny2": TINY.replace("Lift", "Raise")})
    out = tmp_path / "out"
    # A cache of its own: what the kill leaves half-written there is no other test's to find.
    cache = {"PILATES_AUDIO_CACHE": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "batch", str(manifest), "-o", str(out),
                                "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env={**os.environ, **cache})
    deadline = time.monotonic() + 120

    def stamps() -> list[Path]:  # whole ones: a stamp being written has a temporary name, and may be cut short
        return [path for path in (out / ".batch").glob("*.json") if not path.name.startswith(TEMP_PREFIX)]

    while not stamps() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the run and its workers, at once, as a power cut would
    process.wait(timeout=10)
    stamped = len(stamps())
    assert 0 < stamped < 12, "the run was not stopped halfway"

    resumed = run_cli("batch", manifest, "-o", out, env=cache)
    assert resumed.code == 0, resumed.stderr
    made = len(resumed.stdout.splitlines())
    skipped = int(resumed.stderr.split("skipped ")[1].split(" ")[0])
    assert made + skipped == 12 and skipped >= stamped
    for path in sorted(out.glob("*.mp3")):
        assert_whole(out, path.stem)
    assert not list((out / ".batch").glob(f"{TEMP_PREFIX}*"))  # a stamp cut short was swept
    assert len(list(out.glob("*.mp3"))) == 12


def descendants(pid: int) -> set[int]:
    """Return the processes below `pid` that still run (one that has ended but is not reaped has ended)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in ("Z", "X"):
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = set(), [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Return those of `pids` that still run."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            running.add(pid)
    return running


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="processes are listed from /proc")
def test_a_batch_killed_alone_takes_its_workers_with_it_and_leaves_the_cache_prunable(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/*.yaml]\nvariants: {pace: [gentle, standard, brisk], "
                                   "length: [1m, 90s]}\n", {"tiny": TINY, "tiny2": TINY.replace("Lift", "Raise")})
    out, cache = tmp_path / "out", {"PILATES_AUDIO_CACHE": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "batch", str(manifest), "-o", str(out),
                                "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env={**os.environ, **cache})
    try:
        deadline = time.monotonic() + 120
        while not list((out / ".batch").glob("*.json")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        workers = descendants(process.pid)  # assembling: the pool's processes, and what they started
        assert process.poll() is None and len(workers) >= 2, "the run was not stopped while assembling"
        os.kill(process.pid, signal.SIGKILL)  # the run alone, as the system's out-of-memory killer would
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(workers), "workers went on after their run was killed"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the run, so no test leaves it running
    pruned = run_cli("cache", "prune", "--max-size", "0", env=cache)
    assert pruned.code == 0, pruned.stderr
    assert pruned.stderr == "" and pruned.stdout.endswith("; the cache holds 0 B\n")


@pytest.mark.parametrize("manifest, expected", [
    ("routines: [routines/*.yml]\nvariants: {pace: [gentle, fast], lenght: [15m]}\nexclude:\n  - {pace: brisk}\n"
     "  - {voice: x}\n",
     ["manifest.yaml:1:12: 'routines/*.yml' matches no file (routines are found relative to the manifest)",
      "manifest.yaml:2:27: pace 'fast' is neither a preset (gentle, standard, brisk) nor a pacing file (found "
      "relative to the manifest)",
      "manifest.yaml:2:34: unknown key 'lenght'; did you mean 'length'?",
      "manifest.yaml:4:12: exclude names pace brisk, which is not among the variants' pace values (gentle)",
      "manifest.yaml:5:6: exclude names 'voice', which is not one of the variants (pace)",
      "5 problems found; nothing was written."]),
    ("collection: [A]\nroutine: x.yaml\nvariants: {length: [soon], language: [xx], engine: espeak}\n",
     ["manifest.yaml:1:1: routines is missing: list the routine files (or patterns such as routines/*.yaml), or "
      "compose classes from the exercise library with compose:",
      "manifest.yaml:1:13: collection must be text: the title of the collection's feed",
      "manifest.yaml:2:1: unknown key 'routine'; did you mean 'routines'?",
      "manifest.yaml:3:21: length: 'soon' is not a duration; use seconds (20s), minutes (1m, 1m30s), a number of "
      "seconds, or breaths (3 breaths)",
      "manifest.yaml:3:39: language: no phrasebook for language 'xx'; shipped languages: de, en, es, fr, it, nl, "
      "pt-BR",
      "manifest.yaml:3:52: engine must be one of: auto, pyttsx3, piper",
      "6 problems found; nothing was written."]),
])
def test_manifest_problems_are_each_reported_at_their_place(tmp_path, manifest, expected):
    catalogue(tmp_path, manifest)
    result = run_here(tmp_path, "batch", "manifest.yaml")
    assert result.code == 2
    assert result.stderr.splitlines() == expected


def test_ray_without_ray_installed_says_how_to_get_it(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/small.yaml]\n", {"small": SMALL})
    blocker = tmp_path / "no-ray" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    result = run_cli("batch", manifest, "-o", tmp_path / "out", "--ray", env={"PYTHONPATH": str(blocker.parent)})
    assert result.code == 2
    assert result.stderr == ("error: --ray needs Ray, which is not installed; install it with "
                             "pip install 'pilates-audio[ray]'\n")
    assert not (tmp_path / "out").exists()


def test_planning_on_several_processes_gives_the_plan_of_one(tmp_path):
    from pilates_audio import batch
    from pilates_audio.batch.plan import PARALLEL_FROM, combinations

    manifest = batch.load(catalogue(tmp_path, "routines: [routines/*.yaml]\nvariants: {pace: [gentle, standard, "
                                                  "brisk], length: [40s, 1m], language: [en, de]}\n"))
    output = batch.Output(tmp_path / "out")
    assert len(combinations(manifest)) * 2 >= PARALLEL_FROM  # enough sessions to be planned in parallel
    alone, shared = batch.plan(manifest, output, workers=1), batch.plan(manifest, output, workers=2)
    assert alone == shared and len(alone.jobs) == 24


def test_batch_split_writes_the_tracks_render_split_does_and_keeps_them_up_to_date(tmp_path):
    manifest = catalogue(tmp_path, "routines: [routines/tiny.yaml]\nvariants: {pace: [brisk]}\n", {"tiny": TINY})
    first = run_cli("batch", manifest, "-o", tmp_path / "batch", "--split", "-q")
    assert first.code == 0, first.stderr
    rendered = run_cli("render", tmp_path / "routines/tiny.yaml", "--pace", "brisk", "--split", "-o",
                       tmp_path / "render")
    assert rendered.code == 0, rendered.stderr
    assert rendered.stdout.splitlines()[1] == f"{tmp_path / 'render/tiny.tracks/tiny.m3u8'}\t3 tracks"
    made = sorted(os.listdir(tmp_path / "batch/tiny.tracks"))
    assert made == ["01 - Introduction.mp3", "02 - Lift.mp3", "03 - Closing.mp3", "tiny.m3u8"]
    for name in made:  # the same bytes as render's, tags and all
        assert (tmp_path / "batch/tiny.tracks" / name).read_bytes() == (tmp_path / "render/tiny.tracks" / name
                                                                        ).read_bytes()
    assert run_cli("batch", manifest, "-o", tmp_path / "batch", "--split").stdout == ""  # up to date
    (tmp_path / "batch/tiny.tracks/tiny.m3u8").unlink()  # a playlist gone: the session is made again
    assert run_cli("batch", manifest, "-o", tmp_path / "batch", "--split").stdout.count("tiny.mp3") == 1
    assert sorted(os.listdir(tmp_path / "batch/tiny.tracks")) == made
    # Without --split the session is made again, and its tracks go with their folder.
    assert run_cli("batch", manifest, "-o", tmp_path / "batch").stdout.count("tiny.mp3") == 1
    assert not (tmp_path / "batch/tiny.tracks").exists()
