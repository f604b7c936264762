"""One exercise previewed alone, and music turned off in the studio: rendered by the same render, never into
the routine's folder."""

from __future__ import annotations

import json

import audiocheck
import musicfiles
from studiofiles import MAT
from test_studio_api import call, studio  # noqa: F401 (the fixture)

from pilates_audio.studio.preview import Previews

WITH_MUSIC = """\
title: Bed
language: en
music: bed.wav
pacing: {inhale: 1s, exhale: 1s, transition: 1s}
exercises:
  - {name: Lift, cues: [{say: Up., on: inhale}], reps: 2}
  - {name: Reach, hold: 1 breath}
"""


def test_a_preview_is_a_routine_of_the_one_exercise_with_the_routines_language_music_and_pacing():
    previews = Previews()
    assert previews.routine_text(WITH_MUSIC, ["exercises", 0]) == (
        "title: Lift\nlanguage: en\nmusic: bed.wav\npacing:\n  inhale: 1s\n  exhale: 1s\n  transition: 1s\n"
        "exercises:\n- name: Lift\n  cues:\n  - say: Up.\n    'on': inhale\n  reps: 2\n")
    assert "music" not in previews.routine_text(WITH_MUSIC, ["exercises", 1], music=False)
    assert previews.folder.name.startswith("pilates-audio-preview-") and previews.folder.is_dir()


def test_the_api_previews_an_exercise_that_plays_and_refuses_a_block(studio):  # noqa: F811
    port, running, folder = studio
    status, answer, _ = call(port, "POST", "/api/preview", {"name": "mat.yaml", "text": MAT, "at": ["exercises", 0]},
                             token=running.token)
    assert status == 200 and answer["mp3"].startswith("/previews/preview-") and answer["mp3"].endswith(".mp3")
    status, mp3, headers = call(port, "GET", answer["mp3"])
    assert status == 200 and headers["content-type"] == "audio/mpeg"
    path = running.previews.folder / answer["mp3"].rsplit("/", 1)[1]
    assert path.read_bytes() == mp3
    pcm = audiocheck.load(path)
    assert abs(len(pcm) / 2 / 44100 - answer["duration"]) < 0.1 and audiocheck.peak(pcm, 0, answer["duration"]) > 1000
    script = json.loads(path.with_suffix(".json").read_text())
    assert [chapter["title"] for chapter in script["chapters"]] == ["Introduction", "Lift", "Closing"]
    assert not (folder / "output").exists() and sorted(p.name for p in folder.iterdir()) == ["blocks", "mat.yaml"]
    status, answer, _ = call(port, "POST", "/api/preview", {"name": "mat.yaml", "text": MAT, "at": ["exercises", 1]},
                             token=running.token)
    assert (status, answer) == (400, {"error": "only an exercise can be previewed (a block is heard in the routine "
                                               "that includes it)"})


def test_music_turned_off_in_the_studio_is_left_out_of_the_render(studio):  # noqa: F811
    port, running, folder = studio
    musicfiles.write_wav(folder / "bed.wav", musicfiles.noise_bed(4.0))
    (folder / "bed.yaml").write_text(WITH_MUSIC, encoding="utf-8")
    status, answer, _ = call(port, "POST", "/api/render", {"name": "bed.yaml", "music": False}, token=running.token)
    assert status == 200
    assert "music" not in json.loads((folder / "output" / "bed.json").read_text())
    status, answer, _ = call(port, "POST", "/api/render", {"name": "bed.yaml"}, token=running.token)
    assert status == 200 and "music" in json.loads((folder / "output" / "bed.json").read_text())
