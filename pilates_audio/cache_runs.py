"""The marks of the renders using the cache, so that no prune removes what a running render holds.

Each process using the cache keeps a file in RUNS, locked while it runs and naming its
machine; a prune keeps every entry used since the earliest of them began.
"""

from __future__ import annotations

import atexit
import os
import socket
import time
from contextlib import suppress
from pathlib import Path

from pilates_audio.files import cache_dir, gone

RUNS = "locks"  # where each render using the cache says since when it holds entries
RUN_PREFIX = "run-"  # then the process id: a run's mark in RUNS, holding the name of the machine it runs on
LOCKLESS_RUN_AGE = 24 * 3600.0  # seconds: without file locks (Windows), a run's mark counts as running this long

_run: tuple[Path, object] | None = None  # this process's run file and its open, locked handle


def hold(root: Path | None = None) -> None:
    """Say that this process uses cache entries from now on, so no prune removes them meanwhile."""
    global _run
    root = root or cache_dir()
    try:
        if _run is None or not _run[0].exists():
            folder = root / RUNS
            folder.mkdir(parents=True, exist_ok=True)
            running_since(root)  # the marks of runs that ended without clearing theirs (kill -9) go first
            path = folder / f"{RUN_PREFIX}{os.getpid()}"
            handle = open(path, "a+b")
            _lock(handle)
            # Whose it is: the process id in the name is this machine's, and a cache may be shared by several.
            handle.truncate(0)
            handle.write(f"{socket.gethostname()}\n".encode("utf-8"))
            handle.flush()
            _run = (path, handle)
            atexit.register(_release, path)
        os.utime(_run[0])  # entries used from this moment on are held
    except OSError:
        pass  # a read-only cache: nothing can be pruned from it either


def _release(path: Path) -> None:
    with suppress(OSError):
        path.unlink()


def _lock(handle: object) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: a run file counts as running until it is a day old
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # type: ignore[attr-defined]


def running_since(root: Path) -> float | None:
    """Return when the earliest render still running began to hold entries, clearing runs that ended."""
    try:
        runs = list((root / RUNS).glob(f"{RUN_PREFIX}*"))
    except OSError:
        return None
    since = None
    for path in runs:
        if _run is not None and path == _run[0]:
            continue  # this process prunes only between its own renders
        try:
            start = path.stat().st_mtime
            if _alive(path, start):
                since = start if since is None else min(since, start)
            else:
                path.unlink()
        except OSError:
            continue
    return since


def _alive(path: Path, start: float) -> bool:
    if _owner_gone(path):
        return False  # even if its lock lives on in a process it started
    try:
        import fcntl
    except ImportError:
        return time.time() - start < LOCKLESS_RUN_AGE
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True  # its process holds the lock: still running
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


def _owner_gone(path: Path) -> bool:
    """Tell whether a run's mark names this machine and a process that no longer runs here."""
    pid = path.name[len(RUN_PREFIX):]
    try:
        host = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return False
    # Marks from before they named their machine say nothing: only their lock counts.
    return pid.isdigit() and host == socket.gethostname() and gone(int(pid))
