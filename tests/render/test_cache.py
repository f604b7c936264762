"""The cache in bounds: what it holds, pruning by size and age, renders in progress, read-only caches."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from conftest import run_cli

from pilates_audio import cache, cache_runs
from pilates_audio.files import TEMP_PREFIX

ROUTINE = """
title: {title}
pacing: {{inhale: 1s, exhale: 1s, transition: 1s, rate: {rate}}}
exercises:
  - {{name: {title} Lift, reps: 2}}
  - {{name: {title} Reach, hold: 1 breath}}
"""


def routine(folder: Path, title: str, rate: int = 160) -> Path:
    path = folder / f"{title.lower()}-{rate}.yaml"
    path.write_text(ROUTINE.format(title=title, rate=rate), encoding="utf-8")
    return path


def own(root: Path, **more: str) -> dict:
    """Environment for runs with a cache of their own at `root`."""
    return {"PILATES_AUDIO_CACHE": str(root), **more}


def files_in(root: Path) -> dict[Path, tuple[int, int]]:
    """Every entry in a cache folder, with its inode and size (what is neither an entry nor a note is left out)."""
    found = {}
    for kind in cache.KINDS:
        for path in (root / kind).rglob("*"):
            if path.is_file() and path.name != cache.ABOUT and not path.name.startswith(TEMP_PREFIX):
                info = path.stat()
                found[path] = (info.st_ino, info.st_size)
    return found


def render(source: Path, out: Path, root: Path, **env: str) -> None:
    result = run_cli("render", source, "-o", out, "-q", env=own(root, **env))
    assert result.code == 0, result.stderr


def test_sizes_and_ages_are_read_as_people_write_them():
    assert [cache.parse_size(text) for text in ("0", "1000", "500MB", "2G", "1.5 GB", "1GiB", "100kb")] == [
        0, 1000, 500 * 10**6, 2 * 10**9, 15 * 10**8, 2**30, 10**5]
    assert [cache.parse_age(text) for text in ("30d", "12h", "2w", "90min", "45s", "1.5 d")] == [
        30 * 86400, 12 * 3600, 14 * 86400, 5400, 45, 1.5 * 86400]
    assert [cache.format_size(size) for size in (0, 999, 1000, 22_300_000, 2 * 10**9, 345 * 10**9)] == [
        "0 B", "999 B", "1.0 KB", "22.3 MB", "2.0 GB", "345 GB"]
    for bad, parse in (("lots", cache.parse_size), ("5x", cache.parse_size), ("3", cache.parse_age),
                       ("2 fortnights", cache.parse_age)):
        with pytest.raises(ValueError):
            parse(bad)


def test_cache_shows_where_it_is_and_what_each_kind_and_voice_holds(tmp_path):
    root = tmp_path / "cache"
    render(routine(tmp_path, "Alpha"), tmp_path / "out", root)
    result = run_cli("cache", env=own(root))
    assert result.code == 0, result.stderr
    entries = files_in(root)
    total = sum(size for _, size in entries.values())
    by_kind = {kind: sum(size for path, (_, size) in entries.items() if path.parts[len(root.parts)] == kind)
               for kind in cache.KINDS}
    voice = next((root / "clips").iterdir()).name
    assert voice.startswith("pyttsx3-default-")
    assert result.stdout.splitlines() == [
        f"cache: {root}",
        f"holds: {cache.format_size(total)} in {len(entries):,} entries; pruned to 2.0 GB after each render "
        f"(PILATES_AUDIO_CACHE_MAX)",
        f"  clips   {cache.format_size(by_kind['clips']):>8}  spoken lines",
        f"  pieces  {cache.format_size(by_kind['pieces']):>8}  encoded audio",
        f"  levels  {cache.format_size(by_kind['levels']):>8}  loudness notes",
        f"  models  {cache.format_size(0):>8}  voice model checksums",
        f"  music   {cache.format_size(0):>8}  decoded music",
        "by voice:",
        f"  pyttsx3 default  {cache.format_size(by_kind['clips'] + by_kind['pieces'] + by_kind['levels']):>8}",
    ]
    assert by_kind["clips"] > 0 and by_kind["pieces"] > 0 and by_kind["levels"] > 0
    unbounded = run_cli("cache", env=own(root, PILATES_AUDIO_CACHE_MAX="0"))
    assert unbounded.stdout.splitlines()[1].endswith("entries; no bound (PILATES_AUDIO_CACHE_MAX=0)")


def test_prune_to_a_size_keeps_what_the_latest_render_used(tmp_path):
    root = tmp_path / "cache"
    alpha, beta = routine(tmp_path, "Alpha"), routine(tmp_path, "Beta")
    render(alpha, tmp_path / "a", root)
    render(beta, tmp_path / "b", root)
    time.sleep(0.05)
    start = time.time()
    render(alpha, tmp_path / "a", root)  # uses its entries again: they are now the most recent
    entries = files_in(root)
    recent = {path for path in entries if path.stat().st_mtime >= start}
    keep = sum(entries[path][1] for path in recent)
    assert len(recent) < len(entries)  # Beta's own lines, at least, were not used again

    result = run_cli("cache", "prune", "--max-size", str(keep), env=own(root))
    assert result.code == 0, result.stderr
    gone = len(entries) - len(recent)
    assert result.stdout == (f"removed {gone:,} entries ({cache.format_size(sum(entries[p][1] for p in entries) - keep)})"
                             f"; the cache holds {cache.format_size(keep)}\n")
    assert set(files_in(root)) == recent
    # Everything Alpha needs is still there: rendering it again makes nothing new.
    render(alpha, tmp_path / "a", root)
    assert {path: inode for path, (inode, _) in files_in(root).items()} == {
        path: entries[path][0] for path in recent}


def test_prune_by_age_removes_what_was_not_used_for_that_long(tmp_path):
    root = tmp_path / "cache"
    render(routine(tmp_path, "Alpha"), tmp_path / "out", root)
    entries = sorted(files_in(root))
    old = entries[::2]
    for path in old:
        os.utime(path, (time.time() - 40 * 86400,) * 2)
    result = run_cli("cache", "prune", "--older-than", "30d", env=own(root))
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"removed {len(old)} entries (")
    assert sorted(files_in(root)) == entries[1::2]

    bad = run_cli("cache", "prune", "--older-than", "3", env=own(root))
    assert (bad.code, bad.stdout) == (2, "")
    assert bad.stderr == ("error: Invalid value for '--older-than': '3' is not an age; give a number with s, min, h, "
                          "d or w (such as 30d or 12h) (see `pilates-audio cache prune --help`)\n")


def test_entries_a_running_render_uses_are_never_pruned(tmp_path):
    root = tmp_path / "cache"
    render(routine(tmp_path, "Alpha"), tmp_path / "out", root)
    entries = sorted(files_in(root))
    for path in entries:
        os.utime(path, (time.time() - 60,) * 2)
    # A render in another process: it holds the cache, then uses some entries.
    running = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pilates_audio import cache_runs; cache_runs.hold(); "
                               "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, **own(root)})
    try:
        assert running.stdout.readline() == "held\n"
        used = entries[:3]
        freed = cache.format_size(sum(path.stat().st_size for path in used))
        for path in used:
            cache.used(path)
        result = run_cli("cache", "prune", "--max-size", "0", env=own(root))
        assert result.code == 0, result.stderr
        assert result.stdout.startswith(f"removed {len(entries) - 3} entries (")
        assert result.stderr == "kept 3 entries in use by a render still running\n"
        assert sorted(files_in(root)) == used
    finally:
        running.kill()
        running.wait()
    # Once it has gone, even by kill -9, its entries are free and its mark is cleared.
    result = run_cli("cache", "prune", "--max-size", "0", env=own(root))
    assert result.stdout == f"removed 3 entries ({freed}); the cache holds 0 B\n"
    assert (result.stderr, files_in(root)) == ("", {})
    assert list((root / cache_runs.RUNS).glob("run-*")) == []
    # A render's mark left by kill -9 is cleared by the next run that uses the cache, prune or not.
    killed = subprocess.Popen([sys.executable, "-c", "import time; from pilates_audio import cache_runs; "
                                                     "cache_runs.hold(); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, **own(root)})
    assert killed.stdout.readline() == "held\n"
    killed.kill()
    killed.wait()
    assert [p.name for p in (root / cache_runs.RUNS).glob("run-*")] == [f"run-{killed.pid}"]
    render(routine(tmp_path, "Alpha"), tmp_path / "out2", root)
    assert list((root / cache_runs.RUNS).glob("run-*")) == []


def test_the_cache_stays_under_its_bound_across_many_renders(tmp_path):
    root = tmp_path / "cache"
    render(routine(tmp_path, "Alpha", 150), tmp_path / "out", root, PILATES_AUDIO_CACHE_MAX="0")
    one = sum(size for _, size in files_in(root).values())
    shutil.rmtree(root)
    bound = int(one * 2.5)  # room for two renders' worth, not three
    rates = (140, 150, 160, 170, 180, 190)
    for rate in rates:  # each rate is new speech
        render(routine(tmp_path, "Alpha", rate), tmp_path / "out", root, PILATES_AUDIO_CACHE_MAX=str(bound))
        assert sum(size for _, size in files_in(root).values()) <= bound
    # The latest render's entries are kept: it renders again from the cache alone.
    before = files_in(root)
    render(routine(tmp_path, "Alpha", rates[-1]), tmp_path / "out", root, PILATES_AUDIO_CACHE_MAX=str(bound))
    assert files_in(root) == before


def test_a_bad_bound_is_refused_before_any_work(tmp_path):
    root = tmp_path / "cache"
    message = ("error: PILATES_AUDIO_CACHE_MAX: 'lots' is not a size; give bytes or a number with KB, MB, GB or TB "
               "(such as 500MB or 2GB), or 0 for no bound\n")
    result = run_cli("render", routine(tmp_path, "Alpha"), "-o", tmp_path / "out",
                     env=own(root, PILATES_AUDIO_CACHE_MAX="lots"))
    assert (result.code, result.stdout, result.stderr) == (2, "", message)
    assert not (tmp_path / "out").exists() and files_in(root) == {}
    shown = run_cli("cache", env=own(root, PILATES_AUDIO_CACHE_MAX="lots"))
    assert (shown.code, shown.stderr) == (2, message)


def test_a_cache_that_is_a_file_is_refused_before_any_work(tmp_path):
    root = tmp_path / "cache"
    root.write_text("not a folder")
    message = f"error: the cache {root} is not a folder; set PILATES_AUDIO_CACHE to a folder\n"
    source = routine(tmp_path, "Alpha")
    for args in (["render", source, "-o", tmp_path / "out"], ["script", source, "--exact"], ["cache"],
                 ["cache", "prune"]):
        result = run_cli(*args, env=own(root))
        assert (result.code, result.stdout, result.stderr) == (2, "", message), args
    assert not (tmp_path / "out").exists() and root.read_text() == "not a folder"
    under = run_cli("render", source, "-o", tmp_path / "out", env=own(root / "sub"))
    assert (under.code, under.stderr) == (2, f"error: the cache {root / 'sub'} is not a folder ({root} is a file); "
                                             "set PILATES_AUDIO_CACHE to a folder\n")


def read_only(root: Path) -> list[str]:
    """Return a command prefix that runs with `root` read-only, as a mount or permissions make it."""
    if os.geteuid() != 0:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return []
    # Root writes anywhere it likes; a read-only bind mount in a namespace of its own stops it.
    prefix = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
              'mount --bind -o ro "$0" "$0" && exec "$@"', str(root)]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root where no read-only mount can be made")
    return prefix


def test_a_read_only_cache_with_every_entry_still_renders(tmp_path):
    root = tmp_path / "cache"
    source = routine(tmp_path, "Alpha")
    render(source, tmp_path / "a", root)
    before = files_in(root)
    command = [sys.executable, "-m", "pilates_audio", "render", str(source), "-o", str(tmp_path / "b"), "-q"]
    prefix = read_only(root)
    try:
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, env={**os.environ, **own(root)},
                              stdin=subprocess.DEVNULL, timeout=300)
        assert (done.returncode, done.stderr) == (0, "")
        assert (tmp_path / "b" / "alpha-160.mp3").read_bytes() == (tmp_path / "a" / "alpha-160.mp3").read_bytes()

        # Speech it lacks cannot be kept: said plainly, and nothing is written.
        other = routine(tmp_path, "Gamma")
        done = subprocess.run([*prefix, *command[:4], str(other), *command[5:]], capture_output=True, text=True,
                              env={**os.environ, **own(root)}, stdin=subprocess.DEVNULL, timeout=300)
        assert done.returncode == 1
        assert done.stderr.startswith(f"error: the cache {root} cannot be written (")
        assert ") and lacks this speech; set PILATES_AUDIO_CACHE to a folder you can write to (while speaking " \
               in done.stderr
        assert not list((tmp_path / "b").glob("gamma*"))

        # Nothing can be pruned from it, and that is said.
        done = subprocess.run([*prefix, sys.executable, "-m", "pilates_audio", "cache", "prune", "--max-size", "0"],
                              capture_output=True, text=True, env={**os.environ, **own(root)}, timeout=60)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr.startswith(f"error: the cache {root} cannot be written (")
        assert done.stderr.endswith("), so nothing can be removed from it; prune it where it can be written, or set "
                                    "PILATES_AUDIO_CACHE to another folder\n")
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
    assert files_in(root) == before


def test_pruning_while_a_render_runs_leaves_it_whole(tmp_path):
    import json

    import audiocheck

    root = tmp_path / "cache"
    source = tmp_path / "long.yaml"
    source.write_text(
        "title: Long\npacing: {inhale: 2s, exhale: 2s, transition: 2s}\nexercises:\n"
        + "".join(f"  - {{name: Move number {n}, reps: 3, cues: [Keep the neck long in move {n}.]}}\n" for n in range(12)),
        encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pilates_audio", "render", str(source), "-o", str(out), "-q"]
    rendering = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 stdin=subprocess.DEVNULL, env={**os.environ, **own(root)})
    held = 0
    while rendering.poll() is None:
        result = run_cli("cache", "prune", "--max-size", "0", env=own(root))
        assert result.code == 0, result.stderr
        held += bool(result.stderr)
        time.sleep(0.2)
    stdout, stderr = rendering.communicate()
    assert (rendering.returncode, stderr) == (0, ""), stderr
    assert held  # the prunes met the render's entries and kept them
    data = json.loads((out / "long.json").read_text())
    assert abs(len(audiocheck.load(out / "long.mp3")) / 2 / 44100 - data["duration"]) < 0.002


def test_speech_made_by_script_exact_counts_against_the_bound_too(tmp_path):
    root = tmp_path / "cache"
    render(routine(tmp_path, "Alpha", 150), tmp_path / "out", root, PILATES_AUDIO_CACHE_MAX="0")
    bound = int(sum(size for _, size in files_in(root).values()) * 1.5)
    for rate in (120, 130, 140):
        result = run_cli("script", routine(tmp_path, "Alpha", rate), "--exact", "-q",
                         env=own(root, PILATES_AUDIO_CACHE_MAX=str(bound)))
        assert result.code == 0, result.stderr
        assert sum(size for _, size in files_in(root).values()) <= bound



@contextlib.contextmanager
def locked_mark(root: Path, pid: int, host: str) -> Iterator[Path]:
    """A run's mark naming `pid` on `host`, from before the entries were used, locked by this process meanwhile."""
    import fcntl

    mark = root / cache_runs.RUNS / f"run-{pid}"
    mark.write_text(f"{host}\n", encoding="utf-8")
    os.utime(mark, (time.time() - 3600,) * 2)
    with open(mark, "rb") as handle:
        # The lock outlives the run: as when a process it started kept the descriptor.
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield mark


@pytest.mark.skipif(sys.platform == "win32", reason="marks are locked with flock")
def test_a_mark_whose_process_has_ended_holds_nothing_even_if_its_lock_lives_on(tmp_path):
    root = tmp_path / "cache"
    render(routine(tmp_path, "Alpha"), tmp_path / "out", root)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id no process has any more
    count = len(files_in(root))
    with locked_mark(root, gone.pid, socket.gethostname()) as mark:
        result = run_cli("cache", "prune", "--max-size", "0", env=own(root))
        assert result.code == 0, result.stderr
        assert (result.stderr, files_in(root)) == ("", {})
        assert result.stdout.startswith(f"removed {count} entries (")
        assert not mark.exists()
    # A mark of a run on another machine sharing the cache: its process ids are not this machine's to judge.
    render(routine(tmp_path, "Alpha"), tmp_path / "out", root)
    count = len(files_in(root))
    with locked_mark(root, gone.pid, "elsewhere.invalid") as mark:
        result = run_cli("cache", "prune", "--max-size", "0", env=own(root))
        assert result.stderr == f"kept {count} entries in use by a render still running\n"
        assert mark.exists() and len(files_in(root)) == count
