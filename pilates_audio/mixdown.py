"""A session with a bed under it: mixed a stretch at a time and encoded in cells on MP3 frame boundaries.

With a bed, no frame is silent, so the session cannot be built from cached pieces of
speech. It is cut into cells of CELL_FRAMES on the frame grid, each kept in the cache
under the name of everything it is made of: the sounds in it and their gains, the
music and where in it the cell falls, the envelope. A re-render reads back every cell
it has in common with an earlier one (the music between two lines, at its level, is
the same cell after most re-pacings) and encodes the rest, in runs of consecutive
cells, on every core at once. Each run is encoded with two frames of the real signal
before and after it, and with LAME's bit reservoir off, so its frames need nothing
from the frames around them; the frames before and after are dropped. Joined, the
runs and cells decode as one encoding would, and the file is exactly the session's
length.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from pilates_audio import audio, beds, mp3, tools
from pilates_audio.errors import PilatesAudioError
from pilates_audio.tools import FFmpegError

if TYPE_CHECKING:
    import numpy as np

    from pilates_audio.script import Script

CELL_FORMAT = 2  # bump when the way a cell is mixed or encoded changes
CELL_FRAMES = 32  # frames in a cell: 0.84 s, short enough to fall between two lines
RUN_FRAMES = 4096  # frames in a run at most (107 s): longer runs are cut, to share them among the cores
EDGE_FRAMES = 2  # frames of real signal encoded before and after a run, then dropped
STREAM = 44100 * 10  # samples mixed at a time: memory stays small whatever the run
LEVELLED_BYTES = 16 * 2**20  # levelled sounds kept for reuse: about three minutes of distinct speech
# dBFS for the samples of a session with a bed: a dB under a session's without, for lines and
# tones and for the mix. Frames coded without the bit reservoir carry more coding noise, and
# a session lifted to its loudness target over a bed is held at its ceiling more often, so
# that noise would reach past -1 dBTP more often.
MIX_CEILING = audio.PEAK_CEILING - 1.0
# dBFS for lines and tones over a bed: a dB of room under the mix's ceiling for the ducked bed
# beneath their peaks, so the mix's own limiter has little to do.
SOUNDS_CEILING = MIX_CEILING - 1.0


class Mixdown:
    """A placed script's sounds over its bed: any stretch of the session's samples, on demand."""

    def __init__(self, script: "Script", sounds: audio.Sounds, gains: dict[audio.Key, float], bed: beds.Bed,
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
        self._levelled: OrderedDict[audio.Key, np.ndarray] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def levelled(self, cue) -> "np.ndarray":
        """Return a cue's sound levelled, keeping the last LEVELLED_BYTES of them for the cues that follow."""
        import numpy as np

        key = (cue.kind, cue.text)
        with self._lock:
            found = self._levelled.get(key)
            if found is not None:
                self._levelled.move_to_end(key)
                return found
        found = np.frombuffer(self.sounds.levelled(key, self.gains[key]), dtype="<i2")
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

    def cell_path(self, start: int, count: int, bitrate: int) -> Path | None:
        """Return where the frames of a stretch are cached, named by everything they are made of (None: no cache)."""
        if self.sounds is None or self.sounds.cache is None:
            return None
        end = start + count
        sounds = [[cue.start - start, self.sounds.identity((cue.kind, cue.text)), self.gains[(cue.kind, cue.text)]]
                  for cue in self.overlapping(max(start, 0), min(end, self.total))]
        inside = [[at - start, value] for at, value in self.plan.envelope if start < at < end]
        edges = [float(beds.gains(self.plan.envelope, at, 1)[0]) for at in (start, end - 1)]
        data = json.dumps([audio.LEVEL_FORMAT, CELL_FORMAT, bitrate, mp3.QUALITY, MIX_CEILING, self.sounds.ceiling,
                           start, count, self.total if end > self.total else None, self.bed.identity,
                           round(self.plan.gain, 6), sounds, inside, edges])
        name = hashlib.sha256(data.encode("utf-8")).hexdigest()
        return self.sounds.cache / "pieces" / self.sounds.voices.folder / name[:2] / f"{name}.chunk"

    def samples(self, start: int, count: int) -> "np.ndarray":
        """Return session samples [start, start + count) as float32, silence outside the session."""
        import numpy as np

        out = np.zeros(count, dtype=np.float32)
        begin, end = max(start, 0), min(start + count, self.total)
        if end <= begin:
            return out
        inside = slice(begin - start, end - start)
        out[inside] = self.bed.samples(begin, end - begin) * (beds.gains(self.plan.envelope, begin, end - begin)
                                                              * self.bed_gain)
        for cue in self.overlapping(begin, end):
            data = self.levelled(cue)
            a, b = max(cue.start, begin), min(cue.end, end)
            out[a - start: b - start] += data[a - cue.start: b - cue.start].astype(np.float32) / np.float32(32768)
        return out

    def pcm(self, start: int, count: int) -> bytes:
        """Return session samples as 16-bit PCM, peaks held under the ceiling; a sound alone keeps its samples."""
        return b"".join(self._block(at, min(STREAM, start + count - at)) for at in range(start, start + count, STREAM))

    def _block(self, start: int, count: int) -> bytes:
        import numpy as np

        from pilates_audio import levels

        # A sound's peak and the ducked bed under it can add up past the ceiling: the limiter
        # holds them, and sees far enough either side that any stretch comes out as the whole would.
        margin = 2 * levels.LIMIT_REACH
        mixed = levels.limit(self.samples(start - margin, count + 2 * margin), 10 ** (MIX_CEILING / 20))
        scaled = np.rint(mixed[margin: margin + count] * np.float32(32768))
        return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def _span(first: int, count: int) -> tuple[int, int]:
    """Return the samples an encoding of frames first..first+count-1 is fed: with EDGE_FRAMES either side."""
    # A sample fed to the encoder is heard PIECE_DELAY samples later in its output.
    return (first - EDGE_FRAMES) * mp3.FRAME + mp3.PIECE_DELAY, (count + 2 * EDGE_FRAMES) * mp3.FRAME


