"""A session with a bed under it: mixed a stretch at a time and encoded in chunks on MP3 frame boundaries.

With a bed, no frame is silent, so the session cannot be built from cached pieces.
It is cut into chunks on the frame grid and the chunks are encoded at once on
every core. Each chunk is encoded with two frames of the real signal before and
after it, and with LAME's bit reservoir off, so its frames need nothing from the
frames around them; the frames before and after are dropped. Joined, the chunks
decode as one encoding would, and the file is exactly the session's length.
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

CHUNK_FORMAT = 1  # bump when the way a chunk is mixed or encoded changes
CHUNK_FRAMES = 4096  # frames in one chunk: 107 s, so starting an encoder costs little beside encoding
MIN_CHUNK_FRAMES = 256  # 7 s: shorter, the frames encoded either side and thrown away would count
EDGE_FRAMES = 2  # frames of real signal encoded before and after a chunk, then dropped
STREAM = 44100 * 10  # samples mixed at a time: memory stays small whatever the chunk
LEVELLED_BYTES = 16 * 2**20  # levelled sounds kept for reuse: about three minutes of distinct speech
# dBFS for the samples of a session with a bed: a dB under a session's without, for lines and
# tones and for the mix. Frames coded without the bit reservoir carry more coding noise, and
# a session lifted to its loudness target over a bed is held at its ceiling more often, so
# that noise would reach past -1 dBTP more often.
MIX_CEILING = audio.PEAK_CEILING - 1.0


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

    def chunk_path(self, start: int, count: int, bitrate: int) -> Path | None:
        """Return where the frames of a stretch are cached, named by everything they are made of (None: no cache)."""
        if self.sounds is None or self.sounds.cache is None:
            return None
        end = start + count
        sounds = [[cue.start - start, self.sounds.identity((cue.kind, cue.text)), self.gains[(cue.kind, cue.text)]]
                  for cue in self.overlapping(max(start, 0), min(end, self.total))]
        inside = [[at - start, value] for at, value in self.plan.envelope if start < at < end]
        edges = [float(beds.gains(self.plan.envelope, at, 1)[0]) for at in (start, end - 1)]
        data = json.dumps([audio.LEVEL_FORMAT, CHUNK_FORMAT, bitrate, mp3.QUALITY, MIX_CEILING, self.sounds.ceiling,
                           start, count, self.total, self.bed.identity, round(self.plan.gain, 6), sounds, inside,
                           edges])
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


def encode_chunk(mixdown: Mixdown, first: int, count: int, bitrate: int) -> bytes:
    """Return frames first..first+count-1 of the session, from the cache or encoded on their own."""
    # A sample fed to the encoder is heard PIECE_DELAY samples later in its output.
    start = (first - EDGE_FRAMES) * mp3.FRAME + mp3.PIECE_DELAY
    size = (count + 2 * EDGE_FRAMES) * mp3.FRAME
    path = mixdown.chunk_path(start, size, bitrate)
    if path is not None:
        cached = audio.load_frames(path, count)
        if cached is not None:
            return cached
    output, code, stderr = _encode(mixdown, start, size, bitrate)
    if code != 0:
        raise tools.failed("encoding the MP3", code, stderr)
    frames = mp3.split(output, bitrate)
    if len(frames) < EDGE_FRAMES + count:
        raise mp3.FrameError(f"the encoder gave {len(frames)} frames; {EDGE_FRAMES + count} were expected")
    kept = b"".join(frames[EDGE_FRAMES: EDGE_FRAMES + count])
    if path is not None:
        audio.store_frames(path, kept, count)
    return kept


def _encode(mixdown: Mixdown, start: int, size: int, bitrate: int) -> tuple[bytes, int, bytes]:
    """Encode session samples [start, start + size) with the reservoir off; return the frames, exit status and errors.

    The samples are mixed a stretch at a time as the encoder takes them, so a chunk is
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
        except BaseException as exc:  # noqa: BLE001 -- raised again in the chunk's own thread
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


def chunks(total_frames: int, workers: int) -> list[tuple[int, int]]:
    """Cut a session's frames into chunks on a fixed grid: enough to keep every core busy, at most CHUNK_FRAMES.

    The grid is a power of two that depends only on the length's order, so a session
    re-rendered a little longer or shorter is cut in the same places, and the chunks
    it has in common with the last render are found in the cache.
    """
    size = CHUNK_FRAMES
    while size > MIN_CHUNK_FRAMES and size * max(1, workers) > total_frames:
        size //= 2
    return [(first, min(size, total_frames - first)) for first in range(0, total_frames, size)]


def assemble(mixdown: Mixdown, out: Path, bitrate: int,
             progress: Callable[[int, int], None] | None = None) -> None:
    """Write the session's MP3: its chunks encoded on every core, written in order as they finish."""
    total_frames = mixdown.total // mp3.FRAME
    workers = os.cpu_count() or 1
    parts = chunks(total_frames, workers)
    with open(out, "wb") as handle, ThreadPoolExecutor(max_workers=workers) as pool:
        writer = mp3.Writer(handle, bitrate)
        # A few chunks ahead at most, so memory stays flat however long the session.
        pending: list = []
        queue: Iterator[tuple[int, int]] = iter(parts)
        for first, count in queue:
            pending.append((count, pool.submit(encode_chunk, mixdown, first, count, bitrate)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            count, future = pending.pop(0)
            writer.write(future.result(), count)
            if progress:
                progress(writer.frames * mp3.FRAME, mixdown.total)
            following = next(queue, None)
            if following is not None:
                pending.append((following[1], pool.submit(encode_chunk, mixdown, following[0], following[1], bitrate)))
        writer.finish()


def encode_whole(mixdown: Mixdown, out: Path, bitrate: int,
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Encode the session in one pass, every sample where the script says (the sample-exact way)."""
    stretches = ((mixdown.pcm(start, min(STREAM, mixdown.total - start)), min(start + STREAM, mixdown.total))
                 for start in range(0, mixdown.total, STREAM))
    audio.encode_stream(stretches, mixdown.total, out, bitrate, progress)
