"""Audio: finding ffmpeg, assembling a session's samples, encoding and decoding MP3."""

from __future__ import annotations

import array
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Callable

from pilates_audio.errors import PilatesAudioError
from pilates_audio import tools
from pilates_audio.script import SAMPLE_RATE, TONE_SECONDS, Script
from pilates_audio.tools import FFmpegError, ffmpeg

DEFAULT_BITRATE = 64
CHUNK = SAMPLE_RATE * 10  # samples of silence written at a time: memory stays flat


# Two soft notes a fifth apart: rising for an inhale, falling for an exhale.
TONE_NOTES = {"inhale": (440.0, 659.25), "exhale": (659.25, 440.0)}
TONE_LEVEL = -20.0  # dBFS: heard clearly under speech level, never startling
TONE_FADE = 0.012  # seconds of fade at each note's edges, so notes never click


@lru_cache(maxsize=None)
def tone(name: str) -> bytes:
    """Synthesize a breath tone as 44.1 kHz mono 16-bit samples, exactly TONE_SECONDS long."""
    tools.pydub()  # imported quietly first
    from pydub import generators

    first, second = TONE_NOTES[name]
    total = int(round(TONE_SECONDS * SAMPLE_RATE))
    half = total // 2
    fade = int(TONE_FADE * SAMPLE_RATE)
    data = array.array("h")
    for freq, count in ((first, half), (second, total - half)):
        note = generators.Sine(freq, sample_rate=SAMPLE_RATE, bit_depth=16).to_audio_segment(
            duration=count * 1000 / SAMPLE_RATE + 5, volume=TONE_LEVEL
        )
        values = array.array("h", note.get_sample_slice(0, count).raw_data)
        # pydub fades in whole milliseconds and can drop a sample: fade the samples here.
        for i in range(fade):
            values[i] = int(values[i] * i / fade)
            values[count - 1 - i] = int(values[count - 1 - i] * i / fade)
        data.extend(values)
    return data.tobytes()


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
                data = tone(cue.text) if cue.kind == "tone" else clip(cue.text)
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
