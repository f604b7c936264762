"""Catalogues made for the batch tests: small routines, a manifest, and a check that a session is whole."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import audiocheck

TINY = """
title: Tiny
intro: Lie down.
exercises:
  - name: Lift
    reps: 2-4
    rest: 1 breath
outro: Done.
"""
SMALL = """
title: Small
exercises:
  - name: Roll
    reps: 3
"""
MANIFEST = """
collection: Tiny set
routines: [routines/*.yaml]
variants:
  pace: [gentle, brisk]
  length: [1m]
  language: [en, de]
exclude:
  - {pace: brisk, language: de}
"""


def catalogue(folder: Path, manifest: str = MANIFEST, routines: dict[str, str] | None = None) -> Path:
    """Write a manifest and its routines into `folder`; return the manifest's path."""
    (folder / "routines").mkdir(parents=True, exist_ok=True)
    for name, text in (routines or {"tiny": TINY, "small": SMALL}).items():
        (folder / "routines" / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    path = folder / "manifest.yaml"
    path.write_text(textwrap.dedent(manifest).lstrip(), encoding="utf-8")
    return path


def assert_whole(folder: Path, name: str) -> None:
    """A session is whole: all its files, an MP3 that decodes to its script's length, no temporary files."""
    for suffix in (".mp3", ".json", ".vtt", ".chapters.json"):
        assert (folder / f"{name}{suffix}").is_file(), f"{name}{suffix} is missing"
    script = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    decoded = len(audiocheck.load(folder / f"{name}.mp3")) / 2 / audiocheck.RATE
    assert abs(decoded - script["duration"]) < 0.1
    assert not [p for p in folder.iterdir() if p.name.startswith(".pilates-audio-")]
