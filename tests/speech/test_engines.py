"""Speech engines: the conformance every engine passes, choosing one, voices, rate, and both in one render."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import re
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import audiocheck
import pytest
from checks import assert_breath_counts_exact, assert_tiles, assert_tied_cues_in_their_phases
from conftest import run_cli

from pilates_audio import engines, settings, speech
from pilates_audio.format import load
from pilates_audio.speech import piper_engine

RATE = 44100
PIPER = piper_engine.Engine().missing() is None
needs_piper = pytest.mark.skipif(not PIPER, reason="the piper extra is not installed")
ENGINES = ["fake", "pyttsx3", pytest.param("piper", marks=needs_piper)]
LINES = ["Lie on your front, arms long beside you.", "Lift the backs of the hands. Keep looking down.", "Two."]
# Spoken lines from the library, for measuring pace (about 150 words).
PACE_LINES = [
    "Lie face down with your forehead resting on a folded towel.",
    "Reach your arms long by your sides, palms turned up to the ceiling.",
    "Draw the shoulder blades gently towards each other and down the back.",
    "Keep the back of the neck long, as if someone were lifting the crown of your head.",
    "Press the tops of your feet softly into the mat and let the belly stay heavy.",
    "Lift the backs of the hands a little higher, then lower them with control.",
    "Roll the shoulders back and down, and let the breath move into the back of the ribs.",
    "Slowly bring the arms forward, keeping them just above the floor, and sweep them back again.",
    "Stay long through the spine and soften the jaw before the next repetition.",
    "Take a moment to notice the muscles working between your shoulder blades.",
]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Each engine's clips of LINES at 155 wpm, made once."""
    made = {}

    def get(name: str) -> speech.Speech:
        if name not in made:
            voices = speech.Speech(None, 155, root=tmp_path_factory.mktemp(name), engine=name)
            voices.ensure(LINES)
            made[name] = voices
        return made[name]

    return get


def test_the_engines_are_named_once_and_the_setting_offers_them_after_auto():
    assert list(speech.ENGINES) == [*engines.NAMES, "fake"]  # the test engine is never a setting
    for name, module in speech.ENGINES.items():
        assert importlib.import_module(module).Engine.name == name
    choices = settings.SETTINGS["engine"].choices
    assert choices == ("auto", "pyttsx3", "piper") == (engines.AUTO, *engines.NAMES)


# --- conformance: every engine --------------------------------------------------


@pytest.mark.parametrize("name", ENGINES)
def test_an_engine_has_voices_and_a_default(name):
    engine = speech.engine(name)
    assert engine.name == name and engine.missing() is None
    voices = engine.voices()
    assert voices and all(voice.id and voice.name for voice in voices)
    assert isinstance(engine.resolve(None), str)


@pytest.mark.parametrize("name", ENGINES)
def test_an_engines_clips_are_trimmed_faded_and_about_as_long_as_estimated(name, clips):
    voices = clips(name)
    for text in LINES:
        pcm = voices.pcm(text)
        length = len(pcm) // 2
        assert length == voices.length(text) > 0.15 * RATE
        edge = int(0.03 * RATE) * 2
        assert audiocheck.peak(pcm[:edge], 0, 0.03) > 300  # sound starts within 30 ms
        assert audiocheck.peak(pcm, length / RATE - 0.15, length / RATE) > 300  # and runs to its end
        assert abs(int.from_bytes(pcm[:2], "little", signed=True)) < 200  # faded in: no click
        assert 0.5 < length / voices.estimate(text) < 1.8, text


@pytest.mark.parametrize("name", ENGINES)
def test_an_engines_clips_are_cached_under_its_identity(name, clips, tmp_path):
    voices = clips(name)
    assert voices.identity.startswith(f"{name}/")
    again = speech.Speech(None, 155, root=voices.root, engine=name)
    assert again.missing(LINES) == []
    assert again.info(LINES[0]) == voices.info(LINES[0])
    assert speech.Speech(None, 200, root=voices.root, engine=name).missing(LINES) == LINES


@pytest.mark.parametrize("name", ENGINES)
def test_an_engine_speaks_slower_at_a_lower_rate(name, tmp_path):
    text = PACE_LINES[1]
    lengths = {}
    for rate in (120, 200):
        voices = speech.Speech(None, rate, root=tmp_path, engine=name)
        voices.ensure([text])
        lengths[rate] = voices.length(text)
    assert 1.3 < lengths[120] / lengths[200] < 2.0, lengths


