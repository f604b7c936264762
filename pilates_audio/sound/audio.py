"""Audio: levelling a session's sounds, building its MP3 from cached pieces or in one pass, decoding."""

from __future__ import annotations

import array
import hashlib
import json
import os
import struct
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from pilates_audio import cache as cache_mod, tools
from pilates_audio.errors import PilatesAudioError
from pilates_audio.sound import mp3
from pilates_audio.speech import Speech, levels
from pilates_audio.timing import SAMPLE_RATE, TONE_LENGTHS, Cue, Script, join_slivers
from pilates_audio.tools import ffmpeg

if TYPE_CHECKING:
    import numpy as np

DEFAULT_BITRATE = 64
DEFAULT_LOUDNESS = -19.0  # LUFS on a mono file: heard as the -16 LUFS podcast norm on two speakers
PEAK_CEILING = -2.0  # dBFS for samples: MP3 encoding adds up to about 1 dB, keeping true peaks under -1 dBTP
CODEC_LOSS = 0.4  # LU that MP3 encoding takes from speech, compensated before encoding
MAX_CLIP_GAIN = 30.0  # dB either way: no line is ever boosted from near silence
CHUNK = SAMPLE_RATE * 10  # samples of silence written at a time: memory stays flat


# Two soft notes a fifth apart: rising for an inhale, falling for an exhale.
TONE_NOTES = {"inhale": (440.0, 659.25), "exhale": (659.25, 440.0), "pulse": (880.0,)}
TONE_LEVEL = -20.0  # dBFS: heard clearly under speech level, never startling
TONE_FADE = 0.012  # seconds of fade at each note's edges, so notes never click


