"""Hearing one exercise alone: a routine of that exercise, rendered by the same render, into the studio's own folder.

The folder is a temporary one of the studio's run, never the routine's folder or the output folder; the clip
cache makes a second preview of the same words quick. It is removed when the studio stops.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

import yaml

from pilates_audio import render
from pilates_audio.errors import InputError, ValidationError
from pilates_audio.format import Routine, check_data
from pilates_audio.format.yamltext import Loader

KEPT = ("language", "voice", "music", "pacing")  # what of the routine a preview keeps: how it sounds


class Previews:
    """The previews of one studio run, in a temporary folder of their own."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pilates-audio-preview-")).resolve()
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)

    def routine_text(self, text: str, at: list, music: bool = True) -> str:
        """Return a routine of only the exercise at `at` of the text, with the routine's language, voice and music."""
        try:
            data = yaml.load(text, Loader=Loader)
        except yaml.YAMLError:
            raise InputError("the routine must be valid YAML to preview an exercise; fix it in the YAML view") from None
        exercise: Any = data
        try:
            for step in at:
                exercise = exercise[step]
        except (KeyError, IndexError, TypeError):
            raise InputError("there is no exercise at that place in the routine") from None
        if not isinstance(exercise, dict) or "name" not in exercise:
            raise InputError("only an exercise can be previewed (a block is heard in the routine that includes it)")
        own = {key: data[key] for key in KEPT if isinstance(data, dict) and key in data and (music or key != "music")}
        alone = {"title": str(exercise["name"]), **own, "exercises": [exercise]}
        return yaml.safe_dump(alone, sort_keys=False, allow_unicode=True)

    def render(self, path: Path, text: str, at: list, pacing_of: Any, settings: dict[str, Any], music: bool = True
               ) -> render.Session:
        """Render the exercise at `at` alone with the session's pacing (`pacing_of(routine, settings)`)."""
        alone = self.routine_text(text, at, music)
        checked, problems = check_data(alone.encode("utf-8"), path, path.name)
        if problems or not isinstance(checked, Routine):
            raise ValidationError(problems)
        pacing, _ = pacing_of(checked, settings)
        key = hashlib.sha256((alone + json.dumps(settings, sort_keys=True)).encode("utf-8")).hexdigest()[:16]
        name = f"preview-{key}"
        done = self.folder / f"{name}.json"
        if done.is_file() and (self.folder / f"{name}.mp3").is_file():
            duration = json.loads(done.read_text(encoding="utf-8"))["duration"]
            return render.Session(self.folder / f"{name}.mp3", done, duration, ())
        return render.render(checked, pacing, self.folder, name=name)
