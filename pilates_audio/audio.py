"""Audio: finding ffmpeg, assembling a session's samples, encoding and decoding MP3."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

from pilates_audio.errors import PilatesAudioError
from pilates_audio.script import SAMPLE_RATE, Script
from pilates_audio.tools import FFmpegError, ffmpeg

DEFAULT_BITRATE = 64
CHUNK = SAMPLE_RATE * 10  # samples of silence written at a time: memory stays flat


def _run_error(what: str, stderr: bytes) -> FFmpegError:
    detail = stderr.decode("utf-8", "replace").strip().splitlines()
    last = detail[-1] if detail else "no message"
    return FFmpegError(f"ffmpeg failed while {what}: {last}")


def encode(script: Script, clip: Callable[[str], bytes], out: Path, bitrate: int = DEFAULT_BITRATE,
           progress: Callable[[int], None] | None = None) -> None:
    """Encode the script's audio to an MP3 at `out`, streaming samples to ffmpeg."""
    command = [
        ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{bitrate}k", "-ar", str(SAMPLE_RATE), "-ac", "1",
        # The Xing/LAME header carries the encoder delay and padding, so decoders
        # trim them and the decoded length equals the samples given.
        "-write_xing", "1", "-id3v2_version", "0", "-map_metadata", "-1",
        "-f", "mp3", str(out),
    ]
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        raise FFmpegError(f"ffmpeg could not be started ({exc.strerror or exc}); set PILATES_AUDIO_FFMPEG to a working ffmpeg") from None
    silence = bytes(CHUNK * 2)
    try:
        for cue in script.cues:
            if cue.kind == "pause":
                remaining = cue.length
                while remaining > 0:
                    n = min(remaining, CHUNK)
                    process.stdin.write(silence[: n * 2])
                    remaining -= n
            else:
                data = clip(cue.text)
                if len(data) != cue.length * 2:
                    raise PilatesAudioError(f'internal error: clip for "{cue.text}" does not match its cue')
                process.stdin.write(data)
            if progress:
                progress(cue.length)
        process.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        process.kill()
        process.wait()
        raise
    stderr = process.stderr.read()
    if process.wait() != 0:
        raise _run_error("encoding the MP3", stderr)


def decode(path: Path) -> bytes:
    """Decode an audio file to 44.1 kHz mono 16-bit PCM."""
    result = subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "pipe:1"],
        capture_output=True,
    )
    if result.returncode != 0:
        raise _run_error(f"decoding {path}", result.stderr)
    return result.stdout