def encode_run(mixdown: Mixdown, first: int, count: int, bitrate: int) -> bytes:
    """Return frames first..first+count-1 of the session, encoded on their own."""
    start, size = _span(first, count)
    if mp3.standalone_available():
        encoder = mp3.StandaloneEncoder(bitrate)
        try:
            output = b"".join(encoder.encode(mixdown.pcm(at, min(STREAM, start + size - at)))
                              for at in range(start, start + size, STREAM)) + encoder.flush()
        finally:
            encoder.close()
    else:
        output, code, stderr = _encode(mixdown, start, size, bitrate)
        if code != 0:
            raise tools.failed("encoding the MP3", code, stderr)
    frames = mp3.split(output, bitrate)
    if len(frames) < EDGE_FRAMES + count:
        raise mp3.FrameError(f"the encoder gave {len(frames)} frames; {EDGE_FRAMES + count} were expected")
    return b"".join(frames[EDGE_FRAMES: EDGE_FRAMES + count])


def _encode(mixdown: Mixdown, start: int, size: int, bitrate: int) -> tuple[bytes, int, bytes]:
    """Encode session samples [start, start + size) with ffmpeg, the reservoir off; return frames, status, errors.

    The samples are mixed a stretch at a time as the encoder takes them, so a run is
    never held whole in memory.
    """
    try:
        process = subprocess.Popen(tools.lame(bitrate, mp3.QUALITY, "pipe:1", reservoir=False, xing=False),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise FFmpegError(f"ffmpeg could not be started ({exc.strerror or exc}); {tools.FIX}") from None
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            for at in range(start, start + size, STREAM):
                process.stdin.write(mixdown.pcm(at, min(STREAM, start + size - at)))
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
    """Write the session's MP3: the cells found in the cache as they are, the rest encoded on every core."""
    total_frames = mixdown.total // mp3.FRAME
    grid = cells(total_frames)
    paths = [mixdown.cell_path(*_span(first, count), bitrate) for first, count in grid]
    # Cells are read as they are written, so memory stays flat; one that cannot be read then
    # (pruned or damaged meanwhile) is encoded on the spot.
    kept = {index for index, path in enumerate(paths) if path is not None and path.exists()}
    workers = os.cpu_count() or 1
    todo = runs([index for index in range(len(grid)) if index not in kept], workers)

    def encode(run: list[int]) -> list[bytes]:
        first, count = grid[run[0]][0], sum(grid[index][1] for index in run)
        frames = mp3.split(encode_run(mixdown, first, count, bitrate), bitrate)
        parts, at = [], 0
        for index in run:
            part = b"".join(frames[at: at + grid[index][1]])
            at += grid[index][1]
            if paths[index] is not None:
                audio.store_frames(paths[index], part, grid[index][1])
            parts.append(part)
        return parts

    with open(out, "wb") as handle, ThreadPoolExecutor(max_workers=workers) as pool:
        writer = mp3.Writer(handle, bitrate)
        # A few runs ahead at most, so memory stays flat however long the session.
        queue: Iterator[list[int]] = iter(todo)
        pending = [(run, pool.submit(encode, run)) for run in _take(queue, 2 * workers)]
        for index, (_, count) in enumerate(grid):
            if index in kept:
                frames = audio.load_frames(paths[index], count)
                writer.write(frames if frames is not None else encode([index])[0], count)
            else:
                run, future = pending[0]
                writer.write(future.result()[run.index(index)], count)
                if index == run[-1]:
                    pending.pop(0)
                    pending += [(more, pool.submit(encode, more)) for more in _take(queue, 1)]
            if progress:
                progress(writer.frames * mp3.FRAME, mixdown.total)
        writer.finish()


def _take(queue: Iterator[list[int]], count: int) -> list[list[int]]:
    return [run for _, run in zip(range(count), queue)]


def encode_whole(mixdown: Mixdown, out: Path, bitrate: int,
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Encode the session in one pass, every sample where the script says (the sample-exact way)."""
    stretches = ((mixdown.pcm(start, min(STREAM, mixdown.total - start)), min(start + STREAM, mixdown.total))
                 for start in range(0, mixdown.total, STREAM))
    audio.encode_stream(stretches, mixdown.total, out, bitrate, progress)
