"""The cache's bounds: what it holds by kind and by voice, and pruning what was used least recently.

Entries are content-addressed files under one folder per kind; clips, levels and
pieces sit in a folder per voice, so each voice's share can be told. Using an entry
sets its modification time, which is what "least recently used" goes by: access
times are not kept on many file systems.
"""

from __future__ import annotations

import errno
import json
import os
import re
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pilates_audio.cache_runs import running_since
from pilates_audio.errors import InputError, PilatesAudioError
from pilates_audio.files import CACHE_VARIABLE, TEMP_PREFIX, cache_dir, nearest_existing, write_atomic

KINDS = ("clips", "pieces", "levels", "models", "music")  # the folders that hold entries; `locks` holds none
VOICED = ("clips", "pieces", "levels")  # kinds kept in a folder per voice
ABOUT = "voice.json"  # in clips/<voice folder>: which engine and voice the folder is
MAX_ENV = "PILATES_AUDIO_CACHE_MAX"
DEFAULT_MAX = 2 * 10**9  # bytes: 2 GB
AUTO_FILL = 0.9  # pruning after a render leaves the cache at this share of its bound, so the next renders have room
USAGE = ".usage"  # what the cache held at its last count, and what renders added since
RECOUNT_EVERY = 24 * 3600.0  # seconds: the estimate is counted again from the files at least this often
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12,
          "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_AGES = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d|w)\s*$", re.IGNORECASE)
_added = 0  # bytes this process stored in the cache since its last check of the bound
_active = 0  # renders of this process under way (the studio renders several sessions at once)
_counting = threading.Lock()  # guards the two counts above: renders store from several threads


@dataclass(frozen=True)
class Entry:
    """One file in the cache: where it is, its size, when it was last used, its kind and voice folder."""

    path: Path
    size: int
    used: float
    kind: str
    voice: str  # the voice folder's name, or "" for kinds not kept by voice


@dataclass(frozen=True)
class Share:
    """What one voice holds in the cache."""

    engine: str
    voice: str
    folder: str
    size: int


@dataclass(frozen=True)
class Usage:
    """What the cache holds: its size in all, by kind and by voice."""

    root: Path
    total: int
    entries: int
    kinds: tuple[tuple[str, int], ...]
    voices: tuple[Share, ...]


@dataclass(frozen=True)
class Pruned:
    """What a prune did: entries removed, bytes freed, bytes left, and entries kept for running renders."""

    removed: int
    freed: int
    left: int
    held: int


def parse_size(text: str) -> int:
    """Return a size in bytes from text such as 500M, 2GB, 1.5 GiB or 1000000."""
    match = _SIZE.match(str(text))
    unit = match[2].lower() if match else ""
    if not match or unit not in _UNITS:
        raise ValueError(f"'{text}' is not a size; give bytes or a number with KB, MB, GB or TB (such as 500MB or "
                         f"2GB)")
    return int(float(match[1]) * _UNITS[unit])


def parse_age(text: str) -> float:
    """Return an age in seconds from text such as 30d, 12h, 2w or 90min."""
    match = _AGE.match(str(text))
    if not match:
        raise ValueError(f"'{text}' is not an age; give a number with s, min, h, d or w (such as 30d or 12h)")
    return float(match[1]) * _AGES[match[2].lower()]


def format_size(size: float) -> str:
    """Return a size for people: 0 B, 980 KB, 1.2 GB (powers of 1000, as disks are sold)."""
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            value = size / factor
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{int(size)} B"


def check() -> int | None:
    """Check the cache's settings before any work: a folder that is one, a bound that reads; return the bound."""
    root = cache_dir()
    existing = nearest_existing(root)  # a cache not made yet is made under it
    if existing.exists() and not existing.is_dir():
        raise InputError(f"the cache {root} is not a folder" + (f" ({existing} is a file)" if existing != root else "")
                         + f"; set {CACHE_VARIABLE} to a folder")
    return limit()


def limit() -> int | None:
    """Return the bound set by PILATES_AUDIO_CACHE_MAX (default 2 GB), or None if it is 0 or off."""
    value = os.environ.get(MAX_ENV, "").strip()
    if not value:
        return DEFAULT_MAX
    if value.lower() in ("0", "off", "none"):
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise InputError(f"{MAX_ENV}: {exc}, or 0 for no bound") from None


def voice_folder(engine: str, voice: str, identity: str) -> str:
    """Return the name of a voice's folder: readable, and unique to what its audio depends on."""
    import hashlib

    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(voice).name.removesuffix(".onnx") if voice else "default")
    return f"{engine}-{label.strip('-.')[:40] or 'voice'}-{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:10]}"


def note_voice(folder: Path, engine: str, voice: str, identity: str) -> None:
    """Say in a voice's clip folder which engine and voice it holds, once."""
    about = folder / ABOUT
    if about.exists():
        return
    with suppress(OSError):  # a read-only cache still renders; the report then shows the folder's name
        folder.mkdir(parents=True, exist_ok=True)
        data = {"engine": engine, "voice": Path(voice).name.removesuffix(".onnx") if voice else "default",
                "identity": identity}
        write_atomic(about, (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8"), sync=False)


def used(path: Path) -> None:
    """Mark a cache entry as used now, so pruning keeps it longest."""
    with suppress(OSError):  # read-only caches are used as they are
        os.utime(path)


def unwritable(exc: OSError) -> bool:
    """Tell whether a write failed because the cache is read-only (not because the disk is full)."""
    return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)


def store(path: Path, data: bytes) -> bool:
    """Write a cache entry whole and count it; return False if the cache is read-only (it is made again next time)."""
    try:
        try:
            write_atomic(path, data, sync=False)  # entries carry their own checks, and a lost one is remade
        except FileNotFoundError:  # the entry's folder is new: made only then, as most entries go where others are
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data, sync=False)
    except OSError as exc:
        if not unwritable(exc):
            raise
        return False
    stored(len(data))
    return True


