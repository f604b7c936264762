"""Music: files played in turn under the session, then again from the first, joined by equal-power crossfades.

Each file is decoded once, with ffmpeg, to 44.1 kHz mono samples and their
loudness profile, and kept in the cache under the digest of its bytes: a
re-render reads them back instead of decoding again.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import struct
import subprocess
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pilates_audio import cache, tools
from pilates_audio.files import cache_dir
from pilates_audio.format import Track
from pilates_audio.format.tracks import problem
from pilates_audio.timing import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

CROSSFADE = 1.0  # seconds one file overlaps the next where it gives way to it (or to itself, looping)
MIN_SECONDS = 2 * CROSSFADE  # shorter, a file's fade-in and fade-out would meet
MAX_SECONDS = 3600.0  # a longer file is held whole in memory for nothing: a bed loops
CACHE_FORMAT = 1  # bump when the way files are decoded or profiled changes
_MAGIC = b"PAM1"
_HEADER = struct.Struct("<4sIId32s")  # magic, samples, profile steps, peak, sha256 of what follows
_PROFILE_BLOCK = SAMPLE_RATE * 6  # samples K-weighted at a time: memory stays flat for long files
_WARM_UP = SAMPLE_RATE // 2  # samples before each block, so the filter has settled where the block starts


@dataclass(frozen=True)
class Decoded:
    """A music file as samples: 16-bit, 44.1 kHz mono, with its loudness profile and peak."""

    samples: "np.ndarray"  # int16
    steps: "np.ndarray"  # K-weighted energy of each 10 ms step, full scale 1.0
    peak: float  # largest sample, full scale 1.0
    digest: str = ""  # of the file's bytes (and the way it is decoded): the same digest, the same samples


def _digest(path: Path) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}\n".encode("ascii"))
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry_path(digest: str) -> Path:
    return cache_dir() / "music" / digest[:2] / f"{digest}.pcm"


def _read_entry(path: Path) -> Decoded | None:
    """Return a cached decoding, or None if it is missing or damaged."""
    import numpy as np

    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) < _HEADER.size:
        return None
    magic, count, steps, peak, digest = _HEADER.unpack_from(data)
    body = memoryview(data)[_HEADER.size:]
    if magic != _MAGIC or len(body) != count * 2 + steps * 8 or hashlib.sha256(body).digest() != digest:
        return None
    cache.used(path)
    samples = np.frombuffer(body[: count * 2], dtype="<i2")
    return Decoded(samples, np.frombuffer(body[count * 2:], dtype="<f8"), peak, path.stem)


def _write_entry(path: Path, decoded: Decoded) -> None:
    body = decoded.samples.astype("<i2").tobytes() + decoded.steps.astype("<f8").tobytes()
    header = _HEADER.pack(_MAGIC, len(decoded.samples), len(decoded.steps), decoded.peak,
                          hashlib.sha256(body).digest())
    cache.store(path, header + body)


def profile(samples: "np.ndarray") -> "np.ndarray":
    """Return the K-weighted energy of each 10 ms step of 16-bit samples, a block at a time."""
    import numpy as np

    from pilates_audio.speech import levels

    out = []
    for start in range(0, len(samples), _PROFILE_BLOCK):
        begin = max(0, start - _WARM_UP)
        end = min(len(samples), start + _PROFILE_BLOCK)
        block = samples[begin:end].astype(np.float64) / 32768.0
        out.append(levels.step_energies(levels.weighted(block)[start - begin: end - begin] ** 2))
    return np.concatenate(out) if out else np.zeros(0)


def decode(track: Track) -> Decoded:
    """Decode a music file (or read its decoding from the cache), refusing what cannot be a bed."""
    import numpy as np

    reason = problem(track.path)
    if reason:
        raise track.refuse(reason)
    try:
        digest = _digest(track.path)
    except OSError as exc:
        raise track.refuse(f"could not be read ({exc.strerror or exc})") from None
    entry = _entry_path(digest)
    decoded = _read_entry(entry)
    if decoded is None:
        # At most an hour and a second is read: a longer file is refused, not held in memory.
        result = subprocess.run(
            [tools.ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(track.path),
             "-map", "0:a:0", "-vn", "-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE),
             "-t", str(MAX_SECONDS + 1), "pipe:1"],
            capture_output=True,
        )
        if result.returncode != 0:
            raise track.refuse("is not audio ffmpeg can read") from None
        samples = np.frombuffer(result.stdout[: len(result.stdout) // 2 * 2], dtype="<i2")
        peak = float(np.abs(samples.astype(np.int32)).max()) / 32768.0 if len(samples) else 0.0
        decoded = Decoded(samples, profile(samples), peak, digest)
        if len(samples) >= MIN_SECONDS * SAMPLE_RATE and len(samples) <= MAX_SECONDS * SAMPLE_RATE and peak > 0:
            _write_entry(entry, decoded)
    length = len(decoded.samples) / SAMPLE_RATE
    if length == 0:
        raise track.refuse("holds no sound")
    if length < MIN_SECONDS:
        raise track.refuse(f"is too short to loop ({length:.1f} s; music must be at least {MIN_SECONDS:g} s long)")
    if length > MAX_SECONDS:
        raise track.refuse(f"is longer than {MAX_SECONDS / 3600:g} hour; a bed loops, so give a shorter one")
    if decoded.peak == 0:
        raise track.refuse("is silent")
    return decoded


@lru_cache(maxsize=4)
def _fade_in(count: int) -> "np.ndarray":
    """Return an equal-power fade-in over `count` samples; reversed, it is the matching fade-out."""
    import numpy as np

    return np.sin(np.pi / 2 * (np.arange(count) + 0.5) / count).astype(np.float32)


class Music:
    """Music files in turn, looped, each joined to the next by an equal-power crossfade."""

    crossfade = CROSSFADE

    def __init__(self, tracks: tuple[Track, ...]):
        self.names = tuple(track.name for track in tracks)
        self.decoded = tuple(decode(track) for track in tracks)
        self.identity = hashlib.sha256(json.dumps([CROSSFADE, [d.digest for d in self.decoded]]).encode()).hexdigest()
        self._fade = int(round(CROSSFADE * SAMPLE_RATE))
        self._starts = [0]  # where each play of a file starts in the session: file k % len(tracks)

    @cached_property
    def loudness(self) -> float:
        import numpy as np

        from pilates_audio.speech import levels

        return levels.integrated(np.concatenate([d.steps for d in self.decoded]))

    @property
    def peak(self) -> float:
        # Two plays crossfading at equal power reach at most √2 of the louder one's peak (a file loops into itself).
        return max(d.peak for d in self.decoded) * math.sqrt(2)

    def _plays(self, end: int) -> list[int]:
        """Return where each play starts, enough of them to reach session sample `end`."""
        while self._starts[-1] < end:
            k = len(self._starts) - 1
            self._starts.append(self._starts[-1] + len(self.decoded[k % len(self.decoded)].samples) - self._fade)
        return self._starts

    def samples(self, start: int, count: int) -> "np.ndarray":
        import numpy as np

        out = np.zeros(count, dtype=np.float32)
        end = start + count
        starts = self._plays(end)
        fade = self._fade
        scale = np.float32(1 / 32768)
        # From the play that sounds at `start` (the one before it may still be fading out).
        for k in range(max(0, bisect.bisect_right(starts, start) - 2), len(starts) - 1):
            at = starts[k]
            data = self.decoded[k % len(self.decoded)].samples
            length = len(data)
            if at >= end:
                break
            if at + length <= start:
                continue
            a, b = max(start, at), min(end, at + length)
            piece = data[a - at: b - at] * scale
            # Fades apply only where a play overlaps the one before or after it.
            if k > 0 and a - at < fade:  # fades in over the one before (the first play starts as it is)
                n = min(fade, b - at) - (a - at)
                piece[:n] *= _fade_in(fade)[a - at: a - at + n]
            if b - at > length - fade:
                first = max(a - at, length - fade)
                piece[first - (a - at):] *= _fade_in(fade)[::-1][first - (length - fade): b - at - (length - fade)]
            out[a - start: b - start] += piece
        return out
