"""Atomic file writes and the locations the tool keeps files in."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

TEMP_PREFIX = ".pilates-audio-"


@contextmanager
def atomic_output(path: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside `path` that replaces it only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes the file private; outputs get the usual permissions instead.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        # On success the rename already moved it; on failure nothing half-written stays.
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write bytes to `path` so a reader sees either the old file or the whole new one.

    Cache entries skip `sync`: they carry their own checks, and a lost one is remade.
    """
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())


def cache_dir() -> Path:
    """Return the clip cache folder: $PILATES_AUDIO_CACHE, else the user cache folder."""
    override = os.environ.get("PILATES_AUDIO_CACHE")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("pilates-audio", appauthor=False))