def stored(size: int) -> None:
    """Count bytes this process stored in the cache, for the check of the bound after a render."""
    global _added
    with _counting:
        _added += size


@contextmanager
def rendering() -> Iterator[None]:
    """Mark a render of this process under way: the bound is checked when none is."""
    global _active
    with _counting:
        _active += 1
    try:
        yield
    finally:
        with _counting:
            _active -= 1


def entries(root: Path | None = None) -> list[Entry]:
    """Return every entry in the cache (temporary files and the voice notes are not entries)."""
    root = root or cache_dir()
    found = []
    for kind in KINDS:
        stack = [(root / kind, "")]
        while stack:
            folder, voice = stack.pop()
            try:
                listing = list(os.scandir(folder))
            except OSError:
                continue
            for item in listing:
                if item.is_dir(follow_symlinks=False):
                    # Voice folders sit right under a voiced kind; older caches kept entries there directly.
                    inner = item.name if kind in VOICED and not voice and len(item.name) > 2 else voice
                    stack.append((Path(item.path), inner))
                elif item.is_file(follow_symlinks=False) and not item.name.startswith(TEMP_PREFIX) \
                        and item.name != ABOUT:
                    with suppress(OSError):
                        info = item.stat(follow_symlinks=False)
                        found.append(Entry(Path(item.path), info.st_size, info.st_mtime, kind, voice))
    return found


def usage(root: Path | None = None) -> Usage:
    """Return what the cache holds, by kind and by voice."""
    root = root or cache_dir()
    found = entries(root)
    kinds = {kind: 0 for kind in KINDS}
    voices: dict[str, int] = {}
    for entry in found:
        kinds[entry.kind] += entry.size
        if entry.kind in VOICED:
            voices[entry.voice] = voices.get(entry.voice, 0) + entry.size
    shares = []
    for folder, size in voices.items():
        # Entries straight under a kind's folder were stored by versions before voice folders.
        engine, voice = _about(root / "clips" / folder) if folder else ("-", "(earlier versions)")
        shares.append(Share(engine, voice, folder, size))
    shares.sort(key=lambda share: (-share.size, share.folder))
    return Usage(root, sum(kinds.values()), len(found), tuple(kinds.items()), tuple(shares))


def _about(folder: Path) -> tuple[str, str]:
    try:
        data = json.loads((folder / ABOUT).read_text(encoding="utf-8"))
        return str(data["engine"]), str(data["voice"])
    except (OSError, ValueError, KeyError, TypeError):
        return "?", folder.name  # clips of it were pruned, or it is from an earlier version


def prune(root: Path | None = None, max_size: int | None = None, older_than: float | None = None,
          found: list[Entry] | None = None) -> Pruned:
    """Remove entries unused for longer than `older_than` seconds, then the least recently used beyond `max_size`.

    Entries a running render has used since it began are never removed.
    """
    root = root or cache_dir()
    found = sorted(entries(root) if found is None else found, key=lambda entry: entry.used)
    since = running_since(root)
    total = sum(entry.size for entry in found)
    now = time.time()
    removed = freed = held = 0
    for entry in found:
        stale = older_than is not None and now - entry.used > older_than
        over = max_size is not None and total - freed > max_size
        if not (stale or over):
            continue
        if since is not None and entry.used >= since - 1.0:  # a second's slack for coarse file times
            held += 1
            continue
        try:
            entry.path.unlink()
        except FileNotFoundError:
            pass  # another prune got there first
        except OSError as exc:
            if unwritable(exc):
                raise PilatesAudioError(f"the cache {root} cannot be written ({exc.strerror}), so nothing can be "
                                        f"removed from it; prune it where it can be written, or set {CACHE_VARIABLE} "
                                        "to another folder") from None
            continue
        removed += 1
        freed += entry.size
        with suppress(OSError):
            entry.path.parent.rmdir()  # a shard folder left empty
    return Pruned(removed, freed, total - freed, held)


def after_render(root: Path | None = None) -> Pruned | None:
    """Keep the cache within PILATES_AUDIO_CACHE_MAX after a render; return what was pruned, if anything.

    Counting every entry takes time in a large cache, so the count is kept in a note
    and only the bytes this process stored are added to it; the files are counted
    again when the estimate passes the bound, or once a day.
    """
    global _added
    bound = limit()
    root = root or cache_dir()
    with _counting:
        if _active:
            return None  # another render of this process still uses its entries; the last one checks
        added, _added = _added, 0
    if bound is None:
        return None
    note = root / USAGE
    try:
        data = json.loads(note.read_text(encoding="ascii"))
        estimate, counted = int(data["bytes"]) + added, float(data["counted"])
    except (OSError, ValueError, KeyError, TypeError):
        estimate, counted = None, 0.0
    if estimate is not None and estimate <= bound and time.time() - counted < RECOUNT_EVERY:
        if added:
            _note_usage(note, estimate, counted)
        return None
    found = entries(root)
    result = None
    if sum(entry.size for entry in found) > bound:
        result = prune(root, max_size=int(bound * AUTO_FILL), found=found)
        total = result.left
    else:
        total = sum(entry.size for entry in found)
    _note_usage(note, total, time.time())
    return result


def _note_usage(note: Path, size: int, counted: float) -> None:
    with suppress(OSError):
        write_atomic(note, json.dumps({"bytes": size, "counted": counted}).encode("ascii"), sync=False)
