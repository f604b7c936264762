"""The clip cache: spoken lines stored under a content address, each entry checksummed."""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

from pilates_audio.files import keep_first

CLIP_FORMAT = 3  # bump when the way clips are processed or stored changes
CLIP_MAGIC = b"PAC3"
_HEADER = struct.Struct("<4sII32s")  # magic, samples, profile steps, sha256 of what follows


def clip_key(identity: str, rate: int, text: str) -> str:
    """Return the content address of a clip: everything that changes its audio.

    `identity` names the engine, its version, the voice and the voice model's digest.
    """
    data = json.dumps([CLIP_FORMAT, identity, rate, text], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Clip:
    """A spoken line's audio and its loudness profile (K-weighted energy per 10 ms)."""

    pcm: bytes
    steps: bytes  # float32 values
    digest: str = ""  # sha256 of what is stored, in hex: the clip's identity

    @property
    def length(self) -> int:
        return len(self.pcm) // 2


@dataclass(frozen=True)
class ClipInfo:
    """What is kept of a clip between uses: its length, loudness profile and identity (not its audio)."""

    length: int
    steps: bytes
    digest: str


def entry_size(info: ClipInfo) -> int:
    """Return the bytes a clip's cache entry takes."""
    return _HEADER.size + info.length * 2 + len(info.steps)


def clip_digest(clip: Clip) -> str:
    """Return the sha256 of what a cache entry stores of a clip: its identity."""
    return hashlib.sha256(clip.pcm + clip.steps).hexdigest()


def encode_clip(clip: Clip) -> bytes:
    """Wrap a clip with a header holding its sizes and a checksum."""
    payload = clip.pcm + clip.steps
    return _HEADER.pack(CLIP_MAGIC, len(clip.pcm) // 2, len(clip.steps) // 4, bytes.fromhex(clip_digest(clip))) + payload


def _checked(data: bytes) -> tuple[int, memoryview, bytes] | None:
    """Return a cache entry's sample count, what follows its header (not copied) and its digest; None if damaged."""
    if len(data) < _HEADER.size:
        return None
    magic, count, steps, digest = _HEADER.unpack_from(data)
    payload = memoryview(data)[_HEADER.size:]
    if magic != CLIP_MAGIC or len(payload) != count * 2 + steps * 4 or hashlib.sha256(payload).digest() != digest:
        return None
    return count, payload, digest


def decode_clip(data: bytes) -> Clip | None:
    """Return the clip in a cache entry, or None if the entry is damaged."""
    checked = _checked(data)
    if checked is None:
        return None
    count, payload, digest = checked
    return Clip(bytes(payload[: count * 2]), bytes(payload[count * 2:]), digest.hex())


def info(clip: Clip) -> ClipInfo:
    """Describe a clip without its audio."""
    return ClipInfo(clip.length, clip.steps, clip.digest)


def load(path: Path) -> Clip | None:
    """Return the clip stored at `path`, or None if there is none or it is damaged."""
    try:
        return decode_clip(path.read_bytes())
    except OSError:
        return None


def load_info(path: Path) -> ClipInfo | None:
    """Describe the clip stored at `path`, checked as `load` checks it, without copying its audio; None if bad."""
    try:
        checked = _checked(path.read_bytes())
    except OSError:
        return None
    if checked is None:
        return None
    count, payload, digest = checked
    return ClipInfo(count, bytes(payload[count * 2:]), digest.hex())


def store(path: Path, pcm: bytes) -> ClipInfo:
    """Store a new clip at `path` and describe it; if another run stored it first, use that one."""
    from pilates_audio.speech import levels  # numpy: loaded where a clip is stored, not where lengths are planned

    clip = Clip(pcm, levels.profile(pcm).astype("<f4").tobytes())
    entry = encode_clip(clip)
    stored = keep_first(path, entry, lambda data: decode_clip(data) is not None)
    if stored is entry:
        return ClipInfo(clip.length, clip.steps, clip_digest(clip))
    return info(decode_clip(stored))
