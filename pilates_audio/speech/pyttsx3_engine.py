"""The pyttsx3 engine: eSpeak NG on Linux, the system's own voices on macOS and Windows."""

from __future__ import annotations

import ctypes
import io
import os
import sys
import tempfile
from functools import lru_cache

from pilates_audio.speech.base import SAMPLE_RATE, SpeechError, UnknownVoice, Voice, letters_and_pauses

NAME = "pyttsx3"


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


class Engine:
    """pyttsx3, the engine every install has."""

    name = NAME

    def missing(self) -> str | None:
        return None

    def voices(self) -> list[Voice]:
        from pilates_audio.speech import pool

        return pool.ask_voices(self.name)

    def resolve(self, voice: str | None, language: str = "en") -> str:
        # Voices are known only to a loaded engine: a worker names an unknown one. Unset,
        # the voice is the language itself, which eSpeak NG's voices list (English: its default).
        if voice:
            return voice
        return "" if language.split("-")[0].lower() == "en" else language.lower()

    def identity(self, voice: str) -> str:
        # The voice as asked for: the engine's own voices change only with its version.
        return f"{NAME}/{prepare()}/{voice}"

    def estimate(self, text: str, rate: int) -> int:
        # Fitted to eSpeak NG at 120-220 wpm: `rate` words a minute of 5.5 letters, plus
        # 0.37 s at each punctuation mark inside the text; never under a short word's length.
        letters, pauses = letters_and_pauses(text)
        seconds = max(0.25, letters / 5.5 * 60 / rate + 0.37 * pauses)
        return int(seconds * SAMPLE_RATE)

    def open(self, voice: str):
        speaker = EspeakSpeaker() if sys.platform.startswith("linux") else SystemSpeaker()
        speaker.choose(voice or None)
        return speaker


class EspeakSpeaker:
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
        self.sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000)
        if self.sample_rate <= 0:
            raise SpeechError("eSpeak NG could not be initialised", retry=False)
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._take)
        current = _espeak.GetCurrentVoice()
        self.voice = (current.contents.identifier.decode("utf-8").lower()
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

    def choose(self, voice: str | None) -> None:
        if voice is not None:
            self.voice = resolve_voice(self.voices(), voice)

    def speak(self, text: str, rate: int) -> bytes:
        if self.espeak.SetVoiceByName(self.voice.encode("utf-8")) != 0:
            raise UnknownVoice(self.voice)
        self.espeak.SetParameter(self.espeak.RATE, rate, 0)
        if self.espeak.GetParameter(self.espeak.RATE) != rate:
            raise SpeechError(f"the speech engine would not take the rate {rate}")
        self._chunks = []
        self.espeak.Synth(text.encode("utf-8"), flags=self.espeak.ENDPAUSE | self.espeak.CHARS_UTF8)
        self.espeak.Synchronize()
        return b"".join(self._chunks)


class SystemSpeaker:
    """A pyttsx3 engine in this process, where the system's own speech is used (macOS, Windows)."""

    def __init__(self, driver: str | None = None) -> None:
        import pyttsx3

        self.engine = pyttsx3.init(driver)
        self.workdir = tempfile.mkdtemp(prefix="pilates-audio-speech-")
        self.voice = self.engine.getProperty("voice")
        self.sample_rate = 0  # known once a line is decoded
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

    def choose(self, voice: str | None) -> None:
        if voice is not None:
            self.voice = resolve_voice(self.voices(), voice)

    def _save(self, text: str) -> bytes:
        self.counter += 1
        # The driver decides the format whatever the name says (macOS writes AIFF).
        path = os.path.join(self.workdir, f"clip-{self.counter}.audio")
        try:
            self.engine.save_to_file(text, path)
            self.engine.runAndWait()
            if not os.path.exists(path) or os.path.getsize(path) <= 44:
                return b""
            with open(path, "rb") as handle:
                return handle.read()
        finally:
            if os.path.exists(path):
                os.unlink(path)

    def speak(self, text: str, rate: int) -> bytes:
        self.engine.setProperty("voice", self.voice)
        self.engine.setProperty("rate", rate)
        samples, self.sample_rate = decode_audio(self._save(text))
        return samples


def decode_audio(data: bytes) -> tuple[bytes, int]:
    """Return mono 16-bit samples and their rate from audio in whatever format a driver wrote."""
    if not data:
        return b"", SAMPLE_RATE
    if data[:4] == b"RIFF":
        from pilates_audio import tools

        segment = tools.pydub().AudioSegment.from_wav(io.BytesIO(data)).set_channels(1).set_sample_width(2)
        return segment.raw_data, segment.frame_rate
    # Anything else (AIFF, CAF) is left to ffmpeg to recognise, decoded at the session's rate.
    import subprocess

    from pilates_audio import tools

    result = subprocess.run([tools.ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "s16le",
                             "-ac", "1", "-ar", str(SAMPLE_RATE), "pipe:1"], input=data, capture_output=True)
    if result.returncode != 0:
        raise SpeechError(f"the speech engine's audio could not be read ({tools.failure(result.returncode, result.stderr)})")
    return result.stdout, SAMPLE_RATE


def resolve_voice(voices: list[Voice], wanted: str) -> str:
    """Return the id of the voice asked for by id, short id, name or language."""
    lowered = wanted.lower()
    for v in voices:
        if lowered in (v.id.lower(), v.id.lower().rsplit("/", 1)[-1], v.name.lower()) or lowered in (
            lang.lower() for lang in v.languages
        ):
            return v.id
    raise UnknownVoice(wanted)