@pytest.mark.parametrize("name", ENGINES)
def test_an_unknown_voice_is_refused_with_advice(name, tmp_path):
    with pytest.raises(speech.VoiceError) as caught:
        voices = speech.Speech("no-such-voice", 155, root=tmp_path, engine=name)
        voices.ensure(["Hello."])  # pyttsx3 knows its voices only once loaded
    assert "unknown" in str(caught.value) and "pilates-audio voices" in str(caught.value)


def test_the_fake_engine_is_deterministic(tmp_path):
    first = speech.Speech("high", 155, root=tmp_path / "a", engine="fake")
    second = speech.Speech("high", 155, root=tmp_path / "b", engine="fake")
    first.ensure(LINES)
    second.ensure(LINES)
    assert [first.pcm(text) for text in LINES] == [second.pcm(text) for text in LINES]
    low = speech.Speech("low", 155, root=tmp_path / "a", engine="fake")
    assert low.missing(LINES) == LINES


def test_a_voice_package_is_found_by_its_metadata_folder_without_reading_every_package(tmp_path, monkeypatch):
    model = tmp_path / "mat_piper_voice" / "xx_XX-mat-low.onnx"
    model.parent.mkdir()
    model.write_bytes(b"")
    info = tmp_path / "Mat_Piper_Voice-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Mat_Piper_Voice\nVersion: 1.0\n")
    (info / "RECORD").write_text(f"mat_piper_voice/{model.name},,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
    (tmp_path / "mat_tools-1.0.dist-info").mkdir()  # another package: its name says it holds no voice
    monkeypatch.syspath_prepend(str(tmp_path))

    def every_package():
        raise AssertionError("every installed package's metadata was read")

    monkeypatch.setattr(importlib.metadata, "distributions", every_package)
    piper_engine._packaged.cache_clear()
    try:
        assert (model, "mat-piper-voice") in piper_engine._packaged()
    finally:
        piper_engine._packaged.cache_clear()


# --- choosing an engine ---------------------------------------------------------


@needs_piper
def test_auto_is_piper_when_a_piper_voice_is_installed():
    assert speech.choose("auto").name == "piper"
    assert speech.choose("auto", "en_US-joe-medium").name == "piper"
    assert speech.choose("auto", "gmw/en-us").name == "pyttsx3"  # another engine's voice
    assert speech.choose("pyttsx3").name == "pyttsx3"


@needs_piper
def test_pacing_shows_the_engine_and_where_it_came_from(write_routine):
    path = write_routine("title: T\nexercises: [{name: A}]\n")
    result = run_cli("pacing", path, env={"PILATES_AUDIO_ENGINE": ""})
    assert re.search(r"^engine\s+auto \(piper\)\s+default$", result.stdout, re.M), result.stdout
    result = run_cli("pacing", path, "--engine", "pyttsx3")
    assert re.search(r"^engine\s+pyttsx3\s+flag$", result.stdout, re.M), result.stdout
    path = write_routine("title: T\npacing: {engine: piper}\nexercises: [{name: A}]\n")
    assert re.search(r"^engine\s+piper\s+routine", run_cli("pacing", path).stdout, re.M)


def test_without_piper_auto_is_pyttsx3_and_piper_says_how_to_install_it(monkeypatch):
    import importlib.metadata

    real = importlib.metadata.version

    def version(name):
        if name == "piper-tts":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert speech.choose("auto").name == "pyttsx3"
    assert speech.choose("auto", "en_US-joe-medium").name == "pyttsx3"
    with pytest.raises(speech.VoiceError) as caught:
        speech.choose("piper")
    assert str(caught.value) == "the piper engine is not installed; install it with pip install 'pilates-audio[piper]'"
    found = speech.list_voices()
    assert found and {engine for engine, _ in found} == {"pyttsx3"}


def test_an_unknown_engine_is_refused(write_routine):
    path = write_routine("title: T\npacing: {engine: festival}\nexercises: [{name: A}]\n")
    result = run_cli("check", path)
    assert result.code == 2
    assert result.stderr.splitlines()[0] == f"{path}:2:18: engine must be one of: auto, pyttsx3, piper"
    result = run_cli("script", path, env={"PILATES_AUDIO_ENGINE": "festival"})
    assert result.code == 2


# --- Piper's voices --------------------------------------------------------------


@needs_piper
def test_an_unknown_piper_voice_says_how_to_find_one(write_routine):
    path = write_routine("title: T\nexercises: [{name: A}]\n")
    result = run_cli("script", path, "--engine", "piper", "--voice", "en_GB-nobody-low")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: unknown Piper voice 'en_GB-nobody-low'; run `pilates-audio voices --engine piper` to list the "
        "installed ones, or `pilates-audio voices --download en_GB-nobody-low` to fetch it\n")


