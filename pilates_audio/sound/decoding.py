"""Decoding any audio file to the session's samples with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pilates_audio import tools
from pilates_audio.timing import SAMPLE_RATE
from pilates_audio.tools import ffmpeg


def decode(path: Path) -> bytes:
    """Decode an audio file to 44.1 kHz mono 16-bit PCM."""
    result = subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "pipe:1"],
        capture_output=True,
    )
    if result.returncode != 0:
        raise tools.failed(f"decoding {path}", result.returncode, result.stderr)
    return result.stdout
