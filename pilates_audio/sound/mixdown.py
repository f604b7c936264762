"""A session with a bed under it: mixed a stretch at a time and encoded in cells on MP3 frame boundaries.

With a bed, no frame is silent, so the session cannot be built from cached pieces of
speech. It is cut into cells of CELL_FRAMES on the frame grid, each named after
everything it is made of: the sounds in it and their gains, the music and where in it
the cell falls, the envelope. The cache keeps them in blocks of BLOCK_CELLS cells,
named after their cells, and keeps on its own every cell where the bed plays alone at
one level: that music, between two lines, is the same cell after most re-pacings,
while a cell with a line in it comes back only where nothing before it changed, and
then so does its whole block. A re-render reads back every block and lone cell it has
in common with an earlier one and encodes the rest, in runs of consecutive cells, on
every core at once. Each run is encoded with two frames of the real signal before and
after it, and with LAME's bit reservoir off, so its frames need nothing from the frames
around them; the frames before and after are dropped. Joined, the runs and cells decode
as one encoding would, and the file is exactly the session's length.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import subprocess
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from pilates_audio import tools
from pilates_audio.errors import PilatesAudioError
from pilates_audio.sound import beds, mp3
from pilates_audio.sound.entries import load_frames, store_frames
from pilates_audio.sound.one_pass import encode_stream
from pilates_audio.sound.sounds import LEVEL_FORMAT, PEAK_CEILING, Key, Sounds
from pilates_audio.timing import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np

    from pilates_audio.timing import Script

CELL_FORMAT = 3  # bump when the way a cell is mixed or encoded changes
CELL_FRAMES = 16  # frames in a cell: 0.42 s, short enough to fall between two lines
BLOCK_CELLS = 16  # cells kept together in the cache (6.7 s), bar the bed alone: fewer files to write and read
RUN_FRAMES = 4096  # frames in a run at most (107 s): longer runs are cut, to share them among the cores
EDGE_FRAMES = 2  # frames of real signal encoded before and after a run, then dropped
STREAM = SAMPLE_RATE * 10  # samples mixed at a time: memory stays small whatever the run
LEVELLED_BYTES = 16 * 2**20  # levelled sounds kept for reuse: about three minutes of distinct speech
# dBFS for the mix's samples: a session's without a bed. Lines and tones are levelled as they
# are without one, so their peaks are held there already; only where the ducked bed adds to a
# peak does the mix's limiter act, by a fraction of a dB. Frames coded without the bit
# reservoir then reach the same true peaks as a session without a bed.
MIX_CEILING = PEAK_CEILING


@dataclass(frozen=True)
class Cell:
    """A cell's name in the cache, and whether the bed plays alone in it at one level."""

    name: str
    alone: bool


