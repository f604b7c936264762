"""Sessions built from encoded pieces: sounds placed on the MP3 frame grid, pieces cached, silence between."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from pilates_audio.sound import mp3
from pilates_audio.sound.entries import load_frames, store_frames
from pilates_audio.sound.sounds import LEVEL_FORMAT, Key, Sounds
from pilates_audio.timing import Cue, Script, join_slivers


@dataclass(frozen=True)
class Piece:
    """Sounds encoded together as one run of frames, and the frame of the session it starts on."""

    frame: int
    sounds: tuple[tuple[int, Key], ...]  # each sound's offset from the piece's start, in samples
    length: int  # samples from the piece's start to the end of its last sound

    @property
    def frames(self) -> int:
        return mp3.frames_for(self.length)

    @property
    def content(self) -> tuple:
        """What the piece sounds like, wherever it is: pieces alike are encoded once."""
        return self.sounds, self.length


def layout(script: Script) -> tuple[Script, tuple[Piece, ...]]:
    """Put the script's sounds on the MP3 frame grid; return the script as placed, and its pieces.

    A piece's first sound is heard PIECE_DELAY samples into its first frame, so sounds
    can start only on that grid: each moves to the nearest place on it, by at most
    half a frame (13 ms). Sounds too close together for a frame grid each (a tone
    with its count, say) are encoded as one piece, keeping their spacing exact. The
    pauses between them take up the difference, and the session ends on a whole frame.
    """
    groups: list[list] = []  # [frame, [cues]]
    for cue in script.cues:
        if cue.kind == "pause":
            continue
        frame = max(0, round((cue.start - mp3.PIECE_DELAY) / mp3.FRAME))
        if groups:
            first, cues = groups[-1]
            if frame < first + mp3.frames_for(cues[-1].end - cues[0].start):
                cues.append(cue)
                continue
        groups.append([frame, [cue]])
    shift: dict[int, int] = {}  # original cue start or end -> where it is now
    pieces = []
    for frame, cues in groups:
        moved = frame * mp3.FRAME + mp3.PIECE_DELAY - cues[0].start
        for cue in cues:
            shift[cue.start] = cue.start + moved
            shift[cue.end] = cue.end + moved
        pieces.append(Piece(frame, tuple((cue.start - cues[0].start, (cue.kind, cue.text)) for cue in cues),
                            cues[-1].end - cues[0].start))
    last = pieces[-1].frame + pieces[-1].frames if pieces else 0
    total = max(last, round(script.duration / mp3.FRAME), 1) * mp3.FRAME
    placed: list[Cue] = []
    for i, cue in enumerate(script.cues):
        if cue.kind != "pause":
            begin, end = shift[cue.start], shift[cue.end]
            # A sound moved earlier takes its time from the pause before it.
            while placed and placed[-1].end > begin:
                last = placed.pop()
                if last.start < begin:
                    placed.append(replace(last, end=begin))
        else:
            begin = placed[-1].end if placed else 0
            end = total if i == len(script.cues) - 1 else shift.get(cue.end, cue.end)
        if end > begin:  # else a sliver of pause that a sound moved later has used up
            placed.append(replace(cue, start=begin, end=end))
    if placed[-1].end < total:  # no closing pause: give the session one, up to its last frame
        last = placed[-1]
        placed.append(Cue(last.end, total, "pause", last.part, last.exercise, last.side))
    placed = join_slivers(placed)
    chapters = tuple(replace(c, start=shift.get(c.start, c.start)) for c in script.chapters)
    return replace(script, cues=tuple(placed), chapters=chapters), tuple(pieces)


class PieceStore:
    """Encoded pieces in the cache, named by what they hold: sounds, offsets, gains and bitrate."""

    def __init__(self, sounds: Sounds, gains: dict[Key, float], kbps: int):
        self.sounds = sounds
        self.gains = gains
        self.kbps = kbps

    def path(self, piece: Piece) -> Path:
        layout_ = [[offset, self.sounds.identity(key), self.gains[key]] for offset, key in piece.sounds]
        data = json.dumps([LEVEL_FORMAT, self.kbps, mp3.QUALITY, self.sounds.ceiling, layout_])
        name = hashlib.sha256(data.encode("utf-8")).hexdigest()
        return self.sounds.cache / "pieces" / self.sounds.voices.folder / name[:2] / f"{name}.frames"

    def load(self, piece: Piece) -> bytes | None:
        """Return the piece's frames from the cache, or None if they are missing or damaged."""
        return load_frames(self.path(piece), piece.frames)

    def encode(self, piece: Piece) -> bytes:
        """Level, join and encode a piece's sounds, and keep the frames in the cache."""
        samples = bytearray(piece.length * 2)
        for offset, key in piece.sounds:
            data = self.sounds.levelled(key, self.gains[key])
            samples[offset * 2: offset * 2 + len(data)] = data
        frames = b"".join(mp3.encode(bytes(samples), self.kbps))
        store_frames(self.path(piece), frames, piece.frames)
        return frames


def assemble(script: Script, pieces: tuple[Piece, ...], sounds: Sounds, gains: dict[Key, float], out: Path,
             bitrate: int = mp3.DEFAULT_BITRATE, progress: Callable[[int, int], None] | None = None) -> None:
    """Write a placed script's MP3 from its pieces: cached ones as they are, the rest encoded now.

    Missing pieces are encoded on every core; then the file is written piece by
    piece, with silence streamed between, so memory does not grow with length.
    """
    store = PieceStore(sounds, gains, bitrate)
    distinct = {piece.content: piece for piece in pieces}.values()
    # Each distinct piece is read (or encoded) once, however often it sounds: a few
    # megabytes an hour of distinct audio, not of session.
    frames_of = {piece.content: store.load(piece) for piece in distinct}
    missing = [piece for piece in distinct if frames_of[piece.content] is None]
    if missing:
        total, done = sum(piece.length for piece in missing), 0
        # Threads suffice: the encoder lets go of the interpreter while it works.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            notes = pool.submit(sounds.write_notes)
            for piece, frames in zip(missing, pool.map(store.encode, missing)):
                frames_of[piece.content] = frames
                done += piece.length
                if progress:
                    progress(done, total)
            notes.result()
    sounds.write_notes()
    frames_in_all = script.duration // mp3.FRAME
    with open(out, "wb") as handle:
        writer = mp3.Writer(handle, bitrate)
        for piece in pieces:
            writer.silence(piece.frame - writer.frames)
            writer.write(frames_of[piece.content], piece.frames)
        writer.silence(frames_in_all - writer.frames)
        writer.finish()
