"""Speech: the pyttsx3 engine, worker processes that run it, and the clip cache."""

from __future__ import annotations

import base64
import ctypes
import hashlib
import io
import json
import os
import queue
import re
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from pilates_audio import levels, tools
from pilates_audio.errors import InputError, PilatesAudioError
from pilates_audio.files import DiskFull, cache_dir, keep_first

SAMPLE_RATE = 44100
CLIP_FORMAT = 3  # bump when the way clips are processed or stored changes
CLIP_MAGIC = b"PAC3"
_HEADER = struct.Struct("<4sII32s")  # magic, samples, profile steps, sha256 of what follows
SILENCE_THRESHOLD = 64  # of 32767: below this, the engine's output counts as silence
EDGE_KEEP = 0.005  # seconds kept either side of the sound, so no onset is clipped
FADE = 0.004  # seconds of fade on clip edges, so joints never click
ATTEMPTS = 3
CLIP_TIMEOUT = 60.0


class SpeechError(PilatesAudioError):
    """The speech engine failed."""

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class VoiceError(InputError):
    """The voice asked for does not exist."""


class UnknownVoice(SpeechError):
    """Raised in a worker when the engine has no such voice; the parent turns it into a VoiceError."""

    def __init__(self, voice: str):
        super().__init__(f"unknown voice '{voice}'", retry=False)


@dataclass(frozen=True)
class Voice:
    """A voice the engine offers."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


# --- the engine library -----------------------------------------------------


@lru_cache(maxsize=1)
def prepare() -> str:
    """Make eSpeak NG loadable for pyttsx3 and return a description of the engine.

    On Linux without a system libespeak-ng, load the library the espeakng-loader
    package ships, globally, so pyttsx3's own load by name finds it.
    """
    import importlib.metadata

    pyttsx3_version = importlib.metadata.version("pyttsx3")
    if not sys.platform.startswith("linux"):
        return f"pyttsx3-{pyttsx3_version}/{sys.platform}"
    try:
        lib = ctypes.CDLL("libespeak-ng.so.1", mode=ctypes.RTLD_GLOBAL)
        origin = "system"
    except OSError:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
        os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
        origin = "espeakng-loader-" + importlib.metadata.version("espeakng-loader")
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    version = (lib.espeak_Info(None) or b"?").decode("utf-8", "replace")
    return f"pyttsx3-{pyttsx3_version}/espeak-ng-{version}/{origin}"


def estimate(text: str, rate: int) -> int:
    """Estimate a clip's length in samples without synthesizing it."""
    # Fitted to eSpeak NG at 120-220 wpm: `rate` words a minute of 5.5 letters, plus
    # 0.37 s at each punctuation mark inside the text; never under a short word's length.
    letters = len(re.sub(r"[^\w]", "", text))
    pauses = len(re.findall(r"[,;:.!?](?=\s+\S)", text))
    seconds = max(0.25, letters / 5.5 * 60 / rate + 0.37 * pauses)
    return int(seconds * SAMPLE_RATE)


# --- clips ------------------------------------------------------------------


def clip_key(engine: str, voice: str | None, rate: int, text: str) -> str:
    """Return the content address of a clip: everything that changes its audio."""
    data = json.dumps([CLIP_FORMAT, engine, voice or "", rate, text], ensure_ascii=False)
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


def encode_clip(clip: Clip) -> bytes:
    """Wrap a clip with a header holding its sizes and a checksum."""
    payload = clip.pcm + clip.steps
    return _HEADER.pack(CLIP_MAGIC, len(clip.pcm) // 2, len(clip.steps) // 4, bytes.fromhex(clip_digest(clip))) + payload


def clip_digest(clip: Clip) -> str:
    """Return the sha256 of what a cache entry stores of a clip: its identity."""
    return hashlib.sha256(clip.pcm + clip.steps).hexdigest()


def decode_clip(data: bytes) -> Clip | None:
    """Return the clip in a cache entry, or None if the entry is damaged."""
    if len(data) < _HEADER.size:
        return None
    magic, count, steps, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size:]
    if magic != CLIP_MAGIC or len(payload) != count * 2 + steps * 4 or hashlib.sha256(payload).digest() != digest:
        return None
    return Clip(payload[: count * 2], payload[count * 2:], digest.hex())


