"""A session's MP3 cut into tracks on its own frames, so they play back to back without a gap or a click.

A session built on the frame grid (from pieces, or in cells under a bed) is frames
that each hold all of their own data, or silence. A track is a run of those frames
as they are: no sound is encoded again. Each track begins with one frame more, the
session's frame before its first (a silent one for the first track), which gives a
decoder the state it would have had there, and an Info frame whose LAME extension
says to trim that frame: gapless players then play the tracks' samples exactly as
the session's. Players that do not trim play that frame, the 26 ms before the
track, again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Sequence

from pilates_audio.sound import mp3

# What a track's Info frame asks gapless players to trim, in LAME's terms (delay, padding): the
# frame before its first (the lead-in) at the start, which with the decoder's delay is one frame;
# nothing at the end, where LAME's padding counts the decoder's delay too.
TRIM = (mp3.FRAME - mp3.DECODER_DELAY, mp3.DECODER_DELAY)


@dataclass(frozen=True)
class Cut:
    """One track: the chapter it begins with, and the session's frames it holds."""

    chapter: int  # index in the script's chapters
    first: int  # the session's frame it begins with
    count: int  # frames


def standalone(path: Path, kbps: int) -> bytearray:
    """Return, for each frame of a session's MP3, 1 where a track may begin: it and the frame before hold their data."""
    found = bytearray()
    before = 0
    with open(path, "rb") as handle:
        for frame in mp3.read_frames(handle, kbps):
            data = mp3.main_data_begin(frame)
            found.append(1 if not found or (data == 0 and before == 0) else 0)
            before = data
    return found


def plan(clean: Sequence[int], starts: Sequence[int]) -> list[Cut]:
    """Cut frames into one track per chapter, each starting on a frame where a track may begin.

    `starts` are the chapters' first samples. A track begins on the frame holding its
    chapter's start if it may; else on the nearest such frame before (back to the
    track before), so no chapter's first word is cut; else on the nearest after, before
    the next chapter's frame. A chapter with no such frame at all stays in the track
    before it. The first track always begins on the first frame.
    """
    total = len(clean)
    firsts: list[tuple[int, int]] = []
    for index, start in enumerate(starts):
        frame = min(start // mp3.FRAME, total - 1)
        if not firsts:
            firsts.append((index, 0))
            continue
        floor = firsts[-1][1] + 1
        ceiling = min(starts[index + 1] // mp3.FRAME, total) if index + 1 < len(starts) else total
        found = next((f for f in range(frame, floor - 1, -1) if clean[f]), None)
        if found is None:
            found = next((f for f in range(max(frame + 1, floor), ceiling) if clean[f]), None)
        if found is not None:
            firsts.append((index, found))
    ends = [first for _, first in firsts[1:]] + [total]
    return [Cut(chapter, first, end - first) for (chapter, first), end in zip(firsts, ends)]


def write(session: Path, cuts: Sequence[Cut], outs: Sequence[Path], kbps: int) -> None:
    """Write each cut's frames from the session's MP3 to its file, with its lead-in and Info frame."""
    if not cuts:
        return
    targets = iter(zip(cuts, outs))
    cut, out = next(targets)
    handle, writer = _open(out, kbps)
    before = mp3.silent_frame(kbps)  # what a fresh decoder's state is: as after silence
    writer.write(before, 1)
    try:
        with open(session, "rb") as source:
            for number, frame in enumerate(mp3.read_frames(source, kbps)):
                if number == cut.first + cut.count:
                    writer.finish()
                    handle.close()
                    cut, out = next(targets)
                    handle, writer = _open(out, kbps)
                    writer.write(before, 1)  # the lead-in
                writer.write(frame, 1)
                before = frame
        if cut != cuts[-1] or writer.frames != 1 + cut.count:
            raise mp3.FrameError(f"{session} ended after {cut.first + writer.frames - 1} frames, before the end of "
                                 f"its last track (frame {cuts[-1].first + cuts[-1].count})")
        writer.finish()
    finally:
        handle.close()


def _open(out: Path, kbps: int) -> tuple[BinaryIO, mp3.Writer]:
    handle = open(out, "wb")
    return handle, mp3.Writer(handle, kbps, TRIM)