class Mixdown:
    """A placed script's sounds over its bed: any stretch of the session's samples, on demand."""

    def __init__(self, script: "Script", sounds: Sounds, gains: dict[Key, float], bed: beds.Bed,
                 plan: beds.Plan):
        import numpy as np

        self.total = script.duration
        self.cues = [cue for cue in script.cues if cue.kind != "pause"]
        self.starts = np.array([cue.start for cue in self.cues], dtype=np.int64)
        self.ends = np.array([cue.end for cue in self.cues], dtype=np.int64)
        self.bed = bed
        self.plan = plan
        self.bed_gain = np.float32(10 ** (plan.gain / 20))
        self.sounds = sounds
        self.gains = gains
        # The sounds levelled lately, most recent last: counts and breath words come back all the
        # session long, while a session's own lines can add up to hundreds of megabytes.
        self._levelled: OrderedDict[Key, np.ndarray] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self._cells = None if sounds is None or sounds.cache is None else sounds.cache / "pieces" / sounds.voices.folder

    def levelled(self, cue) -> "np.ndarray":
        """Return a cue's sound levelled, keeping the last LEVELLED_BYTES of them for the cues that follow."""
        import numpy as np

        key = (cue.kind, cue.text)
        with self._lock:
            found = self._levelled.get(key)
            if found is not None:
                self._levelled.move_to_end(key)
                return found
        found = np.frombuffer(self.sounds.levelled(key, self.gains[key], keep=True), dtype="<i2")
        if len(found) != cue.length:
            raise PilatesAudioError(f'internal error: clip for "{cue.text}" does not match its cue')
        with self._lock:
            if key not in self._levelled:
                self._levelled[key] = found
                self._held += found.nbytes
            while self._held > LEVELLED_BYTES and len(self._levelled) > 1:
                self._held -= self._levelled.popitem(last=False)[1].nbytes
        return found

    def overlapping(self, begin: int, end: int) -> list:
        """Return the sound cues that sound in [begin, end)."""
        import numpy as np

        first = int(np.searchsorted(self.ends, begin, side="right"))
        last = int(np.searchsorted(self.starts, end, side="left"))
        return self.cues[first:last]

    def cell(self, start: int, count: int, bitrate: int) -> "Cell":
        """Name the frames of a stretch by everything they are made of, and tell whether the bed plays alone, unchanging."""
        if self._cells is None:
            return Cell("", False)  # nothing is kept, so nothing needs a name
        end = start + count
        sounds = [[cue.start - start, self.sounds.identity((cue.kind, cue.text)), self.gains[(cue.kind, cue.text)]]
                  for cue in self.overlapping(max(start, 0), min(end, self.total))]
        envelope = self.plan.envelope
        inside = [[at - start, value] for at, value in envelope[bisect.bisect_right(envelope, (start, float("inf"))):
                                                                bisect.bisect_left(envelope, (end, float("-inf")))]]
        edges = [beds.gain_at(envelope, at) for at in (start, end - 1)]
        data = json.dumps([LEVEL_FORMAT, CELL_FORMAT, bitrate, mp3.QUALITY, MIX_CEILING, self.sounds.ceiling,
                           start, count, self.total if end > self.total else None, self.bed.identity,
                           round(self.plan.gain, 6), sounds, inside, edges])
        return Cell(hashlib.sha256(data.encode("utf-8")).hexdigest(), not sounds and not inside and edges[0] == edges[1])

    def path(self, name: str, kind: str = "cell") -> Path | None:
        """Return where the cache keeps the frames of a cell or block of this name (None: no cache)."""
        # One parse, not four joins: a session has thousands.
        return None if self._cells is None else Path(f"{self._cells}/{name[:2]}/{name}.{kind}")

    def samples(self, start: int, count: int) -> "np.ndarray":
        """Return session samples [start, start + count) as float32, silence outside the session."""
        import numpy as np

        out = np.zeros(count, dtype=np.float32)
        begin, end = max(start, 0), min(start + count, self.total)
        if end <= begin:
            return out
        # In place where it can be: every sample of the session passes through here.
        bed = self.bed.samples(begin, end - begin)
        gains = beds.gains(self.plan.envelope, begin, end - begin)
        gains *= self.bed_gain
        bed *= gains
        out[begin - start: end - start] = bed
        scale = np.float32(1 / 32768)  # a power of two: the same as dividing, to the bit
        for cue in self.overlapping(begin, end):
            data = self.levelled(cue)
            a, b = max(cue.start, begin), min(cue.end, end)
            out[a - start: b - start] += data[a - cue.start: b - cue.start] * scale
        return out

    def pcm(self, start: int, count: int) -> bytes:
        """Return session samples as 16-bit PCM, peaks held under the ceiling; a sound alone keeps its samples."""
        return b"".join(self.stretches(start, count))

    def stretches(self, start: int, count: int) -> Iterator[bytes]:
        """Yield session samples [start, start + count) as pcm() gives them, STREAM at a time, so memory stays small."""
        return (self._block(at, min(STREAM, start + count - at)) for at in range(start, start + count, STREAM))

    def _block(self, start: int, count: int) -> bytes:
        from pilates_audio.speech import levels

        # A sound's peak and the ducked bed under it can add up past the ceiling: the limiter
        # holds them, and sees far enough either side that any stretch comes out as the whole would.
        margin = 2 * levels.LIMIT_REACH
        mixed = levels.limit(self.samples(start - margin, count + 2 * margin), 10 ** (MIX_CEILING / 20))
        return levels.to_pcm(mixed[margin: margin + count], in_place=True)