def process(segment) -> bytes:
    """Turn the engine's audio (a pydub segment) into trimmed, faded 44.1 kHz mono 16-bit PCM."""
    import numpy as np

    segment = segment.set_channels(1).set_sample_width(2)
    loud = np.flatnonzero(np.abs(np.frombuffer(segment.raw_data, "<i2").astype(np.int32)) > SILENCE_THRESHOLD)
    if not len(loud):
        return b""
    keep = int(EDGE_KEEP * segment.frame_rate)
    count = len(segment.raw_data) // 2
    trimmed = segment.get_sample_slice(max(0, int(loud[0]) - keep), min(count, int(loud[-1]) + 1 + keep))
    fade_ms = int(FADE * 1000)
    trimmed = trimmed.set_frame_rate(SAMPLE_RATE).fade_in(fade_ms).fade_out(fade_ms)
    return trimmed.raw_data


def plausible(count: int, text: str, rate: int) -> bool:
    """Tell whether a clip's length is believable for its text."""
    expected = estimate(text, rate)
    return expected * 0.2 <= count <= expected * 4 + 2 * SAMPLE_RATE


class EspeakEngine:
    """eSpeak NG through pyttsx3's own binding to it, synthesizing synchronously in this process.

    pyttsx3's engine loop runs eSpeak on a thread of its own and hands audio over
    through a WAV file; that costs several times the synthesis, and a rate set
    between lines was now and then dropped. The same binding, in eSpeak's
    synchronous mode, gives the same voice with neither problem.
    """

    def __init__(self) -> None:
        prepare()
        from pyttsx3.drivers import _espeak

        self.espeak = _espeak
        self.rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000)
        if self.rate <= 0:
            raise SpeechError("eSpeak NG could not be initialised", retry=False)
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._take)
        current = _espeak.GetCurrentVoice()
        self.default_voice = (current.contents.identifier.decode("utf-8").lower()
                              if current and current.contents.identifier else "gmw/en")
        _espeak.SetParameter(_espeak.VOLUME, 100, 0)
        self._voices: list[Voice] | None = None

    def _take(self, wav, count, events) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def voices(self) -> list[Voice]:
        if self._voices is None:
            found = []
            for v in self.espeak.ListVoices(None):
                # As pyttsx3 names them: the identifier, and the language after its priority byte.
                languages = (v.languages[1:].decode("utf-8", "ignore"),) if v.languages else ()
                found.append(Voice(v.identifier.decode("utf-8").lower(), v.name.decode("utf-8"), languages,
                                   (None, "Male", "Female")[v.gender] if 0 <= v.gender <= 2 else None))
            self._voices = found
        return self._voices

    def speak(self, text: str, voice: str | None, rate: int) -> bytes:
        """Return the engine's samples for `text`: mono 16-bit at `self.rate` Hz."""
        wanted = _resolve_voice(self.voices(), voice) if voice is not None else self.default_voice
        if self.espeak.SetVoiceByName(wanted.encode("utf-8")) != 0:
            raise UnknownVoice(voice or wanted)
        self.espeak.SetParameter(self.espeak.RATE, rate, 0)
        if self.espeak.GetParameter(self.espeak.RATE) != rate:
            raise SpeechError(f"the speech engine would not take the rate {rate}")
        self._chunks = []
        self.espeak.Synth(text.encode("utf-8"), flags=self.espeak.ENDPAUSE | self.espeak.CHARS_UTF8)
        self.espeak.Synchronize()
        return b"".join(self._chunks)


class Pyttsx3Engine:
    """A pyttsx3 engine in this process, where the system's own speech is used (macOS, Windows)."""

    def __init__(self, workdir: str) -> None:
        import pyttsx3

        self.engine = pyttsx3.init()
        self.workdir = workdir
        self.default_voice = self.engine.getProperty("voice")
        self.counter = 0
        self._voices: list[Voice] | None = None
        # The first save after init can be dropped or swallow the next line: spend it here.
        self._save("Ready.")

    def voices(self) -> list[Voice]:
        if self._voices is None:
            self._voices = [
                Voice(v.id, v.name, tuple(v.languages or ()), v.gender) for v in self.engine.getProperty("voices")
            ]
        return self._voices

    def _save(self, text: str) -> bytes:
        self.counter += 1
        wav = os.path.join(self.workdir, f"clip-{self.counter}.wav")
        try:
            self.engine.save_to_file(text, wav)
            self.engine.runAndWait()
            if not os.path.exists(wav) or os.path.getsize(wav) <= 44:
                return b""
            return open(wav, "rb").read()
        finally:
            if os.path.exists(wav):
                os.unlink(wav)

    def speak(self, text: str, voice: str | None, rate: int) -> bytes:
        """Return the engine's audio for `text` as WAV bytes."""
        self.engine.setProperty("voice", _resolve_voice(self.voices(), voice) if voice is not None else self.default_voice)
        self.engine.setProperty("rate", rate)
        return self._save(text)


