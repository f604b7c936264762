"""Audio: finding ffmpeg, assembling a session's samples, encoding and decoding MP3."""

from __future__ import annotations

import array
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Callable

from pilates_audio.errors import PilatesAudioError
from pilates_audio import levels, tools
from pilates_audio.script import SAMPLE_RATE, TONE_SECONDS, Script
from pilates_audio.speech import Clip
from pilates_audio.tools import FFmpegError, ffmpeg

DEFAULT_BITRATE = 64
DEFAULT_LOUDNESS = -19.0  # LUFS on a mono file: heard as the -16 LUFS podcast norm on two speakers
PEAK_CEILING = -2.0  # dBFS for samples: MP3 encoding adds up to about 1 dB, keeping true peaks under -1 dBTP
CODEC_LOSS = 0.4  # LU that MP3 encoding takes from speech, compensated before encoding
MAX_CLIP_GAIN = 30.0  # dB either way: no line is ever boosted from near silence
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


@lru_cache(maxsize=None)
def _tone_steps(name: str):
    return levels.profile(tone(name))


def level(script: Script, clips: Callable[[str], Clip], target: float = DEFAULT_LOUDNESS,
          ceiling: float = PEAK_CEILING) -> dict[tuple[str, str], bytes]:
    """Return the samples of every line and tone, levelled so the session lands on `target` LUFS.

    Every line is first brought to the same loudness, so none stands out; then the
    whole session's gated loudness is worked out from the lines' stored energy
    profiles where they fall, and one correction brings it onto the target. Peaks
    are held under the ceiling.
    """
    import numpy as np

    keys = {(cue.kind, cue.text) for cue in script.cues if cue.kind != "pause"}

    def sound(key: tuple[str, str]) -> bytes:
        return clips(key[1]).pcm if key[0] == "speech" else tone(key[1])

    profiles = {key: np.frombuffer(clips(key[1]).steps, "<f4").astype(np.float64) if key[0] == "speech"
                else _tone_steps(key[1]) for key in keys}
    gains = {
        # Lines are each brought to the target; tones keep their own soft level, moved with the session.
        key: max(-MAX_CLIP_GAIN, min(MAX_CLIP_GAIN, target - levels.clip_loudness(profiles[key], len(sound(key)) // 2)))
        if key[0] == "speech" else 0.0
        for key in keys
    }
    size = script.duration // levels.STEP + max((len(p) for p in profiles.values()), default=0) + 1

    def session_loudness(weights: dict[tuple[str, str], float]) -> float:
        session = np.zeros(size)
        for cue in script.cues:
            if cue.kind != "pause":
                key = (cue.kind, cue.text)
                at = int(round(cue.start / levels.STEP))
                session[at:at + len(profiles[key])] += profiles[key] * weights[key]
        return levels.integrated(session)

    if not gains:
        return {}
    # MP3 encoding lowers the measured loudness of this speech by about 0.4 LU (measured
    # here on whole sessions at 64 to 192 kbps), so aim that much higher before encoding.
    aim = target + CODEC_LOSS
    correction = aim - session_loudness({key: 10 ** (gain / 10) for key, gain in gains.items()})
    adjusted = {}
    for _ in range(3):
        adjusted = {key: levels.adjust(sound(key), gain + correction, ceiling) for key, gain in gains.items()}
        # The limiter takes a little energy from the loudest lines: measure what it took
        # and correct again, so the session lands on the target rather than just under it.
        kept = {key: levels.energy(adjusted[key]) / max(levels.energy(sound(key)), 1e-12) for key in gains}
        off = aim - session_loudness(kept)
        if abs(off) <= 0.05:
            break
        correction += off
    return adjusted


def encode(script: Script, sounds: dict[tuple[str, str], bytes], out: Path, bitrate: int = DEFAULT_BITRATE,
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
                data = sounds[(cue.kind, cue.text)]
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