@lru_cache(maxsize=None)
def tone(name: str) -> bytes:
    """Synthesize a tone (a breath's two notes, a pulse's one) as 44.1 kHz mono 16-bit samples, as long as planned."""
    tools.pydub()  # imported quietly first
    from pydub import generators

    notes = TONE_NOTES[name]
    total = int(round(TONE_LENGTHS[name] * SAMPLE_RATE))
    lengths = [total // len(notes)] * (len(notes) - 1)
    lengths.append(total - sum(lengths))
    fade = min(int(TONE_FADE * SAMPLE_RATE), total // (2 * len(notes)))
    data = array.array("h")
    for freq, count in zip(notes, lengths):
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


Key = tuple[str, str]  # ("speech", text) or ("tone", name): one sound of a session
GAIN_STEP = 0.1  # dB: gains are rounded to this, so a re-render finds its levelled pieces again
LIKELY_CORRECTION = 1.2  # dB over each line's own level where a session's correction usually lands
LOUDNESS_TOLERANCE = 0.1  # LU either way of the target that counts as on it
LEVEL_FORMAT = 2  # bump when the way levels or pieces are computed changes
PIECE_MAGIC = b"PAP1"
_PIECE_HEADER = struct.Struct("<4sII32s")  # magic, frames, bytes, sha256 of the frames


@lru_cache(maxsize=None)
def _tone_steps(name: str):
    return levels.profile(tone(name))


def sound_keys(script: Script) -> list[Key]:
    """Return every line and tone the script sounds, each once, in a stable order."""
    return sorted({(cue.kind, cue.text) for cue in script.cues if cue.kind != "pause"})


class Sounds:
    """A session's lines and tones: samples, loudness profiles, and levels remembered in the cache."""

    def __init__(self, voices: Speech, ceiling: float = PEAK_CEILING, cache: Path | None = None):
        self.voices = voices
        self.ceiling = ceiling
        self.cache = cache  # where levels and encoded pieces are kept (None: nowhere)
        self._kept: dict[tuple[Key, float], float] = {}
        self._unwritten: list[tuple[Path, bytes]] = []

    def pcm(self, key: Key) -> bytes:
        return self.voices.pcm(key[1]) if key[0] == "speech" else tone(key[1])

    def profile(self, key: Key):
        import numpy as np

        if key[0] == "speech":
            return np.frombuffer(self.voices.info(key[1]).steps, "<f4").astype(np.float64)
        return _tone_steps(key[1])

    def length(self, key: Key) -> int:
        return self.voices.info(key[1]).length if key[0] == "speech" else len(tone(key[1])) // 2

    def identity(self, key: Key) -> str:
        """Return what names this sound's audio: the digest of its samples."""
        if key[0] == "speech":
            return self.voices.info(key[1]).digest
        return hashlib.sha256(tone(key[1])).hexdigest()

    def base_gain(self, key: Key, target: float) -> float:
        """Return the gain that brings a line to `target` on its own (tones keep their level: 0)."""
        if key[0] != "speech":
            return 0.0
        loudness = levels.clip_loudness(self.profile(key), self.length(key))
        return _step(max(-MAX_CLIP_GAIN, min(MAX_CLIP_GAIN, target - loudness)))

    def prepare(self, text: str, target: float) -> None:
        """Measure a line where levelling looks first, as soon as it is spoken (see `level`)."""
        base = self.base_gain(("speech", text), target)
        self.kept([(("speech", text), gain) for gain in _trial_gains(base, LIKELY_CORRECTION)])

    def levelled(self, key: Key, gain: float, keep: bool = False) -> bytes:
        """Return the sound's samples at `gain` dB, its peaks held under the ceiling (kept in the cache if asked)."""
        # Over music every line is mixed afresh after a re-pacing, at the gains the session
        # had before (a correction already used is preferred): reading a line back at its
        # level costs a fraction of limiting it again.
        path = self._levelled_path(key, gain) if keep else None
        if path is not None:
            found = load_frames(path, self.length(key))
            if found is not None:
                return found
        data = levels.adjust(self.pcm(key), gain, self.ceiling)
        if path is not None:
            store_frames(path, data, self.length(key))
        return data

    def _levelled_path(self, key: Key, gain: float) -> Path | None:
        if self.cache is None:
            return None
        name = self._name(key, gain, "levelled")
        return Path(f"{self.cache}/clips/{self.voices.folder}/{name[:2]}/{name}.levelled")

    def _note(self, key: Key, gain: float, kind: str = "kept") -> Path | None:
        if self.cache is None:
            return None
        name = self._name(key, gain, kind)
        return self.cache / "levels" / self.voices.folder / name[:2] / name

    def _name(self, key: Key, gain: float, kind: str) -> str:
        """Name what is kept of a sound at a gain: everything it depends on, hashed."""
        data = json.dumps([LEVEL_FORMAT, kind, self.identity(key), gain, self.ceiling])
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def was_used(self, key: Key, gain: float) -> bool:
        """Tell whether a session used this sound at this gain before."""
        note = self._note(key, gain, "used")
        if note is None or not note.exists():
            return False
        cache_mod.used(note)
        return True

    def mark_used(self, key: Key, gain: float) -> None:
        """Note that a session used this sound at this gain, so a re-render prefers it."""
        note = self._note(key, gain, "used")
        if note is not None and note.exists():
            cache_mod.used(note)
        elif note is not None:
            self._unwritten.append((note, b"1\n"))

    def kept(self, pairs: list[tuple[Key, float]]) -> dict[tuple[Key, float], float]:
        """Return the energy of each sound at a gain, after the limiter, relative to its energy as is.

        Worked out once and noted in the cache, where later runs find it; a sound
        wanted at several gains is read once for all of them.
        """
        todo: dict[Key, list[float]] = {}
        for key, gain in pairs:
            if (key, gain) not in self._kept:
                value = self._read_note(key, gain)
                if value is None:
                    todo.setdefault(key, []).append(gain)
                else:
                    self._kept[(key, gain)] = value
        def work(key: Key) -> list[float]:
            return levels.kept_energies(self.pcm(key), todo[key], self.ceiling)

        if len(todo) > 1:
            # After a re-pacing this can be every line of the session; numpy lets go of the
            # interpreter for the long arrays, so the lines are worked on every core at once.
            with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
                found = dict(zip(todo, pool.map(work, todo)))
        else:
            found = {key: work(key) for key in todo}  # one line as it is spoken: no pool for it
        for key, wanted in todo.items():
            for gain, value in zip(wanted, found[key]):
                self._kept[(key, gain)] = value
                note = self._note(key, gain)
                if note is not None:
                    self._unwritten.append((note, encode_note(value)))
        return {pair: self._kept[pair] for pair in pairs}

    def write_notes(self) -> None:
        """Write the levels worked out in this run to the cache (done while pieces are encoded)."""
        while self._unwritten:
            note, data = self._unwritten.pop()
            cache_mod.store(note, data)  # in a read-only cache, the note is worked out again next time

    def _read_note(self, key: Key, gain: float) -> float | None:
        note = self._note(key, gain)
        if note is None:
            return None
        try:
            value = decode_note(note.read_bytes())
        except OSError:
            return None
        if value is not None:
            cache_mod.used(note)
        return value


def _step(value: float) -> float:
    return round(round(value / GAIN_STEP) * GAIN_STEP, 6)


def speech_level(target: float) -> float:
    """Return the loudness the speech is levelled to before encoding, so the MP3 measures `target`."""
    # MP3 encoding lowers the measured loudness of this speech by about 0.4 LU (measured
    # here on whole sessions at 64 to 192 kbps), so aim that much higher before encoding.
    return target + CODEC_LOSS


def level(script: Script, sounds: Sounds, target: float = DEFAULT_LOUDNESS) -> dict[Key, float]:
    """Return the gain in dB of every line and tone, so the session's speech lands on `target` LUFS.

    Every line is first brought to the same loudness, so none stands out; then the
    speech's gated loudness is worked out from the lines' stored energy profiles where
    they fall, and one correction, the same for every sound, brings it onto the target.
    A bed under the voice plays no part: it is set under the speech, which is levelled
    as it is without one. Gains move in steps of GAIN_STEP, and a correction already
    used (within the tolerance) is preferred, so re-pacing reuses encoded audio.
    """
    import numpy as np

    keys = sound_keys(script)
    if not keys:
        return {}
    profiles = {key: sounds.profile(key) for key in keys}
    # Lines are each brought to the target; tones keep their own soft level, moved with the session.
    base = {key: sounds.base_gain(key, target) for key in keys}
    size = script.duration // levels.STEP + max(len(p) for p in profiles.values()) + 1
    places = [(int(round(cue.start / levels.STEP)), (cue.kind, cue.text)) for cue in script.cues if cue.kind != "pause"]

    def session_loudness(weights: dict[Key, float]) -> float:
        session = np.zeros(size)
        for at, key in places:
            session[at:at + len(profiles[key])] += profiles[key] * weights[key]
        return levels.integrated(session)

    aim = speech_level(target)
    # The limiter takes a little energy from the loudest lines, and more the louder they
    # are: measure the session at two neighbouring corrections and step to the one that
    # lands it on the target (Newton's method; the loss changes smoothly). The first
    # measurement is where corrections usually land, so lines can be measured as they
    # are spoken; a long step is measured again from where it landed.
    correction = LIKELY_CORRECTION
    for _ in range(3):
        trials = {key: _trial_gains(base[key], correction) for key in keys}
        kept = sounds.kept([(key, gain) for key, pair in trials.items() for gain in pair])
        low, high = (session_loudness({key: kept[(key, pair[i])] for key, pair in trials.items()}) for i in (0, 1))
        slope = (high - low) / GAIN_STEP
        step = (aim - low) / (slope if 0.2 < slope < 2.0 else 1.0)
        correction = _step(correction) + step
        if abs(step) <= 0.5:
            break

    def settle(wanted: float) -> float:
        # The step nearest, unless one within the tolerance was used before: its audio is cached.
        nearest = _step(wanted)
        for offset in (0, -1, 1, -2, 2):
            candidate = _step(nearest + offset * GAIN_STEP)
            if abs(candidate - wanted) <= LOUDNESS_TOLERANCE and sounds.was_used(keys[0], _step(base[keys[0]] + candidate)):
                return candidate
        return nearest

    final = settle(correction)
    chosen = {key: _step(gain + final) for key, gain in base.items()}
    sounds.mark_used(keys[0], chosen[keys[0]])
    return chosen


def _trial_gains(base: float, correction: float) -> tuple[float, float]:
    """Return the two gains a sound is measured at around a correction."""
    return _step(base + correction), _step(base + correction + GAIN_STEP)


# --- the fast path: sessions built from encoded pieces ---------------------------


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


def decode_piece(data: bytes) -> tuple[int, bytes] | None:
    """Return a piece cache entry's frame count and frames, or None if the entry is damaged."""
    if len(data) < _PIECE_HEADER.size:
        return None
    magic, count, size, digest = _PIECE_HEADER.unpack_from(data)
    frames = data[_PIECE_HEADER.size:]
    if magic != PIECE_MAGIC or size != len(frames) or hashlib.sha256(frames).digest() != digest:
        return None
    return count, frames


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


def load_frames(path: Path, count: int) -> bytes | None:
    """Return a cache entry's `count` frames, or None if it is missing, damaged or of another length."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    entry = decode_piece(data)
    if entry is None or entry[0] != count:
        return None
    cache_mod.used(path)
    return entry[1]


def store_frames(path: Path, frames: bytes, count: int) -> None:
    """Keep `count` encoded frames in the cache at `path`, with their checksum (a read-only cache keeps nothing)."""
    header = _PIECE_HEADER.pack(PIECE_MAGIC, count, len(frames), hashlib.sha256(frames).digest())
    cache_mod.store(path, header + frames)


def assemble(script: Script, pieces: tuple[Piece, ...], sounds: Sounds, gains: dict[Key, float], out: Path,
             bitrate: int = DEFAULT_BITRATE, progress: Callable[[int, int], None] | None = None) -> None:
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


# --- the full path: the whole session encoded in one pass -------------------------


def encode(script: Script, sounds: Sounds, gains: dict[Key, float], out: Path, bitrate: int = DEFAULT_BITRATE,
           progress: Callable[[int, int], None] | None = None) -> None:
    """Encode the script's audio to an MP3 at `out` in one pass, every sample where the script says."""
    silence = bytes(CHUNK * 2)
    levelled = lru_cache(maxsize=64)(lambda key: sounds.levelled(key, gains[key]))  # counts come back often

    def stretches() -> Iterator[tuple[bytes, int]]:
        done = 0
        for cue in script.cues:
            if cue.kind == "pause":
                remaining = cue.length
                while remaining > 0:
                    n = min(remaining, CHUNK)
                    yield silence[: n * 2], done + cue.length - remaining + n
                    remaining -= n
            else:
                data = levelled((cue.kind, cue.text))
                if len(data) != cue.length * 2:
                    raise PilatesAudioError(f'internal error: clip for "{cue.text}" does not match its cue')
                yield data, done + cue.length
            done += cue.length

    encode_stream(stretches(), script.duration, out, bitrate, progress)


def encode_stream(stretches: Iterator[tuple[bytes, int]], total: int, out: Path, bitrate: int,
                  progress: Callable[[int, int], None] | None = None) -> None:
    """Encode PCM given a stretch at a time (with the samples done after each) in one ffmpeg pass."""
    process = tools.start(mp3.lame(bitrate, mp3.QUALITY, str(out)), stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for data, done in stretches:
            process.stdin.write(data)
            if progress:
                progress(done, total)
        process.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        process.kill()
        process.wait()
        raise
    stderr = process.stderr.read()
    code = process.wait()
    if code != 0:
        raise tools.failed("encoding the MP3", code, stderr)


def decode(path: Path) -> bytes:
    """Decode an audio file to 44.1 kHz mono 16-bit PCM."""
    result = subprocess.run(
        [ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "pipe:1"],
        capture_output=True,
    )
    if result.returncode != 0:
        raise tools.failed(f"decoding {path}", result.returncode, result.stderr)
    return result.stdout
