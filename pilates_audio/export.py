"""Files written beside the audio: the timed script, for now."""

from __future__ import annotations

from pathlib import Path

from pilates_audio.script import Script


def script_json(script: Script) -> bytes:
    """Return the timed script as the JSON written beside the MP3."""
    return script.dumps().encode("utf-8")


def write_file(path: Path, data: bytes) -> None:
    """Write a finished output's bytes to an already-reserved temporary path."""
    with open(path, "wb") as f:
        f.write(data)
