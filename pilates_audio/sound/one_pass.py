"""The one-pass encoder: a whole session fed to ffmpeg's LAME, every sample where the script says."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from pilates_audio import tools
from pilates_audio.errors import PilatesAudioError
from pilates_audio.sound import mp3
from pilates_audio.sound.sounds import Key, Sounds
from pilates_audio.timing import SAMPLE_RATE, Script

CHUNK = SAMPLE_RATE * 10  # samples of silence written at a time: memory stays flat


def encode(script: Script, sounds: Sounds, gains: dict[Key, float], out: Path, bitrate: int = mp3.DEFAULT_BITRATE,
           progress: Callable[[int, int], None] | None = None) -> None:
    """Encode the script's audio to an MP3 at `out` in one pass, every sample where the script says."""
    silence = bytes(CHUNK * 2)
    levelled = lru_cache(maxsize=64)(lambda key: sounds.levelled(key, gains[key]))  # counts come back often

    def stretches() -> Iterator[tuple[bytes, int]]:
        done = 0
        for cue in script.cues:
            if cue.kind == "pause":
                remaining = cue.length
                while remaining > 0:
                    n = min(remaining, CHUNK)
                    yield silence[: n * 2], done + cue.length - remaining + n
                    remaining -= n
            else:
                data = levelled((cue.kind, cue.text))
                if len(data) != cue.length * 2:
                    raise PilatesAudioError(f'internal error: clip for "{cue.text}" does not match its cue')
                yield data, done + cue.length
            done += cue.length

    encode_stream(stretches(), script.duration, out, bitrate, progress)


def encode_stream(stretches: Iterator[tuple[bytes, int]], total: int, out: Path, bitrate: int,
                  progress: Callable[[int, int], None] | None = None) -> None:
    """Encode PCM given a stretch at a time (with the samples done after each) in one ffmpeg pass."""
    process = tools.start(mp3.lame(bitrate, mp3.QUALITY, str(out)), stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for data, done in stretches:
            process.stdin.write(data)
            if progress:
                progress(done, total)
        process.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        process.kill()
        process.wait()
        raise
    stderr = process.stderr.read()
    code = process.wait()
    if code != 0:
        raise tools.failed("encoding the MP3", code, stderr)
