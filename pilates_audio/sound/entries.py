"""Cache entries checked before they are believed: runs of encoded frames or levelled samples, and level notes."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from pilates_audio import cache

PIECE_MAGIC = b"PAP1"
_PIECE_HEADER = struct.Struct("<4sII32s")  # magic, frames, bytes, sha256 of the frames


def decode_piece(data: bytes) -> tuple[int, bytes] | None:
    """Return a piece cache entry's frame count and frames, or None if the entry is damaged."""
    if len(data) < _PIECE_HEADER.size:
        return None
    magic, count, size, digest = _PIECE_HEADER.unpack_from(data)
    frames = data[_PIECE_HEADER.size:]
    if magic != PIECE_MAGIC or size != len(frames) or hashlib.sha256(frames).digest() != digest:
        return None
    return count, frames


def load_frames(path: Path, count: int) -> bytes | None:
    """Return a cache entry's `count` frames, or None if it is missing, damaged or of another length."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    entry = decode_piece(data)
    if entry is None or entry[0] != count:
        return None
    cache.used(path)
    return entry[1]


def store_frames(path: Path, frames: bytes, count: int) -> None:
    """Keep `count` encoded frames in the cache at `path`, with their checksum (a read-only cache keeps nothing)."""
    header = _PIECE_HEADER.pack(PIECE_MAGIC, count, len(frames), hashlib.sha256(frames).digest())
    cache.store(path, header + frames)


def encode_note(value: float) -> bytes:
    """Write a level note: the value and a checksum of it, so a damaged note is never believed."""
    text = repr(value)
    return f"{text} {hashlib.sha256(text.encode('ascii')).hexdigest()[:16]}\n".encode("ascii")


def decode_note(data: bytes) -> float | None:
    """Return the value in a level note, or None if the note is damaged or was cut short."""
    parts = data.split(b" ")
    if len(parts) != 2 or not data.endswith(b"\n"):
        return None
    try:
        text = parts[0].decode("ascii")
        value = float(text)
    except (UnicodeDecodeError, ValueError):
        return None
    if hashlib.sha256(parts[0]).hexdigest()[:16].encode("ascii") != parts[1].strip():
        return None
    return value if value > 0 else None