@needs_piper
def test_a_model_without_its_config_is_named(write_routine, tmp_path):
    model = tmp_path / "voice.onnx"
    shutil.copy(packaged_model(), model)
    path = write_routine("title: T\nexercises: [{name: A}]\n")
    result = run_cli("render", path, "-o", tmp_path / "out", "--engine", "piper", "--voice", model)
    assert result.code == 2
    assert result.stderr == (f"error: the Piper voice model {model} has no config beside it (voice.onnx.json); "
                             "put the .onnx.json file that came with the model next to it\n")
    assert not (tmp_path / "out").exists()


@needs_piper
def test_a_damaged_model_is_named_not_a_traceback(write_routine, tmp_path):
    model = tmp_path / "broken.onnx"
    model.write_bytes(packaged_model().read_bytes()[:100000])
    shutil.copy(f"{packaged_model()}.json", f"{model}.json")
    path = write_routine("title: T\nexercises: [{name: A}]\n")
    result = run_cli("render", path, "-o", tmp_path / "out", "--engine", "piper", "--voice", str(model))
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: the Piper voice model {model.resolve()} could not be loaded (")
    assert result.stderr.endswith("); it may be damaged or incomplete: download it again, "
                                  "or reinstall the package it came with\n")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


@needs_piper
def test_a_new_model_of_the_same_name_never_meets_the_old_ones_clips(tmp_path, monkeypatch):
    folder = tmp_path / "voices"
    folder.mkdir()
    model = folder / "en_US-joe-medium.onnx"
    shutil.copy(packaged_model(), model)
    config = json.loads(Path(f"{packaged_model()}.json").read_text(encoding="utf-8"))
    Path(f"{model}.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setenv("PILATES_AUDIO_VOICES", str(folder))
    monkeypatch.setenv("PILATES_AUDIO_CACHE", str(tmp_path / "cache"))
    engine = speech.engine("piper")
    assert engine.resolve("en_US-joe-medium") == str(model.resolve())  # the voices folder comes first
    before = speech.Speech("en_US-joe-medium", 155, engine=engine)
    config["inference"]["noise_scale"] = 0.5  # the same name, speaking differently
    Path(f"{model}.json").write_text(json.dumps(config), encoding="utf-8")
    after = speech.Speech("en_US-joe-medium", 155, engine=engine)
    assert before.identity != after.identity and before.path("One.") != after.path("One.")


def packaged_model() -> Path:
    return next(model for voice, model in piper_engine.installed() if voice.id == piper_engine.DEFAULT_VOICE)


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server laid out like the Piper voices repository, serving the packaged voice.

    Yields its folder and address, the voices folder, and the environment that uses both.
    """
    root = tmp_path / "mirror"
    folder = root / "en" / "en_US" / "joe" / "medium"
    folder.mkdir(parents=True)
    shutil.copy(packaged_model(), folder / "en_US-joe-medium.onnx")
    shutil.copy(f"{packaged_model()}.json", folder / "en_US-joe-medium.onnx.json")
    handler = partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    folder = tmp_path / "voices"
    yield root, url, folder, {"PILATES_AUDIO_VOICES": str(folder), "PILATES_AUDIO_VOICES_URL": url}
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@needs_piper
def test_voices_download_fetches_a_voice_that_then_speaks(mirror, tmp_path, write_routine):
    _, _, folder, env = mirror
    result = run_cli("voices", "--download", "en_US-joe-medium", env=env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"{folder / 'en_US-joe-medium.onnx'}\n"
    assert sorted(path.name for path in folder.iterdir()) == ["en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"]
    listed = run_cli("voices", "--engine", "piper", env=env).stdout.splitlines()
    assert listed[0] == f"piper\ten_US-joe-medium\tjoe\ten_US\tmedium\tfolder {folder}"
    path = write_routine("title: T\nexercises: [{name: A, reps: 1}]\n")
    result = run_cli("render", path, "-o", tmp_path / "out", "-q", "--engine", "piper", env=env)
    assert result.code == 0, result.stderr


@needs_piper
def test_a_voice_the_server_does_not_have_is_named(mirror, tmp_path):
    _, url, folder, env = mirror
    result = run_cli("voices", "--download", "en_GB-nobody-low", env=env)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == f"error: there is no Piper voice called en_GB-nobody-low at {url} (HTTP 404)\n"
    assert list(folder.iterdir()) == []  # nothing half-downloaded is left to be found


@needs_piper
def test_a_damaged_download_is_never_used(mirror, tmp_path):
    root, _, folder, env = mirror
    served = root / "en" / "en_US" / "joe" / "medium" / "en_US-joe-medium.onnx"
    served.write_bytes(served.read_bytes()[:500000])  # cut short
    result = run_cli("voices", "--download", "en_US-joe-medium", env=env)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: the downloaded voice en_US-joe-medium is not usable: ")
    assert list(folder.iterdir()) == []


@needs_piper
def test_no_network_says_so(tmp_path):
    folder = tmp_path / "voices"
    env = {"PILATES_AUDIO_VOICES": str(folder), "PILATES_AUDIO_VOICES_URL": "http://127.0.0.1:9/"}
    result = run_cli("voices", "--download", "en_US-joe-medium", env=env)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: could not download the Piper voice en_US-joe-medium: no connection "
                                    "to http://127.0.0.1:9/ (")
    assert result.stderr.endswith(f"); check the network, or copy en_US-joe-medium.onnx and "
                                  f"en_US-joe-medium.onnx.json into {folder}\n")
    assert list(folder.iterdir()) == []


# --- the same meaning on every engine --------------------------------------------


def words_per_minute(name: str, rate: int, cache: Path) -> float:
    voices = speech.Speech(None, rate, root=cache, engine=name)
    voices.ensure(PACE_LINES)
    words = sum(len(text.split()) for text in PACE_LINES)
    return words / (sum(voices.length(text) for text in PACE_LINES) / RATE) * 60


@needs_piper
@pytest.mark.slow
@pytest.mark.parametrize("rate", [120, 155, 200])
def test_the_same_rate_speaks_at_the_same_pace_on_both_engines(rate, tmp_path):
    espeak = words_per_minute("pyttsx3", rate, tmp_path)
    piper = words_per_minute("piper", rate, tmp_path)
    assert abs(piper / espeak - 1) <= 0.10, (espeak, piper)


@needs_piper
@pytest.mark.slow
@pytest.mark.parametrize("name", ["pyttsx3", "piper"])
def test_the_script_estimates_each_engines_lengths_within_ten_percent(name):
    source = Path(__file__).resolve().parents[2] / "routines" / "upper-back-pain-relief.yaml"
    estimated = run_cli("script", source, "--json", "--engine", name)
    exact = run_cli("script", source, "--json", "--exact", "--engine", name)
    assert estimated.code == exact.code == 0, exact.stderr
    speaking = [sum(cue["end"] - cue["start"] for cue in json.loads(result.stdout)["cues"] if cue["kind"] == "speech")
                for result in (estimated, exact)]
    assert abs(speaking[0] / speaking[1] - 1) <= 0.10, speaking


# --- a routine written by someone else, on each engine, and both in one render ----

OTHER = """\
title: Evening Unwind
pacing: {{engine: {engine}, inhale: 4s, exhale: 6s}}
intro: Sit tall at the front of your chair, feet flat on the floor.
exercises:
  - name: Neck release
    setup: Let your right ear drift towards your right shoulder.
    cues: [Keep both shoulders heavy., Breathe into the stretch.]
    hold: 3 breaths
    sides: [right, left]
  - name: Seated cat and cow
    setup: Hands on your knees.
    cues: [{{say: Round the back., on: exhale}}, {{say: Open the chest., on: inhale, every: 2}}]
    reps: 4
    rest: 2 breaths
  - name: Arm circles
    setup: Arms out to the sides.
    work: 20s
    cues: [Small circles., {{say: Other way., on: exhale, reps: [2]}}]
outro: Let your breath return to its own pace.
"""


@needs_piper
@pytest.mark.slow
def test_a_render_can_use_both_engines_one_after_the_other(tmp_path):
    paths = []
    for engine in ("pyttsx3", "piper", "pyttsx3"):
        path = tmp_path / f"unwind-{len(paths)}-{engine}.yaml"
        path.write_text(OTHER.format(engine=engine), encoding="utf-8")
        paths.append(path)
    out = tmp_path / "out"
    result = run_cli("render", *paths, "-o", out, "-q")
    assert result.code == 0, result.stderr
    for path in paths:
        data = json.loads((out / f"{path.stem}.json").read_text(encoding="utf-8"))
        assert data["pacing"]["engine"] == path.stem.rsplit("-", 1)[1]
        pcm = audiocheck.load(out / f"{path.stem}.mp3")
        assert abs(len(pcm) / 2 / RATE - data["duration"]) <= 0.001
        assert_tiles(data)
        loaded = load(path)
        assert_breath_counts_exact(data, loaded, 0.03)
        assert_tied_cues_in_their_phases(data, loaded, 0.03)
        assert not [c for c in data["cues"] if c["part"] == "work" and "old" in (c.get("text") or "")]
        for cue in data["cues"]:
            if cue["kind"] == "speech":
                assert audiocheck.rms(pcm, cue["start"] + 0.01, cue["end"] - 0.01) > 300, cue
            elif cue["kind"] == "pause" and cue["end"] - cue["start"] > 0.2:
                assert audiocheck.peak(pcm, cue["start"] + 0.06, cue["end"] - 0.06) < 150, cue


def test_the_timed_script_names_the_engine_that_speaks(write_routine):
    path = write_routine(OTHER.format(engine="auto"))
    data = json.loads(run_cli("script", path, "--json").stdout)
    assert data["pacing"]["engine"] == ("piper" if PIPER else "pyttsx3")
    data = json.loads(run_cli("script", path, "--json", "--engine", "pyttsx3").stdout)
    assert data["pacing"]["engine"] == "pyttsx3"


# --- pyttsx3 drivers that write other formats (macOS writes AIFF) ------------------


def aiff(samples: bytes, rate: int) -> bytes:
    """Return mono 16-bit little-endian samples as an AIFF file (big-endian, an 80-bit rate)."""
    import math
    import struct

    exponent = math.frexp(rate)[1]  # rate = mantissa * 2**exponent, mantissa in [0.5, 1)
    extended = struct.pack(">HQ", 16383 + exponent - 1, int(rate * 2 ** (64 - exponent)))
    frames = len(samples) // 2
    big = bytes(b for pair in zip(samples[1::2], samples[0::2]) for b in pair)
    comm = b"COMM" + struct.pack(">IhIh", 18, 1, frames, 16) + extended
    ssnd = b"SSND" + struct.pack(">III", 8 + len(big), 0, 0) + big
    return b"FORM" + struct.pack(">I", 4 + len(comm) + len(ssnd)) + b"AIFF" + comm + ssnd


def wav(samples: bytes, rate: int) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


class FakeDriverEngine:
    """What pyttsx3.init() returns, with a driver that writes `kind` files whatever their name."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.properties = {"voice": "fake.voice", "rate": 200,
                           "voices": [type("V", (), {"id": "fake.voice", "name": "Fake", "languages": ["en"],
                                                     "gender": None})()]}
        self.pending: list[tuple[str, str]] = []

    def getProperty(self, name):
        return self.properties[name]

    def setProperty(self, name, value):
        self.properties[name] = value

    def save_to_file(self, text, path):
        self.pending.append((text, path))

    def runAndWait(self):
        import numpy as np

        for text, path in self.pending:
            seconds = 0.06 * len(text) * 200 / self.properties["rate"]
            t = np.arange(int(seconds * 22050)) / 22050
            tone = (np.sin(2 * np.pi * 220 * t) * 12000).astype("<i2").tobytes()
            silence = bytes(2 * 2205)
            data = silence + tone + silence
            Path(path).write_bytes(aiff(data, 22050) if self.kind == "aiff" else wav(data, 22050))
        self.pending = []


@pytest.mark.parametrize("kind", ["aiff", "wav"])
def test_pyttsx3_speech_is_decoded_whatever_format_the_driver_writes(kind, monkeypatch):
    import pyttsx3

    from pilates_audio.speech import base, pyttsx3_engine

    monkeypatch.setattr(pyttsx3, "init", lambda driver=None: FakeDriverEngine(kind))
    speaker = pyttsx3_engine.SystemSpeaker()
    speaker.choose("Fake")
    samples = speaker.speak("Reach long through the spine.", 155)
    seconds = 0.06 * len("Reach long through the spine.") * 200 / 155
    assert abs(len(samples) / 2 / speaker.sample_rate - (seconds + 0.2)) < 0.01
    pcm = base.process(samples, speaker.sample_rate)
    assert abs(len(pcm) / 2 / RATE - seconds) < 0.02  # the silence either side trimmed
    assert audiocheck.peak(pcm, 0.1, 0.2) > 10000
