"""Faults injected into every Python process of a test run (the CLI and its speech workers).

A test puts this folder on PYTHONPATH and sets PILATES_AUDIO_FAULT to one of:
  full:FOLDER[:BYTES]  writes under FOLDER fail with ENOSPC once BYTES (default 0) are written
  silent:TEXT          the speech engine returns no audio for lines containing TEXT
  silent-once:TEXT     ...only on the first try in each worker
  hang:TEXT            the speech engine never returns on lines containing TEXT
  timeout:SECONDS      the CLI waits this long for a line (instead of a minute)
Several faults are separated by ";".
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import time

FAULTS = [item.split(":", 1) for item in os.environ.get("PILATES_AUDIO_FAULT", "").split(";") if ":" in item]


def _full(folder: str, budget: int) -> None:
    """Make writes under `folder` fail as on a full device, after `budget` bytes."""
    root = os.path.realpath(folder) + os.sep
    real_open = io.open
    left = [budget]

    def spend(write, data):
        """Write what the budget has room for; past it, fail as a full device does."""
        room = left[0]
        if len(data) > room:
            if room:
                write(data[:room])
            left[0] = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        left[0] -= len(data)
        return write(data)

    class FullFile:
        def __init__(self, handle):
            self._handle = handle

        def write(self, data):
            return spend(self._handle.write, data)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._handle.close()

        def __iter__(self):
            return iter(self._handle)

        def __getattr__(self, name):
            return getattr(self._handle, name)

    def fault_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        writing = any(flag in mode for flag in "wax+")
        if writing and isinstance(file, (str, os.PathLike)) and os.path.realpath(file).startswith(root):
            return FullFile(handle)
        return handle

    real_write = os.write

    def fault_write(fd, data):
        # Files written with os.write (the cache's entries are) count against the same budget.
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if not target.startswith(root):
            return real_write(fd, data)
        return spend(lambda chunk: real_write(fd, chunk), data)

    builtins.open = io.open = fault_open
    os.write = fault_write


def _speech(kind: str, text: str) -> None:
    """Break every speech engine on lines containing `text`."""
    from pilates_audio.speech import piper_engine, pyttsx3_engine

    tried: set[str] = set()

    def broken(real):
        def speak(self, line, rate):
            if text in line:
                if kind == "hang":
                    time.sleep(3600)
                if kind == "silent" or line not in tried:
                    tried.add(line)
                    return b""
            return real(self, line, rate)

        return speak

    for speaker in (pyttsx3_engine.EspeakSpeaker, piper_engine.Speaker):
        speaker.speak = broken(speaker.speak)


for kind, argument in FAULTS:
    if kind == "full":
        folder, _, budget = argument.rpartition(":") if argument.rsplit(":", 1)[-1].isdigit() else (argument, "", "0")
        _full(folder, int(budget))
    elif kind in ("silent", "silent-once", "hang"):
        _speech(kind, argument)
    elif kind == "timeout":
        from pilates_audio.speech import pool

        pool.CLIP_TIMEOUT = float(argument)