def _span(first: int, count: int) -> tuple[int, int]:
    """Return the samples an encoding of frames first..first+count-1 is fed: with EDGE_FRAMES either side."""
    # A sample fed to the encoder is heard PIECE_DELAY samples later in its output.
    return (first - EDGE_FRAMES) * mp3.FRAME + mp3.PIECE_DELAY, (count + 2 * EDGE_FRAMES) * mp3.FRAME


def encode_run(mixdown: Mixdown, first: int, count: int, bitrate: int) -> list[bytes]:
    """Return frames first..first+count-1 of the session, encoded on their own."""
    start, size = _span(first, count)
    if mp3.standalone_available():
        encoder = mp3.StandaloneEncoder(bitrate)
        try:
            output = b"".join(map(encoder.encode, mixdown.stretches(start, size))) + encoder.flush()
        finally:
            encoder.close()
    else:
        output, code, stderr = _encode(mixdown, start, size, bitrate)
        if code != 0:
            raise tools.failed("encoding the MP3", code, stderr)
    frames = mp3.split(output, bitrate)
    if len(frames) < EDGE_FRAMES + count:
        raise mp3.FrameError(f"the encoder gave {len(frames)} frames; {EDGE_FRAMES + count} were expected")
    return frames[EDGE_FRAMES: EDGE_FRAMES + count]


