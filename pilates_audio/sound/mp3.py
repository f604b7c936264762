"""MP3 frames: encoding pieces in-process, silent frames, and the header that gives a session's length.

At one sample rate and a constant bitrate, MPEG-1 Layer III frames from separately
encoded pieces can follow one another in a file: a piece begins with an empty bit
reservoir, so its first frame needs nothing from the frames before it. A session is
built by putting each piece's frames at their place on the frame grid, with silent
frames between.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from typing import BinaryIO, Iterator

from pilates_audio import tools
from pilates_audio.timing import SAMPLE_RATE

FRAME = 1152  # samples in one MPEG-1 Layer III frame
ENCODER_DELAY = 576  # samples LAME puts before the first one it is given
DECODER_DELAY = 529  # samples a decoder's synthesis filterbank adds before the first one it decodes
PIECE_DELAY = ENCODER_DELAY + DECODER_DELAY  # how far into its first frame a piece's first sample is heard
DEFAULT_BITRATE = 64  # kbps a session is encoded at unless told otherwise
BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # kbps, MPEG-1 Layer III
QUALITY = 5  # LAME's algorithm quality (0 best, 9 fastest); 5 is its "good speed" setting
_SIDE_INFO = 17  # bytes of side information in a mono MPEG-1 frame
_MONO = 0xC4  # last header byte: single channel, original, no emphasis
SILENCE_BLOCK = 4096  # silent frames joined before one write (856 kB at 64 kbps, 4.3 MB at 320)


def lame(bitrate: int, quality: int, out: str, reservoir: bool = True, xing: bool = True) -> list[str]:
    """Return the ffmpeg command that encodes 44.1 kHz mono 16-bit PCM from stdin as MP3 to `out`.

    With `xing`, a Xing/LAME header carries the encoder's delay and padding, so decoders
    trim them and the decoded length equals the samples given; without it, the output is
    frames alone. Without the bit reservoir, every frame holds all of its own data.
    """
    return [
        tools.ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{bitrate}k", "-compression_level", str(quality),
        "-reservoir", "1" if reservoir else "0", "-ar", str(SAMPLE_RATE), "-ac", "1",
        "-write_xing", "1" if xing else "0", "-id3v2_version", "0", "-write_id3v1", "0", "-map_metadata", "-1",
        "-f", "mp3", out,
    ]


class FrameError(Exception):
    """Bytes that are not the MP3 frames they should be."""


def available() -> bool:
    """Tell whether the in-process encoder is installed (it has wheels for most platforms)."""
    import importlib.util

    return importlib.util.find_spec("lameenc") is not None


def frame_size(kbps: int, padded: bool = False) -> int:
    """Return the bytes in one frame at a bitrate."""
    return 144000 * kbps // SAMPLE_RATE + int(padded)


def header(kbps: int, padded: bool = False) -> bytes:
    """Return a frame header: MPEG-1 Layer III, no CRC, 44.1 kHz, mono."""
    return bytes((0xFF, 0xFB, (BITRATES.index(kbps) + 1) << 4 | int(padded) << 1, _MONO))


def split(data: bytes, kbps: int) -> list[bytes]:
    """Cut a run of frames into single frames, checking that every one is as expected."""
    frames = []
    at = 0
    while at < len(data):
        head = data[at:at + 4]
        padded = len(head) == 4 and head == header(kbps, True)
        if not padded and head != header(kbps):
            raise FrameError(f"unexpected bytes at {at}: {head.hex()}")
        size = frame_size(kbps, padded)
        if at + size > len(data):
            raise FrameError(f"a frame at {at} is cut short")
        frames.append(data[at:at + size])
        at += size
    return frames


def frames_for(samples: int) -> int:
    """Return how many frames a piece of `samples` needs: all of its sound, none of LAME's padding."""
    return max(1, -(-(PIECE_DELAY + samples) // FRAME))


def encode(pcm: bytes, kbps: int) -> list[bytes]:
    """Encode 44.1 kHz mono 16-bit samples as a piece: frames_for(samples) frames."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)  # never resampled, even at low bitrates
    encoder.set_channels(1)
    encoder.set_quality(QUALITY)
    frames = split(bytes(encoder.encode(pcm)) + bytes(encoder.flush()), kbps)
    needed = frames_for(len(pcm) // 2)
    if len(frames) < needed:
        raise FrameError(f"the encoder gave {len(frames)} frames for {len(pcm) // 2} samples; {needed} were expected")
    # What LAME adds after the last needed frame is only its padding.
    return frames[:needed]


@lru_cache(maxsize=1)
def _lame():
    """Return LAME's C functions from the in-process encoder's library, or None where they cannot be reached.

    The encoder's Python interface always keeps LAME's bit reservoir on; frames that must
    stand alone (see mixdown) need it off, which only LAME's own functions can ask for.
    """
    import ctypes

    try:
        import lameenc

        lib = ctypes.CDLL(lameenc.__file__)
        lib.lame_init.restype = ctypes.c_void_p
        for name in ("lame_set_in_samplerate", "lame_set_out_samplerate", "lame_set_num_channels", "lame_set_brate",
                     "lame_set_quality", "lame_set_mode", "lame_set_disable_reservoir", "lame_set_bWriteVbrTag"):
            getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.lame_init_params.argtypes = [ctypes.c_void_p]
        lib.lame_encode_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int,
                                           ctypes.c_void_p, ctypes.c_int]
        lib.lame_encode_flush.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        lib.lame_close.argtypes = [ctypes.c_void_p]
    except (ImportError, OSError, AttributeError):
        return None
    return lib


class StandaloneEncoder:
    """LAME with the bit reservoir off, fed a stretch at a time: every frame holds all of its own data."""

    _MONO = 3  # LAME's MPEG_mode for one channel

    def __init__(self, kbps: int):
        import ctypes

        self.lib = _lame()
        self.handle = self.lib.lame_init()
        if not self.handle:
            raise FrameError("the encoder could not be started")
        for name, value in (("in_samplerate", SAMPLE_RATE), ("out_samplerate", SAMPLE_RATE), ("num_channels", 1),
                            ("mode", self._MONO), ("brate", kbps), ("quality", QUALITY), ("disable_reservoir", 1),
                            ("bWriteVbrTag", 0)):
            getattr(self.lib, f"lame_set_{name}")(self.handle, value)
        if self.lib.lame_init_params(self.handle) < 0:
            self.close()
            raise FrameError(f"the encoder refused its settings ({kbps} kbps)")
        self._buffer = ctypes.create_string_buffer(0)
        self._ctypes = ctypes

    def _room(self, samples: int) -> int:
        size = samples * 5 // 4 + 7200  # what LAME asks for at most: 1.25 bytes a sample and 7,200 more
        if len(self._buffer) < size:
            self._buffer = self._ctypes.create_string_buffer(size)
        return size

    def encode(self, pcm: bytes) -> bytes:
        """Encode 16-bit samples; return the frames finished so far."""
        count = len(pcm) // 2
        size = self._room(count)
        done = self.lib.lame_encode_buffer(self.handle, pcm, None, count, self._buffer, size)
        if done < 0:
            raise FrameError(f"the encoder failed (LAME error {done})")
        return self._buffer.raw[:done]

    def flush(self) -> bytes:
        """Return the last frames."""
        size = self._room(FRAME * 2)
        done = self.lib.lame_encode_flush(self.handle, self._buffer, size)
        if done < 0:
            raise FrameError(f"the encoder failed (LAME error {done})")
        return self._buffer.raw[:done]

    def close(self) -> None:
        if self.handle:
            self.lib.lame_close(self.handle)
            self.handle = None


def standalone_available() -> bool:
    """Tell whether frames that stand alone can be encoded in this process (else ffmpeg encodes them)."""
    return _lame() is not None


@lru_cache(maxsize=None)
def silent_frame(kbps: int, padded: bool = False) -> bytes:
    """Return a frame that decodes to silence on its own: no reservoir, no spectral values."""
    return header(kbps, padded) + bytes(frame_size(kbps, padded) - 4)


def info_frame(kbps: int, frames: int, size: int, trim: tuple[int, int] | None = None) -> bytes:
    """Return the Xing "Info" frame that tells players a constant-bitrate file's frames and bytes.

    Without `trim` it carries no LAME extension, so decoders trim nothing: the file
    decodes to exactly `frames` × FRAME samples, which the script describes. With
    `trim`, (delay, padding) in LAME's terms, gapless players trim delay + DECODER_DELAY
    samples at the start and padding - DECODER_DELAY at the end. The frame itself
    decodes to silence in players that do not read it.
    """
    data = bytearray(silent_frame(kbps))
    at = 4 + _SIDE_INFO
    data[at:at + 16] = b"Info" + struct.pack(">III", 0x3, frames, size)  # flags: frame count, byte count
    if trim is not None:
        tag = _lame_tag(kbps, size, *trim)
        data[at + 16:at + 16 + len(tag)] = tag
        end = at + 16 + len(tag)
        data[end - 2:end] = struct.pack(">H", crc16(bytes(data[:end - 2])))
    return bytes(data)


LAME_VERSION = b"LAME3.100"  # the encoder the frames come from (lameenc and ffmpeg's libmp3lame bundle 3.100)


def _lame_tag(kbps: int, size: int, delay: int, padding: int) -> bytes:
    """Return LAME's extension of the Info frame (36 bytes, its own check last, left zero here)."""
    if not (0 <= delay < 4096 and 0 <= padding < 4096):
        raise ValueError(f"delay {delay} and padding {padding} must each fit in 12 bits")
    # Revision 0 and method 1 (constant bitrate); no lowpass, peak or gains; the bitrate; then
    # the delay and padding, 12 bits each; the source was 44.1 kHz; the music's length in
    # bytes (Info frame included); its check left zero, which no decoder reads.
    return (LAME_VERSION + bytes((0x01, 0)) + bytes(4 + 2 + 2) + bytes((0, min(kbps, 255)))
            + (delay << 12 | padding).to_bytes(3, "big") + bytes((1 << 6, 0)) + bytes(2)
            + struct.pack(">I", size) + bytes(2) + bytes(2))


@lru_cache(maxsize=1)
def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ 0xA001 if value & 1 else value >> 1
        table.append(value)
    return tuple(table)


def crc16(data: bytes) -> int:
    """Return the CRC-16 (polynomial 0x8005, reflected) that the LAME extension checks itself with."""
    table, value = _crc_table(), 0
    for byte in data:
        value = (value >> 8) ^ table[(value ^ byte) & 0xFF]
    return value


def main_data_begin(frame: bytes) -> int:
    """Return how many bytes before its side information a frame's data begins (0: all within the frame)."""
    return frame[4] << 1 | frame[5] >> 7


def read_frames(handle: BinaryIO, kbps: int) -> Iterator[bytes]:
    """Yield the frames of an MP3 file written by `Writer` at `kbps`, after its ID3 tag and Info frame."""
    head = handle.read(10)
    if head[:3] == b"ID3":
        size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
        handle.seek(10 + size + (10 if head[5] & 0x10 else 0))  # a footer, if the flags say there is one
    else:
        handle.seek(0)
    plain, padded = header(kbps), header(kbps, True)
    first = True
    while head := handle.read(4):
        if head not in (plain, padded):
            raise FrameError(f"unexpected bytes at {handle.tell() - 4}: {head.hex()}")
        rest = handle.read(frame_size(kbps, head == padded) - 4)
        if len(rest) < frame_size(kbps, head == padded) - 4:
            raise FrameError(f"a frame at {handle.tell() - 4 - len(rest)} is cut short")
        if first and rest[_SIDE_INFO:_SIDE_INFO + 4] in (b"Info", b"Xing"):
            first = False
            continue  # the Info frame says how long the file is; it holds no sound
        first = False
        yield head + rest


def _padding(kbps: int, frames: int, written: int, count: int) -> tuple[list[bool], list[bool]]:
    """Return which of `count` silent frames are padded, after `frames` frames of `written` bytes: a lead, then a cycle.

    A frame is padded when the bytes before it, and the frame unpadded, fall more than half a
    byte short of where the bitrate puts its end (frame n ends at n * 144000 * kbps / SAMPLE_RATE
    bytes); worked in whole numbers (both sides times 2 * SAMPLE_RATE), which never tie. The gap
    only depends on the one before, so once it comes back the padding repeats.
    """
    plain = frame_size(kbps)
    gain, step = 2 * 144000 * kbps, 2 * SAMPLE_RATE
    gap = gain * (frames + 1) - step * (written + plain) - SAMPLE_RATE  # padded while above 0
    pattern: list[bool] = []
    seen: dict[int, int] = {}
    while len(pattern) < count and gap not in seen:
        seen[gap] = len(pattern)
        pattern.append(gap > 0)
        gap += gain - step * (plain + (gap > 0))
    if len(pattern) < count:
        return pattern[:seen[gap]], pattern[seen[gap]:]
    return pattern, []


class Writer:
    """Write a session's frames to a file: the Info frame first, silent frames wherever nothing sounds.

    Silent frames are padded as a constant-bitrate encoder pads its frames, so the
    file's bytes keep in step with time and players seek by bitrate accurately.
    """

    def __init__(self, out: BinaryIO, kbps: int, trim: tuple[int, int] | None = None):
        self.out = out
        self.kbps = kbps
        self.trim = trim  # (delay, padding) for gapless players, if any: see info_frame
        self.start = out.tell()
        out.write(info_frame(kbps, 0, 0, trim))
        self.frames = 0
        self.bytes = 0

    def write(self, frames: bytes, count: int) -> None:
        """Write `count` frames, already checked, as they are."""
        self.out.write(frames)
        self.bytes += len(frames)
        self.frames += count

    def silence(self, count: int) -> None:
        """Write `count` silent frames, padded where a constant-bitrate encoder would pad them."""
        plain, padded = silent_frame(self.kbps), silent_frame(self.kbps, True)
        lead, cycle = _padding(self.kbps, self.frames, self.bytes, max(count, 0))
        frames = [padded if pad else plain for pad in lead]
        if cycle:  # the padding repeats with a period of at most SAMPLE_RATE frames: join it once
            whole, rest = divmod(max(count, 0) - len(lead), len(cycle))
            repeat = b"".join(padded if pad else plain for pad in cycle)
            frames += [repeat] * whole + [padded if pad else plain for pad in cycle[:rest]]
        # Written a block at a time: an hour holds some hundred thousand silent frames.
        chunk: list[bytes] = []
        held = 0
        for frame in frames:
            chunk.append(frame)
            held += len(frame)
            if held >= len(plain) * SILENCE_BLOCK:
                self.out.write(b"".join(chunk))
                self.bytes += held
                chunk, held = [], 0
        self.out.write(b"".join(chunk))
        self.bytes += held
        self.frames += max(count, 0)

    def finish(self) -> None:
        """Fill in the Info frame now that the frames are all written."""
        end = self.out.tell()
        self.out.seek(self.start)
        self.out.write(info_frame(self.kbps, self.frames, frame_size(self.kbps) + self.bytes, self.trim))
        self.out.seek(end)
