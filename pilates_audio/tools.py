"""The outside programs the tool relies on: ffmpeg, and pydub pointed at it."""

from __future__ import annotations

import os
import shutil
import warnings
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

from pilates_audio.errors import PilatesAudioError

if TYPE_CHECKING:
    import subprocess  # imported where ffmpeg runs, so that planning (`check`, `script`) starts without it


class FFmpegError(PilatesAudioError):
    """ffmpeg is missing or failed."""


@lru_cache(maxsize=1)
def ffmpeg() -> str:
    """Return the ffmpeg to use: $PILATES_AUDIO_FFMPEG, else PATH, else imageio-ffmpeg's."""
    configured = os.environ.get("PILATES_AUDIO_FFMPEG")
    if configured:
        found = shutil.which(configured) or (configured if os.path.isfile(configured) else None)
        if not found:
            raise FFmpegError(
                f"ffmpeg was not found at PILATES_AUDIO_FFMPEG={configured}; "
                "point it at an ffmpeg binary, or unset it to use the one on PATH, else the bundled one"
            )
        return found
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise FFmpegError(
            f"no ffmpeg found ({exc}); install one on PATH or set PILATES_AUDIO_FFMPEG to its path"
        ) from None


def _fix() -> str:
    """Say how to choose another ffmpeg: unsetting the variable helps only where it was set."""
    if os.environ.get("PILATES_AUDIO_FFMPEG"):
        return "point PILATES_AUDIO_FFMPEG at a working ffmpeg, or unset it to use the one on PATH, else the bundled one"
    return "set PILATES_AUDIO_FFMPEG to a working ffmpeg"


@lru_cache(maxsize=1)
def working_ffmpeg() -> str:
    """Return the ffmpeg to use after checking that it runs, so a broken one is named before any work."""
    import subprocess

    path = ffmpeg()
    try:
        result = subprocess.run([path, "-hide_banner", "-version"], capture_output=True, timeout=30,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FFmpegError(f"ffmpeg at {path} could not be run ({reason}); {_fix()}") from None
    if result.returncode != 0 or not result.stdout.startswith(b"ffmpeg version"):
        raise FFmpegError(f"ffmpeg at {path} does not work ({failure(result.returncode, result.stderr)}); {_fix()}")
    return path


def start(command: list[str], **streams) -> subprocess.Popen:
    """Start an ffmpeg command, or say plainly that ffmpeg could not be started."""
    import subprocess

    try:
        return subprocess.Popen(command, **streams)
    except OSError as exc:
        raise FFmpegError(f"ffmpeg could not be started ({exc.strerror or exc}); {_fix()}") from None


def failed(what: str, code: int, stderr: bytes) -> FFmpegError:
    """Return the error for ffmpeg failing at something."""
    return FFmpegError(f"ffmpeg failed while {what} ({failure(code, stderr)}); {_fix()}")


def failure(code: int, stderr: bytes) -> str:
    """Describe how a program failed: its exit status and the last line it printed."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return f"exit status {code}" + (f": {lines[-1]}" if lines else "")


@lru_cache(maxsize=1)
def pydub() -> ModuleType:
    """Import pydub without its warning about ffmpeg on PATH, and point it at ours."""
    with warnings.catch_warnings():
        # pydub looks for ffmpeg on PATH at import and warns when the bundled one is used.
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub as module
    try:
        module.AudioSegment.converter = ffmpeg()
    except FFmpegError:
        pass  # reported when ffmpeg is actually needed
    return module
