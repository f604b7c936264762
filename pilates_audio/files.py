"""Atomic file writes, and the locations the tool keeps files in."""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import signal
import stat
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator

from pilates_audio.errors import PilatesAudioError

TEMP_PREFIX = ".pilates-audio-"  # then the process id and a dash: a later run can tell whose it was
STALE_AFTER = 24 * 3600.0  # seconds after which any temporary file counts as left behind
SWEEP_EVERY = 3600.0  # seconds between sweeps of the whole cache
CACHE_VARIABLE = "PILATES_AUDIO_CACHE"  # where the cache is, if not in the user cache folder
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class DiskFull(PilatesAudioError):
    """A write failed because the device (or the user's quota) is full."""

    def __init__(self, folder: Path):
        super().__init__(f"no space left on the device holding {folder}; free some space and run again")
        self.folder = folder


def temp_prefix() -> str:
    """Name temporary files after this process, so one it leaves behind can be swept later."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def _left_behind(path: Path, now: float) -> bool:
    """Tell whether a temporary file belongs to no running process (or is over a day old)."""
    owner = path.name[len(TEMP_PREFIX):].split("-", 1)[0]
    try:
        if now - path.lstat().st_mtime > STALE_AFTER:
            return True
    except OSError:
        return False  # it vanished meanwhile
    # Named before runs said whose they were, it is left to age.
    return owner.isdigit() and gone(int(owner))


def gone(pid: int) -> bool:
    """Tell whether no process of this machine runs as `pid` (Ctrl-C in another terminal, kill -9, a power cut)."""
    if os.name == "nt":
        return False  # os.kill(pid, 0) would send Ctrl-C there: a process is taken as running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # another user's process: running
    return _ended(pid)


def _ended(pid: int) -> bool:
    """Tell whether a process has ended but not been reaped, so writes nothing more.

    A worker killed with its run is left so where the first process of a container
    does not reap the processes it inherits.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False  # no /proc (not Linux): a process that answers is taken as running
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] in ("Z", "X")


