"""Everything written about a session besides its audio: tags and the timed script."""

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


def tag_mp3(path: Path, script: Script) -> None:
    """Write the session's ID3v2.3 tags into the MP3 at `path`."""
    from mutagen.id3 import ID3, TIT2, TLEN

    tags = ID3()
    tags.add(TIT2(encoding=3, text=script.title))
    tags.add(TLEN(encoding=3, text=str(round(script.duration * 1000 / 44100))))
    # v2.3 is the version the widest range of players and car stereos read.
    tags.save(path, v2_version=3)