def _encode(mixdown: Mixdown, start: int, size: int, bitrate: int) -> tuple[bytes, int, bytes]:
    """Encode session samples [start, start + size) with ffmpeg, the reservoir off; return frames, status, errors.

    The samples are mixed a stretch at a time as the encoder takes them, so a run is
    never held whole in memory.
    """
    process = tools.start(mp3.lame(bitrate, mp3.QUALITY, "pipe:1", reservoir=False, xing=False),
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            for stretch in mixdown.stretches(start, size):
                process.stdin.write(stretch)
            process.stdin.close()
        except BrokenPipeError:
            pass  # the encoder stopped: its exit status says why
        except BaseException as exc:  # noqa: BLE001 -- raised again in the run's own thread
            failed.append(exc)
            process.kill()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        output = process.stdout.read()
        stderr = process.stderr.read()  # a few lines at most: ffmpeg says only errors
    finally:
        feeder.join()
        code = process.wait()
    if failed:
        raise failed[0]
    return output, code, stderr


def cells(total_frames: int) -> list[tuple[int, int]]:
    """Cut a session's frames into cells on a fixed grid, so a re-render finds the cells it shares with the last."""
    return [(first, min(CELL_FRAMES, total_frames - first)) for first in range(0, total_frames, CELL_FRAMES)]


def runs(missing: list[int], workers: int) -> list[list[int]]:
    """Group the cells to encode into runs of consecutive cells, none so long that a core waits for another."""
    longest = max(1, min(RUN_FRAMES // CELL_FRAMES, -(-len(missing) // max(1, workers))))
    found: list[list[int]] = []
    for index in missing:
        if found and found[-1][-1] == index - 1 and len(found[-1]) < longest:
            found[-1].append(index)
        else:
            found.append([index])
    return found


def assemble(mixdown: Mixdown, out: Path, bitrate: int,
             progress: Callable[[int, int], None] | None = None) -> None:
    """Write the session's MP3: the blocks and cells found in the cache as they are, the rest encoded on every core."""
    grid = cells(mixdown.total // mp3.FRAME)
    named = [mixdown.cell(*_span(first, count), bitrate) for first, count in grid]
    blocks = [range(at, min(at + BLOCK_CELLS, len(grid))) for at in range(0, len(grid), BLOCK_CELLS)]
    block_paths = [mixdown.path(_block_name(named[index].name for index in block), "block") for block in blocks]
    # What is there now is read as it is written, so memory stays flat; what cannot be read
    # then (pruned or damaged meanwhile) is encoded on the spot.
    whole = {number for number, path in enumerate(block_paths) if path is not None and path.exists()}
    kept = {index for number, block in enumerate(blocks) if number not in whole for index in block
            if named[index].alone and (path := mixdown.path(named[index].name)) is not None and path.exists()}
    workers = os.cpu_count() or 1
    todo = runs([index for number, block in enumerate(blocks) if number not in whole
                 for index in block if index not in kept], workers)

    def encode(run: list[int]) -> list[bytes]:
        return _encode_cells(mixdown, grid, named, run, bitrate)

    with open(out, "wb") as handle, ThreadPoolExecutor(max_workers=workers) as pool:
        writer = mp3.Writer(handle, bitrate)
        # A few runs ahead at most, so memory stays flat however long the session.
        queue: Iterator[list[int]] = iter(todo)
        pending = [(run, pool.submit(encode, run)) for run in _take(queue, 2 * workers)]

        def made(index: int) -> bytes:
            run, future = pending[0]
            part = future.result()[run.index(index)]
            if index == run[-1]:
                pending.pop(0)
                pending.extend((more, pool.submit(encode, more)) for more in _take(queue, 1))
            return part

        for number, block in enumerate(blocks):
            count = sum(grid[index][1] for index in block)
            frames = load_frames(block_paths[number], count) if number in whole else None
            if frames is None:
                parts = []
                for index in block:
                    if index in kept:
                        part = load_frames(mixdown.path(named[index].name), grid[index][1])
                    else:
                        part = made(index) if number not in whole else None
                    parts.append(part if part is not None else encode([index])[0])
                frames = b"".join(parts)
                if block_paths[number] is not None:
                    store_frames(block_paths[number], frames, count)
            writer.write(frames, count)
            if progress:
                progress(writer.frames * mp3.FRAME, mixdown.total)
        writer.finish()


def _encode_cells(mixdown: Mixdown, grid: list[tuple[int, int]], named: list[Cell], run: list[int],
                  bitrate: int) -> list[bytes]:
    """Encode a run of cells of the grid; return each cell's frames."""
    first, count = grid[run[0]][0], sum(grid[index][1] for index in run)
    frames = encode_run(mixdown, first, count, bitrate)
    parts, at = [], 0
    for index in run:
        part = b"".join(frames[at: at + grid[index][1]])
        at += grid[index][1]
        # Only the bed alone at one level is kept cell by cell: after a re-pacing it comes
        # back wherever the music is between lines again. The rest is kept in its block.
        if named[index].alone and (path := mixdown.path(named[index].name)) is not None:
            store_frames(path, part, grid[index][1])
        parts.append(part)
    return parts


def _block_name(names: Iterator[str]) -> str:
    """Name a block of cells after the cells in it."""
    return hashlib.sha256(("block " + " ".join(names)).encode("ascii")).hexdigest()


def _take(queue: Iterator[list[int]], count: int) -> list[list[int]]:
    return [run for _, run in zip(range(count), queue)]


def encode_whole(mixdown: Mixdown, out: Path, bitrate: int,
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Encode the session in one pass, every sample where the script says (the sample-exact way)."""
    stretches = ((data, min((number + 1) * STREAM, mixdown.total))
                 for number, data in enumerate(mixdown.stretches(0, mixdown.total)))
    encode_stream(stretches, mixdown.total, out, bitrate, progress)
