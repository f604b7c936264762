"""Speech worker processes: one engine each, one per core, fed lines and storing clips."""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from pilates_audio.errors import PilatesAudioError
from pilates_audio.files import DiskFull
from pilates_audio.speech.base import SpeechError, Voice, VoiceError
from pilates_audio.speech.clips import ClipInfo

ATTEMPTS = 3
CLIP_TIMEOUT = 60.0  # seconds a line may take before its worker counts as hung
START_TIMEOUT = 120.0  # seconds a worker may take to load its engine and voice


class Worker:
    """One speech worker process, holding one engine and voice, and the channel to it."""

    def __init__(self, engine: str, voice: str) -> None:
        env = dict(os.environ)
        # The package may be run from a source tree that is not installed.
        root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pilates_audio.speech.worker", engine, voice],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
        )
        hello = self._read(START_TIMEOUT)
        if not hello or not hello.get("ready"):
            self.close()
            hello = hello or {}
            if hello.get("voice_error"):
                raise VoiceError(hello["voice_error"])
            reason = hello.get("error") or "it stopped while starting"
            raise PilatesAudioError(f"the {engine} speech engine could not start: {reason}")

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


def synthesize(engine: str, voice: str, rate: int, jobs: list[tuple[str, Path]], workers: int,
               done: Callable[[str, ClipInfo], None]) -> None:
    """Speak each (text, cache path) job on up to `workers` processes, telling `done` as each is stored."""
    todo: queue.Queue[tuple[str, Path]] = queue.Queue()
    for job in jobs:
        todo.put(job)
    failures: list[BaseException] = []

    def run() -> None:
        worker: Worker | None = None
        try:
            while not failures:
                try:
                    text, out = todo.get_nowait()
                except queue.Empty:
                    return
                worker, info = _speak(worker, engine, voice, rate, text, out)
                done(text, info)
        except BaseException as exc:  # handed to the main thread below
            failures.append(exc)
        finally:
            if worker is not None:
                worker.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(min(workers, len(jobs)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _speak(worker: Worker | None, engine: str, voice: str, rate: int, text: str, out: Path
           ) -> tuple[Worker, ClipInfo]:
    """Have a worker speak and store one line, restarting it if it dies or hangs."""
    request = {"text": text, "rate": rate, "out": str(out)}
    last_error = ""
    for _ in range(ATTEMPTS):
        if worker is None:
            worker = Worker(engine, voice)
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
        if not answer.get("retry", True):
            break
    if worker is not None:
        worker.close()
    raise SpeechError(last_error if '"' in last_error else f'{last_error} (while speaking "{text}")')


def ask_voices(engine: str) -> list[Voice]:
    """Return the voices a worker's engine reports."""
    worker = Worker(engine, "")
    try:
        answer = worker.ask({"cmd": "voices"})
    finally:
        worker.close()
    if not answer or not answer.get("ok"):
        raise SpeechError("the speech engine could not list its voices")
    return [Voice(**v) for v in answer["voices"]]
