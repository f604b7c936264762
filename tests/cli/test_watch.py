"""render --watch: re-render on save, keep going through mistakes, stop cleanly on Ctrl-C."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from streams import lines_of, next_line

ROUTINE = "title: Watched\npacing: {{inhale: {inhale}, exhale: 1s, transition: 1s}}\nexercises:\n  - name: Lift\n    reps: 2\n"


def test_watch_rerenders_on_save_and_survives_a_broken_file(tmp_path: Path):
    source = tmp_path / "watched.yaml"
    source.write_text(ROUTINE.format(inhale="1s"))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "pilates_audio", "render", str(source), "-o", str(out), "--watch"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )
    stdout, stderr = queue.Queue(), queue.Queue()
    threading.Thread(target=lines_of, args=(process.stdout, stdout), daemon=True).start()
    threading.Thread(target=lines_of, args=(process.stderr, stderr), daemon=True).start()
    try:
        first = next_line(stdout)
        assert first.startswith(f"{out / 'watched.mp3'}\t")
        before = json.loads((out / "watched.json").read_text())["duration"]

        time.sleep(0.05)
        source.write_text(ROUTINE.format(inhale="4s"))  # 3 s more per breath: two reps and the settling breath
        second = next_line(stdout)
        after = json.loads((out / "watched.json").read_text())["duration"]
        assert second.startswith(f"{out / 'watched.mp3'}\t")
        assert abs(after - before - 9.0) <= 1152 / 44100  # each session ends on a whole MP3 frame

        source.write_text("title: Watched\nexercises: []\n")
        deadline = time.time() + 60
        messages = []
        while not any("exercises is empty" in m for m in messages) and time.time() < deadline:
            messages.append(next_line(stderr))
        assert f"{source}:2:12: exercises is empty; list at least one exercise\n" in messages
        assert json.loads((out / "watched.json").read_text())["duration"] == after  # the last good one stays

        source.write_text(ROUTINE.format(inhale="1s"))
        assert next_line(stdout).startswith(f"{out / 'watched.mp3'}\t")
        assert json.loads((out / "watched.json").read_text())["duration"] == before
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "watched.chapters.json", "watched.json", "watched.mp3", "watched.vtt"]


def test_watch_reports_an_os_error_and_watches_on(tmp_path: Path):
    import shutil

    source = tmp_path / "watched.yaml"
    source.write_text(ROUTINE.format(inhale="1s"))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "pilates_audio", "render", str(source), "-o", str(out), "--watch", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )
    stdout, stderr = queue.Queue(), queue.Queue()
    threading.Thread(target=lines_of, args=(process.stdout, stdout), daemon=True).start()
    threading.Thread(target=lines_of, args=(process.stderr, stderr), daemon=True).start()
    try:
        assert next_line(stdout).startswith(f"{out / 'watched.mp3'}\t")
        shutil.rmtree(out)
        out.write_text("a file where the output folder was")  # the next render cannot write there
        time.sleep(0.05)
        source.write_text(ROUTINE.format(inhale="2s"))
        message = next_line(stderr)
        assert message.startswith("error: ") and str(out) in message, message
        assert process.poll() is None  # still watching
        out.unlink()
        time.sleep(0.05)
        source.write_text(ROUTINE.format(inhale="3s"))
        assert next_line(stdout).startswith(f"{out / 'watched.mp3'}\t")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0
