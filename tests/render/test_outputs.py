"""A render never writes over its own inputs, or one session over another, and refuses before any work."""

from __future__ import annotations

import os

from conftest import run_cli

ROUTINE = "title: Mat\nexercises: [{name: Roll up, reps: 2}]\n"


def test_a_json_routine_rendered_into_its_own_folder_is_kept(tmp_path):
    source = tmp_path / "mat.json"
    source.write_text('{"title": "Mat", "exercises": [{"name": "Roll up", "reps": 2}]}\n', encoding="utf-8")
    before = source.read_bytes()
    result = run_cli("render", "mat.json", "-o", ".", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: mat.json: rendering would write its .json over the routine mat.json; choose "
                             "another output folder with -o, or rename the file\n")
    assert source.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["mat.json"]


def test_an_included_block_and_a_pacing_file_are_inputs_too(tmp_path):
    (tmp_path / "warm.json").write_text('[{"name": "March", "reps": 2}]\n', encoding="utf-8")
    (tmp_path / "warm.yaml").write_text("title: Warm\nexercises: [{include: warm.json}]\n", encoding="utf-8")
    result = run_cli("render", "warm.yaml", "-o", ".", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == ("error: warm.yaml: rendering would write its .json over the block warm.json; choose "
                             "another output folder with -o, or rename the file\n")
    (tmp_path / "mat.yaml").write_text(ROUTINE, encoding="utf-8")
    (tmp_path / "mat.vtt").write_text("inhale: 5s\n", encoding="utf-8")
    result = run_cli("render", "mat.yaml", "-o", ".", "--pacing", "mat.vtt", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == ("error: mat.yaml: rendering would write its .vtt over the pacing file mat.vtt; choose "
                             "another output folder with -o, or rename the file\n")
    assert (tmp_path / "mat.vtt").read_text(encoding="utf-8") == "inhale: 5s\n"


def test_the_cover_is_an_input_too_whatever_its_type(tmp_path):
    from pictures import tiny_png

    for cover in ("mat.cover.png", "mat.cover.jpeg"):
        (tmp_path / cover).write_bytes(tiny_png())
        (tmp_path / "mat.yaml").write_text(f"title: Mat\ncover: {cover}\nexercises: [{{name: A, reps: 1}}]\n",
                                           encoding="utf-8")
        result = run_cli("render", "mat.yaml", "-o", ".", cwd=tmp_path)
        assert result.code == 2
        assert result.stderr == (f"error: mat.yaml: rendering would write its {cover[3:]} over the cover {cover}; "
                                 "choose another output folder with -o, or rename the file\n")
        assert (tmp_path / cover).read_bytes() == tiny_png()


def test_two_routines_of_one_name_are_not_rendered_over_each_other(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "session.yaml").write_text(ROUTINE, encoding="utf-8")
    result = run_cli("render", "a/session.yaml", "b/session.yaml", "-o", "out", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: a/session.yaml and b/session.yaml would both be written as out/session.mp3 (and "
                             "its .json, .vtt, .chapters.json); render them into different folders with -o, or "
                             "rename one\n")
    assert not (tmp_path / "out").exists()


def test_a_name_too_long_for_its_files_is_refused_before_any_work(tmp_path):
    name = "m" * 241  # 241 + len(".chapters.json") = 255 fits; one more does not
    (tmp_path / f"{name}.yaml").write_text(ROUTINE, encoding="utf-8")
    result = run_cli("render", f"{name}.yaml", "-o", "out", "-q", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert len(os.listdir(tmp_path / "out")) == 4
    longer = "m" * 242
    (tmp_path / f"{longer}.yaml").write_text(ROUTINE, encoding="utf-8")
    result = run_cli("render", f"{longer}.yaml", "-o", "out2", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == (f"error: {longer}.yaml: its name is too long for the files a session is written to "
                             "(256 bytes as .chapters.json; the limit is 255); rename the routine file\n")
    assert not (tmp_path / "out2").exists()


def test_pipes_and_devices_are_refused_at_once_never_read(tmp_path):
    import time

    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "mat.yaml").write_text(ROUTINE, encoding="utf-8")
    (tmp_path / "covered.yaml").write_text("title: C\ncover: zero.png\nexercises: [{name: A, reps: 1}]\n",
                                           encoding="utf-8")
    (tmp_path / "zero.png").symlink_to("/dev/zero")
    (tmp_path / "piped.yaml").write_text("title: P\ncover: fifo.png\nexercises: [{name: A, reps: 1}]\n",
                                         encoding="utf-8")
    os.mkfifo(tmp_path / "fifo.png")
    started = time.monotonic()
    result = run_cli("check", "fifo", "covered.yaml", "piped.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == (
        "covered.yaml:2:8: cover image 'zero.png' is not a regular file (a pipe, a device or a folder); give a JPEG "
        "or PNG file\n"
        "fifo:1:1: is not a regular file (a pipe, a device or a socket); give the path of a YAML file\n"
        "piped.yaml:2:8: cover image 'fifo.png' is not a regular file (a pipe, a device or a folder); give a JPEG or "
        "PNG file\n"
        "3 problems found; nothing was written.\n")
    result = run_cli("render", "mat.yaml", "--pacing", "fifo", "-o", "out", cwd=tmp_path)
    assert result.code == 2 and result.stderr.startswith("fifo:1:1: is not a regular file")
    assert time.monotonic() - started < 20  # answered, not waiting for a writer
    assert not (tmp_path / "out").exists()


def test_one_routines_files_never_replace_or_remove_another_routines_inputs(tmp_path):
    (tmp_path / "x" / "out").mkdir(parents=True)
    (tmp_path / "x" / "a.yaml").write_text(ROUTINE, encoding="utf-8")
    block = "[{name: Reach, hold: 1 breath}]\n"  # a block written as JSON, kept where a's script goes
    (tmp_path / "x" / "out" / "a.json").write_text(block, encoding="utf-8")
    (tmp_path / "x" / "y.yaml").write_text("title: Y\nexercises:\n  - include: out/a.json\n", encoding="utf-8")
    result = run_cli("render", "x/a.yaml", "x/y.yaml", "-o", "x/out", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: x/a.yaml: rendering would write its .json over the block x/out/a.json; choose "
                             "another output folder with -o, or rename the file\n")
    assert (tmp_path / "x" / "out" / "a.json").read_text() == block
    # A cover another routine uses is never removed as a leftover of a's.
    from pictures import tiny_png

    (tmp_path / "x" / "out" / "a.json").unlink()
    (tmp_path / "x" / "out" / "a.cover.png").write_bytes(tiny_png())
    (tmp_path / "x" / "y.yaml").write_text("title: Y\ncover: out/a.cover.png\nexercises: [{name: A, reps: 1}]\n",
                                           encoding="utf-8")
    result = run_cli("render", "x/a.yaml", "x/y.yaml", "-o", "x/out", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr == ("error: x/a.yaml: rendering would write its .cover.png over the cover x/out/a.cover.png; "
                             "choose another output folder with -o, or rename the file\n")
    assert (tmp_path / "x" / "out" / "a.cover.png").read_bytes() == tiny_png()


def test_two_sessions_that_would_write_one_file_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(ROUTINE, encoding="utf-8")
    (tmp_path / "a.chapters.yaml").write_text(ROUTINE, encoding="utf-8")
    result = run_cli("render", "a.yaml", "a.chapters.yaml", "-o", "out", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: a.yaml and a.chapters.yaml would both write out/a.chapters.json; render them "
                             "into different folders with -o, or rename one\n")
    assert not (tmp_path / "out").exists()


def test_a_routine_named_twice_is_rendered_once(tmp_path):
    (tmp_path / "a.yaml").write_text(ROUTINE, encoding="utf-8")
    result = run_cli("render", "a.yaml", "./a.yaml", "-o", "out", "-q", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("out/a.mp3\t")


def test_an_output_folder_that_cannot_be_made_or_a_folder_in_a_files_place_is_refused_at_once(tmp_path):
    (tmp_path / "a.yaml").write_text(ROUTINE, encoding="utf-8")
    (tmp_path / "afile").write_text("a file")
    result = run_cli("render", "a.yaml", "-o", "afile/sub", cwd=tmp_path)
    assert (result.code, result.stderr) == (2, "error: afile is not a folder, so afile/sub cannot be made; choose "
                                               "another output folder with -o\n")
    (tmp_path / "out" / "a.vtt").mkdir(parents=True)
    result = run_cli("render", "a.yaml", "-o", "out", cwd=tmp_path)
    assert (result.code, result.stderr) == (2, "error: out/a.vtt is a folder, where a.yaml writes its .vtt; move it "
                                               "away or choose another output folder with -o\n")
    assert sorted(os.listdir(tmp_path / "out")) == ["a.vtt"]


def test_check_refuses_a_name_render_would_refuse(tmp_path):
    longer = "m" * 242
    (tmp_path / f"{longer}.yaml").write_text(ROUTINE, encoding="utf-8")
    result = run_cli("check", f"{longer}.yaml", cwd=tmp_path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (f"error: {longer}.yaml: its name is too long for the files a session is written to "
                             "(256 bytes as .chapters.json; the limit is 255); rename the routine file\n")