def sweep(folder: Path, deep: bool = False) -> int:
    """Remove temporary files that runs no longer running left in `folder` (and below, if `deep`); count them."""
    now = time.time()
    found = folder.rglob(f"{TEMP_PREFIX}*") if deep else folder.glob(f"{TEMP_PREFIX}*")
    removed = 0
    for path in found:
        if path.is_file() and not path.is_symlink() and _left_behind(path, now):
            with suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def sweep_cache(cache: Path) -> None:
    """Sweep the cache of what interrupted runs left, at most once an hour (it can hold many files)."""
    stamp = cache / ".swept"
    try:
        if time.time() - stamp.stat().st_mtime < SWEEP_EVERY:
            return
    except OSError:
        pass
    try:
        sweep(cache, deep=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        pass  # a read-only or missing cache has nothing of ours to sweep


class NotRegular(OSError):
    """A path that is a pipe, a device or a socket, where a file was expected."""


def read_regular(path: Path, limit: int) -> tuple[bytes, int]:
    """Read a regular file, at most `limit` + 1 bytes; return them and the file's size.

    A pipe, device or socket is refused at once (NotRegular), never read: opening
    does not wait for a pipe's writer, and /dev/zero never ends.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            return (handle.read(limit + 1) if info.st_size <= limit else b""), info.st_size
    finally:
        if fd >= 0:
            os.close(fd)


def disk_full(exc: BaseException) -> bool:
    """Tell whether an error, or one it arose from, is a full device."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _FULL:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class Staged(list):
    """The temporary paths standing for outputs until all are written (a list, in the order given).

    Work that finds more outputs as it goes (a session's tracks, known once its MP3 is
    written) adds them with `add`, and names files of the older set to remove with `drop`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[Path] = []
        self.remove: list[Path] = []
        self.made: list[Path] = []  # folders made for outputs: removed again, if left empty, when the run fails

    def add(self, path: Path) -> Path:
        """Reserve a temporary path beside `path` that replaces it with the rest; return it."""
        if not path.parent.is_dir():
            missing = [path.parent, *(p for p in path.parent.parents if not p.exists())]
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made.extend(missing)
        fd, name = tempfile.mkstemp(prefix=temp_prefix(), suffix=path.suffix, dir=path.parent)
        os.close(fd)
        self.append(Path(name))
        self.paths.append(path)
        # mkstemp makes the file private; outputs get the usual permissions instead.
        os.chmod(name, 0o666 & ~_umask())
        return Path(name)

    def drop(self, path: Path) -> None:
        """Remove `path` (a file, or a folder if it is then empty) when the outputs replace theirs."""
        self.remove.append(path)


@contextmanager
def atomic_outputs(paths: list[Path], remove: list[Path] | tuple[Path, ...] = ()) -> Iterator[Staged]:
    """Yield temporary paths beside `paths` that replace them together, once all are written.

    A failed or interrupted run leaves the old files (or none) and no temporary ones;
    two runs finishing at once each replace the whole set, never half of it. Files in
    `remove` (of an older set, no longer part of it) go in the same step; a folder
    among them goes if nothing is left in it.
    """
    staged = Staged()
    staged.remove.extend(remove)
    folder = paths[0].parent
    done = False
    try:
        try:
            for path in paths:
                staged.add(path)
            yield staged
        except DiskFull:
            raise  # already names the folder that filled (the cache, say)
        except Exception as exc:
            if disk_full(exc):
                raise DiskFull(folder) from exc
            raise
        if len(staged) == 1 and not staged.remove:
            os.replace(staged[0], staged.paths[0])  # atomic on its own
        else:
            with _folder_lock(folder), _interrupts_held():
                for tmp, path in zip(staged, staged.paths):
                    os.replace(tmp, path)
                for path in staged.remove:
                    with suppress(OSError):
                        if path.is_dir() and not path.is_symlink():
                            path.rmdir()  # only if nothing is left in it
                        else:
                            path.unlink()
        done = True
    finally:
        # After the renames there is nothing left to remove; after a failure, the temporaries.
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        for made in staged.made if not done else ():
            with suppress(OSError):
                made.rmdir()


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` that replaces it only on success."""
    with atomic_outputs([path]) as temps:
        yield temps[0]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """The run was told to stop by a signal (Ctrl-C, SIGTERM, SIGHUP): cleaned up like Ctrl-C."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__()
        self.signum = signum


def stop_on_signals() -> None:
    """Stop on SIGTERM and SIGHUP as on Ctrl-C: an exception that every clean-up sees."""

    def stop(number: int, frame: object) -> None:
        raise Stopped(number)

    if threading.current_thread() is not threading.main_thread():
        return  # signals reach the main thread only; a run in another thread keeps them as they are
    for number in STOPPING[1:]:
        signal.signal(number, stop)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold back Ctrl-C (and SIGTERM, SIGHUP) for a moment (files renamed into place, a small file written)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: caught.append(number)) for number in STOPPING}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if caught:
        raise Stopped(caught[0])


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder's outputs while they are replaced (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # Windows: each rename is still atomic on its own
        yield
        return
    name = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:32]
    locks = cache_dir() / "locks"
    try:
        locks.mkdir(parents=True, exist_ok=True)
        handle = open(locks / name, "a+b")
    except OSError:
        yield  # no cache folder to lock in: replace unlocked rather than fail
        return
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def write_new(path: Path, data: bytes) -> bool:
    """Write a whole new file at `path` unless one is there; return False if one was."""
    return _create(path, data, sync=True)


def keep_first(path: Path, data: bytes, good: Callable[[bytes], bool]) -> bytes:
    """Store a cache entry unless a good one is already there; return the entry the cache holds.

    Two runs making the same entry at once both end up using the first one stored,
    even where making it twice gives slightly different bytes (speech can).
    """
    if _create(path, data, sync=False):
        return data
    try:
        existing = path.read_bytes()
    except OSError:
        existing = b""
    if good(existing):
        return existing
    write_atomic(path, data, sync=False)  # a damaged entry is replaced
    return data


def _create(path: Path, data: bytes, sync: bool) -> bool:
    """Write a file at `path` whole, unless one is already there; return whether it was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Ctrl-C waits the few milliseconds until the temporary file is gone again.
    with _interrupts_held():
        return _create_held(path, data, sync)


def _create_held(path: Path, data: bytes, sync: bool) -> bool:
    fd, name = _temporary(path.parent)
    try:
        _write_all(fd, data, sync)
        try:
            os.link(name, path)  # never replaces: the first run to get here wins
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if path.exists():
                return False
            os.replace(name, path)
        return True
    except Exception as exc:
        if disk_full(exc):
            raise DiskFull(path.parent) from exc
        raise
    finally:
        with suppress(FileNotFoundError):
            os.unlink(name)


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write bytes to `path` so a reader sees either the old file or the whole new one.

    Cache entries skip `sync`: they carry their own checks, and a lost one is remade.
    """
    # The data is at hand, so Ctrl-C can wait until it is written and no temporary file is left.
    with _interrupts_held():
        fd, name = _temporary(path.parent)
        try:
            _write_all(fd, data, sync)
            os.replace(name, path)
        except BaseException as exc:
            with suppress(FileNotFoundError):
                os.unlink(name)
            if isinstance(exc, OSError) and disk_full(exc):
                raise DiskFull(path.parent) from exc
            raise


_serial = itertools.count()  # numbers this process's temporary files, so no two threads pick one name


def _temporary(folder: Path) -> tuple[int, str]:
    """Open a new temporary file in `folder`, named after this process, with the usual permissions."""
    # Cheaper than mkstemp plus chmod, which matters for the thousands of cells a render with music stores.
    while True:
        name = os.path.join(folder, f"{temp_prefix()}{next(_serial)}.tmp")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), name
        except FileExistsError:
            continue  # left by an earlier process that had this one's id
        except OSError as exc:
            if disk_full(exc):  # a full device can refuse even the new file
                raise DiskFull(folder) from exc
            raise


def _write_all(fd: int, data: bytes, sync: bool) -> None:
    """Write all of `data` to an open file, flush it to the device if asked, and close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def inside(path: Path, folder: Path) -> bool:
    """Tell whether `path` is `folder` or lies within it, links resolved on both sides."""
    real, outer = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return real == outer or outer in real.parents


def nearest_existing(path: Path) -> Path:
    """Return `path` if it exists, else the nearest folder above it that does: where it would be made."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def cache_dir() -> Path:
    """Return the clip cache folder: $PILATES_AUDIO_CACHE, else the user cache folder."""
    override = os.environ.get(CACHE_VARIABLE)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("pilates-audio", appauthor=False))