def _resolve_voice(voices: list[Voice], wanted: str) -> str:
    """Return the id of the voice asked for by id, short id, name or language."""
    lowered = wanted.lower()
    for v in voices:
        if lowered in (v.id.lower(), v.id.lower().rsplit("/", 1)[-1], v.name.lower()) or lowered in (
            lang.lower() for lang in v.languages
        ):
            return v.id
    raise UnknownVoice(wanted)


class LocalEngine:
    """The speech engine of this process (eSpeak allows one per process) and the clips it makes."""

    def __init__(self, workdir: str) -> None:
        self.engine: EspeakEngine | Pyttsx3Engine = (
            EspeakEngine() if sys.platform.startswith("linux") else Pyttsx3Engine(workdir))

    def voices(self) -> list[Voice]:
        return self.engine.voices()

    def _pcm(self, text: str, voice: str | None, rate: int) -> bytes:
        audio = self.engine.speak(text, voice, rate)
        if not audio:
            return b""
        AudioSegment = tools.pydub().AudioSegment
        if isinstance(self.engine, EspeakEngine):
            return process(AudioSegment(audio, sample_width=2, frame_rate=self.engine.rate, channels=1))
        return process(AudioSegment.from_wav(io.BytesIO(audio)))

    def synthesize_to_cache(self, text: str, voice: str | None, rate: int, out: str) -> ClipInfo:
        """Speak `text`, check the result, store it as a cache entry at `out`, and describe it."""
        pcm = b""
        for _ in range(ATTEMPTS):
            pcm = self._pcm(text, voice, rate)
            if pcm and plausible(len(pcm) // 2, text, rate):
                break
            pcm = b""
        if not pcm:
            raise SpeechError(f'the speech engine gave no usable audio for "{text}" in {ATTEMPTS} tries; '
                          "try rewording the line", retry=False)
        clip = Clip(pcm, levels.profile(pcm).astype("<f4").tobytes())
        # Another run may have stored this line first: then both use that one.
        entry = encode_clip(clip)
        stored = keep_first(Path(out), entry, lambda data: decode_clip(data) is not None)
        if stored is entry:
            return ClipInfo(clip.length, clip.steps, clip_digest(clip))
        return _info(decode_clip(stored))


# --- workers ----------------------------------------------------------------


class _Worker:
    """One speech worker process and the channel to it."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # The package may be run from a source tree that is not installed.
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pilates_audio._speechworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
        )
        hello = self._read(CLIP_TIMEOUT)
        if not hello or not hello.get("ready"):
            self.close()
            reason = (hello or {}).get("error") or "it stopped while starting"
            raise PilatesAudioError(f"the speech engine could not start: {reason}")

    def _read(self, timeout: float) -> dict | None:
        def give_up() -> None:
            self.hung = True
            self.process.kill()

        self.hung = False
        timer = threading.Timer(timeout, give_up)
        timer.start()
        try:
            line = self.process.stdout.readline()
        finally:
            timer.cancel()
        return json.loads(line) if line else None

    def ask(self, request: dict, timeout: float | None = None) -> dict | None:
        """Send one request; return the answer, or None if the worker died or hung (see `hung`)."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self._read(timeout or CLIP_TIMEOUT)

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the facade the rest of the tool uses -------------------------------------


class Speech:
    """Clips for one voice and rate: lengths, audio, and synthesis of what is missing."""

    def __init__(self, voice: str | None, rate: int, cache: Path | None = None, workers: int | None = None):
        self.voice = voice
        self.rate = rate
        self.cache = (cache or cache_dir()) / "clips"
        self.workers = workers or os.cpu_count() or 1
        self.engine = prepare()
        # Only lengths and profiles stay in memory; audio is read back when needed,
        # so memory does not grow with the number of lines.
        self._clips: dict[str, ClipInfo] = {}

    def path(self, text: str) -> Path:
        key = clip_key(self.engine, self.voice, self.rate, text)
        return self.cache / key[:2] / f"{key}.clip"

    def _load(self, text: str) -> Clip | None:
        try:
            data = self.path(text).read_bytes()
        except OSError:
            return None
        return decode_clip(data)

    def missing(self, lines: Iterable[str]) -> list[str]:
        """Return the lines that have no sound cache entry, loading those that do."""
        todo = []
        for text in dict.fromkeys(lines):
            if text in self._clips:
                continue
            clip = self._load(text)
            if clip is None:
                todo.append(text)
            else:
                self._clips[text] = _info(clip)
        return todo

    def ensure(self, lines: Iterable[str], progress: Callable[[int, int], None] | None = None,
               ready: Callable[[str], None] | None = None) -> None:
        """Make sure every line has a clip, synthesizing the missing ones in parallel.

        `progress` is told (lines done, lines to synthesize) as each one is ready, and
        `ready` is given each new line, to start work on it while others are spoken.
        """
        todo = self.missing(lines)
        if not todo:
            return
        jobs: queue.Queue[str] = queue.Queue()
        for text in todo:
            jobs.put(text)
        failures: list[BaseException] = []
        lock = threading.Lock()
        loaded = len(self._clips)

        def run() -> None:
            worker: _Worker | None = None
            try:
                while not failures:
                    try:
                        text = jobs.get_nowait()
                    except queue.Empty:
                        return
                    worker, info = self._synthesize(worker, text)
                    with lock:
                        self._clips[text] = info
                        if progress:
                            progress(len(self._clips) - loaded, len(todo))
                    if ready:
                        ready(text)
            except BaseException as exc:  # handed to the main thread below
                failures.append(exc)
            finally:
                if worker is not None:
                    worker.close()

        threads = [threading.Thread(target=run, daemon=True) for _ in range(min(self.workers, len(todo)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]

    def _synthesize(self, worker: _Worker | None, text: str) -> tuple[_Worker, ClipInfo]:
        """Have a worker speak and store one line, restarting it if it dies or hangs."""
        request = {"text": text, "voice": self.voice, "rate": self.rate, "out": str(self.path(text))}
        last_error = ""
        for _ in range(ATTEMPTS):
            if worker is None:
                worker = _Worker()
            answer = worker.ask(request)
            if answer is None:
                last_error = (f'the speech engine did not finish speaking "{text}" within {CLIP_TIMEOUT:g} s, '
                              f'{ATTEMPTS} times' if worker.hung else
                              f'the speech engine stopped while speaking "{text}", {ATTEMPTS} times')
                worker.close()
                worker = None
                continue
            if answer.get("ok"):
                # The worker describes what it stored, so it need not be read back here.
                return worker, ClipInfo(answer["samples"], base64.b64decode(answer["steps"]), answer["digest"])
            last_error = answer.get("error", last_error)
            if answer.get("disk_full"):
                worker.close()
                raise DiskFull(Path(answer["disk_full"]))
            if answer.get("voice_unknown"):
                worker.close()
                raise VoiceError(f"{last_error}; run `pilates-audio voices` to list the voices this machine has")
            if not answer.get("retry", True):
                break
        if worker is not None:
            worker.close()
        raise SpeechError(last_error if '"' in last_error else f'{last_error} (while speaking "{text}")')

    def length(self, text: str) -> int:
        """Return a clip's length in samples (the clip must be ensured first)."""
        return self._clips[text].length

    def info(self, text: str) -> ClipInfo:
        """Return a clip's length, profile and identity (the clip must be ensured first)."""
        return self._clips[text]

    def pcm(self, text: str) -> bytes:
        """Read a clip's audio back from the cache, checking it is the clip that was measured."""
        clip = self._load(text)
        if clip is None or clip.digest != self._clips[text].digest:
            raise SpeechError(f'the cached clip for "{text}" changed or was damaged during this run; run again',
                              retry=False)
        return clip.pcm


def _info(clip: Clip) -> ClipInfo:
    return ClipInfo(clip.length, clip.steps, clip.digest)


def list_voices() -> list[Voice]:
    """Return the voices this machine's engine offers."""
    worker = _Worker()
    try:
        answer = worker.ask({"cmd": "voices"})
    finally:
        worker.close()
    if not answer or not answer.get("ok"):
        raise SpeechError("the speech engine could not list its voices")
    return [Voice(v["id"], v["name"], tuple(v["languages"]), v["gender"]) for v in answer["voices"]]
