"""A speech worker process: reads requests as JSON lines, answers as JSON lines.

Run as `python -m pilates_audio.speech.worker ENGINE VOICE`. It loads one engine and
one voice, once, and speaks many lines: eSpeak can be initialised only once per
process, a Piper model takes a while to load, and two engines' copies of eSpeak NG in
one process crash it. It keeps the engine's chatter off the channel the parent reads.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import traceback
from pathlib import Path

from pilates_audio.speech.base import Speaker


def speak_checked(speaker: Speaker, text: str, rate: int, expected: int) -> bytes:
    """Speak a line, trim it, and check its length is believable; try again, then name the line."""
    from pilates_audio.speech.base import SpeechError, plausible, process
    from pilates_audio.speech.pool import ATTEMPTS

    for _ in range(ATTEMPTS):
        pcm = process(speaker.speak(text, rate), speaker.sample_rate)
        if pcm and plausible(len(pcm) // 2, expected):
            return pcm
    raise SpeechError(f'the speech engine gave no usable audio for "{text}" in {ATTEMPTS} tries; '
                      "try rewording the line", retry=False)


def main() -> None:
    # pyttsx3 prints "Audio saved to …" on stdout: answer on a private copy of the
    # real stdout and send everything else printed to stderr's bin.
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")

    def answer(message: dict) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    from pilates_audio import cache, files, speech
    from pilates_audio.files import CACHE_VARIABLE

    files.stop_on_signals()  # a worker told to stop cleans up as on Ctrl-C
    from pilates_audio.speech import clips
    from pilates_audio.speech.base import VOICES_HINT, BadVoice, SpeechError, UnknownVoice

    name, voice = sys.argv[1], sys.argv[2]
    engine = speech.engine(name)
    try:
        speaker = engine.open(voice)
    except UnknownVoice as exc:
        answer({"ready": False, "voice_error": f"{exc}; {VOICES_HINT}"})
        return
    except BadVoice as exc:
        answer({"ready": False, "voice_error": str(exc)})
        return
    except Exception as exc:  # the parent turns this into one clear message
        answer({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    answer({"ready": True})
    for raw in sys.stdin:
        request = json.loads(raw)
        try:
            if request.get("cmd") == "voices":
                answer({"ok": True, "voices": [v.__dict__ for v in speaker.voices()]})
                continue
            text, rate = request["text"], request["rate"]
            pcm = speak_checked(speaker, text, rate, engine.estimate(text, rate))
            info = clips.store(Path(request["out"]), pcm)
            answer({"ok": True, "samples": info.length, "digest": info.digest,
                    "steps": base64.b64encode(info.steps).decode("ascii")})
        except files.DiskFull as exc:
            answer({"ok": False, "error": str(exc), "retry": False, "disk_full": str(exc.folder)})
        except SpeechError as exc:
            answer({"ok": False, "error": str(exc), "retry": exc.retry})
        except Exception as exc:
            if isinstance(exc, OSError) and cache.unwritable(exc):
                root = Path(request["out"]).parents[3]  # <cache>/clips/<voice>/<shard>/<clip>
                answer({"ok": False, "error": f"the cache {root} cannot be written ({exc.strerror}) and lacks this "
                                              f"speech; set {CACHE_VARIABLE} to a folder you can write to",
                        "retry": False})
                continue
            answer({"ok": False, "error": f"{type(exc).__name__}: {exc}", "retry": True,
                    "detail": traceback.format_exc()})


if __name__ == "__main__":
    main()
