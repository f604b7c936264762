"""The studio's work on a folder: names kept inside it, saves that never lose an edit, checks, estimates, renders."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from studiofiles import BLOCK, MAT

from pilates_audio.errors import InputError, ValidationError
from pilates_audio.format import Routine
from pilates_audio.studio.workspace import BadName, Conflict, NotFound, Superseded, Workspace, version_of


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "blocks").mkdir()
    (tmp_path / "mat.yaml").write_text(MAT, encoding="utf-8")
    (tmp_path / "blocks" / "end.yaml").write_text(BLOCK, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a routine")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text(MAT)
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "old.yaml").write_text(MAT)  # in the output folder: not listed
    return tmp_path


def test_routines_and_blocks_are_listed_by_name(folder):
    os.symlink("/etc/hostname", folder / "out.yaml")  # a link out of the folder is not listed
    assert Workspace(folder, folder / "output").names() == ["mat.yaml", "blocks/end.yaml"]


@pytest.mark.parametrize("name, message", [
    ("../x.yaml", "'../x.yaml' is not a routine name; give a path inside the folder, such as mat.yaml or "
                  "blocks/warm-up.yaml"),
    ("/etc/x.yaml", "'/etc/x.yaml' is not a routine name; give a path inside the folder, such as mat.yaml or "
                    "blocks/warm-up.yaml"),
    ("blocks/../mat.yaml", "'blocks/../mat.yaml' is not a routine name; give a path inside the folder, such as "
                           "mat.yaml or blocks/warm-up.yaml"),
    ("a\\b.yaml", "'a\\b.yaml' is not a routine name; give a path inside the folder, such as mat.yaml or "
                  "blocks/warm-up.yaml"),
    (".hidden/x.yaml", "'.hidden/x.yaml' is not a routine name; give a path inside the folder, such as mat.yaml or "
                       "blocks/warm-up.yaml"),
    ("notes.txt", "'notes.txt' is not a YAML file name (.yaml or .yml)"),
    ("link.yaml", "'link.yaml' leads out of the folder"),
])
def test_names_outside_the_folder_are_refused(folder, name, message):
    os.symlink(folder.parent / "elsewhere.yaml", folder / "link.yaml")
    with pytest.raises(BadName) as caught:
        Workspace(folder, folder / "output").read(name)
    assert caught.value.message == message
    assert caught.value.exit_code == 2


def test_a_missing_routine_is_not_found(folder):
    with pytest.raises(NotFound) as caught:
        Workspace(folder, folder / "output").read("gone.yaml")
    assert caught.value.message == f"no routine named 'gone.yaml' in {folder.resolve()}"


def test_a_save_based_on_an_old_version_is_refused_and_nothing_is_lost(folder):
    space = Workspace(folder, folder / "output")
    opened = space.read("mat.yaml")
    assert opened.version == version_of(MAT.encode())
    saved = space.save("mat.yaml", MAT.replace("Lift", "Lift high"), opened.version)
    assert (folder / "mat.yaml").read_text() == MAT.replace("Lift", "Lift high")
    # Another editor still has the first version open: its save is refused, the file kept.
    with pytest.raises(Conflict) as caught:
        space.save("mat.yaml", MAT.replace("Lift", "Lift low"), opened.version)
    assert caught.value.message == ("mat.yaml changed on disk since it was opened; your text is kept: save again to replace "
                                    "the file with it, or reload the file from disk")
    assert caught.value.current == saved.version
    assert (folder / "mat.yaml").read_text() == MAT.replace("Lift", "Lift high")


def test_concurrent_saves_of_one_version_let_exactly_one_through(folder):
    space = Workspace(folder, folder / "output")
    opened = space.read("mat.yaml")
    results: list[str] = []

    def save(n: int) -> None:
        try:
            space.save("mat.yaml", MAT.replace("Lift", f"Lift {n}"), opened.version)
            results.append(f"saved {n}")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[:7] == ["conflict"] * 7
    winner = next(r for r in results if r.startswith("saved")).split()[1]
    assert (folder / "mat.yaml").read_text() == MAT.replace("Lift", f"Lift {winner}")


def test_a_new_file_never_replaces_one_that_exists(folder):
    space = Workspace(folder, folder / "output")
    space.save("new/first.yaml", MAT, None)
    assert (folder / "new" / "first.yaml").read_text() == MAT
    with pytest.raises(Conflict) as caught:
        space.save("mat.yaml", "title: other\n", None)
    assert caught.value.message == "mat.yaml already exists; open it instead"
    assert (folder / "mat.yaml").read_text() == MAT


def test_unsaved_text_is_checked_as_if_it_were_the_file(folder):
    space = Workspace(folder, folder / "output")
    checked, problems = space.check("mat.yaml", MAT.replace("reps: 2", "reps: two").replace("end.yaml", "gone.yaml"))
    assert checked is None
    assert [str(p) for p in problems] == [
        "mat.yaml:4:24: reps must be a whole number, at least 1",
        "mat.yaml:5:14: included file 'blocks/gone.yaml' was not found (paths are relative to this file)",
    ]
    checked, problems = space.check("mat.yaml", MAT)
    assert problems == [] and isinstance(checked, Routine)
    assert [e.name for e in checked.exercises] == ["Lift", "Reach"]
    assert (folder / "mat.yaml").read_text() == MAT  # checking writes nothing


def test_an_estimate_gives_the_timeline_and_where_each_setting_came_from(folder):
    space = Workspace(folder, folder / "output")
    first = space.estimate("mat.yaml", MAT)
    slower = space.estimate("mat.yaml", MAT, {"inhale": "3s", "preset": "gentle"})
    assert slower["duration"] > first["duration"] > 0
    assert slower["pacing"]["inhale"] == {"value": 3.0, "source": "studio"}
    assert slower["pacing"]["exhale"] == {"value": 1.0, "source": "routine"}
    assert first["pacing"]["inhale"]["source"] == "routine"
    assert [c["title"] for c in first["script"]["chapters"]] == ["Introduction", "Lift", "Reach", "Closing"]
    with pytest.raises(InputError) as caught:
        space.estimate("mat.yaml", MAT, {"inhale": "soon", "tempo": "fast"})
    assert caught.value.message == ("inhale: 'soon' is not a duration; use seconds (20s), minutes (1m, 1m30s), a "
                                    "number of seconds, or breaths (3 breaths); unknown pacing setting 'tempo'")
    with pytest.raises(ValidationError):
        space.estimate("mat.yaml", "title: [")
    with pytest.raises(InputError) as caught:
        space.estimate("blocks/end.yaml", BLOCK)
    assert caught.value.message == ("blocks/end.yaml is a block (a list of exercises): it is planned as part of a "
                                    "routine that includes it")


def test_renders_of_one_sessions_files_never_run_two_at_a_time(folder, monkeypatch):
    from pilates_audio import render

    space = Workspace(folder, folder / "out")
    running, most = [0], [0]
    entered, release = threading.Event(), threading.Event()
    real = render.render

    def slow(*args, **kwargs):
        running[0] += 1
        most[0] = max(most[0], running[0])
        entered.set()
        release.wait(30)
        try:
            return real(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(render, "render", slow)
    outcomes: dict[str, object] = {}

    def ask(label: str, inhale: str) -> None:
        try:
            outcomes[label] = space.render("mat.yaml", {"inhale": inhale})
        except Superseded as exc:
            outcomes[label] = exc.message

    first = threading.Thread(target=ask, args=("first", "1s"))
    first.start()
    assert entered.wait(30)
    waiting = [threading.Thread(target=ask, args=(label, inhale)) for label, inhale in (("second", "2s"),
                                                                                         ("third", "3s"))]
    for thread in waiting:
        thread.start()
        thread.join(0.3)  # queued behind the first, in this order
    waiting[0].join(5)  # the second gave way to the third at once: it does not wait for the first to end
    assert outcomes["second"] == "a newer render of mat.yaml was asked for; this one was dropped"
    release.set()
    for thread in [first, *waiting]:
        thread.join(120)
    assert most[0] == 1
    assert outcomes["second"] == "a newer render of mat.yaml was asked for; this one was dropped"
    assert outcomes["first"].mp3 == outcomes["third"].mp3 == folder / "out" / "mat.mp3"
    import json

    assert json.loads((folder / "out" / "mat.json").read_text())["pacing"]["inhale"] == 3.0  # the newest won


@pytest.mark.parametrize("before, after", [
    ("title: A\npacing: {inhale: 1s, exhale: 1s}\nexercises: []\n",
     "title: A\npacing: {inhale: 5s, exhale: 1s, rate: 150}\nexercises: []\n"),
    ("# kept\ntitle: A  # kept too\npacing:\n  preset: gentle\n  inhale: 4s\n\nexercises: []\n",
     "# kept\ntitle: A  # kept too\npacing:\n  preset: gentle\n  inhale: 5s\n  rate: 150\n\nexercises: []\n"),
    ("title: A\nexercises: []\n", "title: A\npacing: {inhale: 5s, rate: 150}\nexercises: []\n"),
    ("title: >-\n  A long\n  title\nexercises: []\n",
     "title: >-\n  A long\n  title\npacing: {inhale: 5s, rate: 150}\nexercises: []\n"),
])
def test_the_studios_pacing_is_written_into_the_routines_pacing_block(before, after):
    from pilates_audio.studio.workspace import with_pacing

    assert with_pacing(before, {"inhale": "5s", "rate": 150, "exhale": ""}) == after


def test_pacing_is_written_only_into_a_routine_that_reads(folder):
    from pilates_audio.studio.workspace import with_pacing

    for text, message in (("title: [", "the routine must be valid YAML before pacing is written into it"),
                          (BLOCK, "pacing is written into a routine (a mapping with a title), not a block")):
        with pytest.raises(InputError) as caught:
            with_pacing(text, {"inhale": "5s"})
        assert caught.value.message == message
    with pytest.raises(InputError) as caught:
        with_pacing(MAT, {"inhale": ""})
    assert caught.value.message == "nothing is set in the studio's pacing panel to write"


def test_a_pacing_file_is_saved_beside_the_routine_and_used_by_render(folder):
    from conftest import run_cli

    space = Workspace(folder, folder / "output")
    assert space.save_pacing("mat.yaml", {"inhale": "2s", "count_reps": False}) == "mat.pacing.yaml"
    assert (folder / "mat.pacing.yaml").read_text() == "inhale: 2s\ncount_reps: false\n"
    assert "mat.pacing.yaml" not in space.names()  # not a routine
    with pytest.raises(Conflict) as caught:
        space.save_pacing("mat.yaml", {"inhale": "3s"})
    assert caught.value.message == "mat.pacing.yaml already exists; open it instead"
    space.save_pacing("mat.yaml", {"inhale": "3s"}, replace=True)
    assert (folder / "mat.pacing.yaml").read_text() == "inhale: 3s\n"
    shown = run_cli("pacing", folder / "mat.yaml", "--pacing", folder / "mat.pacing.yaml")
    assert shown.code == 0 and "inhale" in shown.stdout and f"pacing file {folder / 'mat.pacing.yaml'}" in shown.stdout
    with pytest.raises(InputError) as caught:
        space.save_pacing("mat.yaml", {"rate": "fast"})
    assert caught.value.message.startswith("rate: ")


def test_a_routine_whose_session_another_routine_writes_is_not_rendered(folder):
    (folder / "sub").mkdir()
    (folder / "sub" / "mat.yaml").write_text(MAT.replace("blocks/", "../blocks/"), encoding="utf-8")
    space = Workspace(folder, folder / "out")
    with pytest.raises(InputError) as caught:
        space.render("sub/mat.yaml")
    assert caught.value.message == (f"mat.yaml and sub/mat.yaml would both be written as {folder / 'out' / 'mat'}.mp3 "
                                    "(and its .json, .vtt, .chapters.json); rename one")
    assert not (folder / "out").exists()
    (folder / "blocks" / "mat.yaml").write_text(BLOCK)  # a block of that name is never rendered: no clash
    (folder / "sub" / "mat.yaml").unlink()
    assert space.render("mat.yaml").mp3 == folder / "out" / "mat.mp3"


def test_what_a_save_killed_mid_write_left_is_swept_when_the_studio_starts_and_saves(folder):
    import subprocess
    import sys

    from pilates_audio.files import TEMP_PREFIX
    from pilates_audio.studio import app as studio_app

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id no process has any more: a studio killed while it saved
    left = [folder / f"{TEMP_PREFIX}{gone.pid}-0.tmp", folder / "blocks" / f"{TEMP_PREFIX}{gone.pid}-3.tmp"]
    alive = folder / f"{TEMP_PREFIX}{os.getpid()}-7.tmp"  # a studio still saving: left alone
    for path in left + [alive]:
        path.write_bytes(b"title: hal")
    running = studio_app.start(folder, folder / "output", "127.0.0.1", 0, allow_network=False)
    running.server.socket.close()  # never served: starting is what sweeps
    assert [path.exists() for path in left] == [False, False] and alive.exists()
    again = folder / "blocks" / f"{TEMP_PREFIX}{gone.pid}-4.tmp"
    again.write_bytes(b"- name: ha")
    space = Workspace(folder, folder / "output")
    space.save("blocks/end.yaml", BLOCK, space.read("blocks/end.yaml").version)
    assert not again.exists() and alive.exists()
