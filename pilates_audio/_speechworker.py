"""A speech worker process: reads requests as JSON lines, answers as JSON lines.

Run as `python -m pilates_audio._speechworker`. It owns one pyttsx3 engine, because
eSpeak can be initialised only once per process, and keeps the engine's chatter off
the channel the parent reads.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import traceback


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

    from pilates_audio import files, speech

    workdir = tempfile.mkdtemp(prefix="pilates-audio-speech-")
    try:
        try:
            engine = speech.LocalEngine(workdir)
        except Exception as exc:  # the parent turns this into one clear message
            answer({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
            return
        answer({"ready": True})
        for raw in sys.stdin:
            request = json.loads(raw)
            try:
                if request.get("cmd") == "voices":
                    answer({"ok": True, "voices": [v.__dict__ for v in engine.voices()]})
                    continue
                info = engine.synthesize_to_cache(request["text"], request["voice"], request["rate"], request["out"])
                answer({"ok": True, "samples": info.length, "digest": info.digest,
                        "steps": base64.b64encode(info.steps).decode("ascii")})
            except files.DiskFull as exc:
                answer({"ok": False, "error": str(exc), "retry": False, "disk_full": str(exc.folder)})
            except speech.SpeechError as exc:
                answer({"ok": False, "error": str(exc), "retry": exc.retry,
                        "voice_unknown": isinstance(exc, speech.UnknownVoice)})
            except Exception as exc:
                answer({"ok": False, "error": f"{type(exc).__name__}: {exc}", "retry": True,
                        "detail": traceback.format_exc()})
    finally:
        for name in os.listdir(workdir):
            os.unlink(os.path.join(workdir, name))
        os.rmdir(workdir)


if __name__ == "__main__":
    main()
