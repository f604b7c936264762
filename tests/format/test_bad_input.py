"""The bad-routine corpus: every file under tests/bad/ gives exactly the messages beside it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import run_here

BAD = Path(__file__).resolve().parents[1] / "bad"
CASES = sorted(BAD.glob("*.yaml"))


def here(folder: Path, *args: str) -> tuple[int, str, str]:
    result = run_here(folder, *args)
    return result.code, result.stdout, result.stderr


def test_the_corpus_covers_enough_bad_routines():
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_check_gives_the_pinned_messages(path, request):
    """`check` exits 2 with exactly the expected messages (regenerate with --update-golden)."""
    code, out, err = here(BAD, "check", path.name)
    expected = path.with_suffix(".err")
    if request.config.getoption("--update-golden") or not expected.exists():
        expected.write_text(err, encoding="utf-8")
    assert (code, out) == (2, "")
    assert err == expected.read_text(encoding="utf-8")
    assert "Traceback" not in err


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_render_refuses_the_same_way_and_writes_nothing(path, tmp_path):
    code, out, err = here(BAD, "render", path.name, "-o", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err == path.with_suffix(".err").read_text(encoding="utf-8")
    assert not (tmp_path / "out").exists()


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("title: T\nexercises:\n" + "  - name: Roll up\n    reps: 5\n" * 10_000, encoding="utf-8")
    code, out, err = here(tmp_path, "check", "huge.yaml")
    assert (code, err) == (2, "huge.yaml:1:1: file is too large (300,020 bytes; the limit is 262,144)\n"
                              "1 problem found; nothing was written.\n")


@pytest.mark.parametrize("name", ["billion-laughs", "nested-too-deep", "session-too-long"])
def test_hostile_files_are_refused_quickly(name):
    started = time.perf_counter()
    code, _, _ = here(BAD, "check", f"{name}.yaml")
    assert code == 2
    assert time.perf_counter() - started < 2.0


def test_max_length_lets_a_long_session_through(tmp_path):
    (tmp_path / "long.yaml").write_text("title: T\nexercises:\n  - name: Plank\n    hold: 5h\n", encoding="utf-8")
    code, out, err = here(tmp_path, "check", "long.yaml", "--max-length", "6h")
    assert (code, out, err) == (0, "long.yaml: ok (1 exercise, about 5:00:22)\n", "")


def test_a_length_over_the_limit_is_refused_before_fitting(tmp_path):
    (tmp_path / "r.yaml").write_text("title: T\nexercises:\n  - name: Roll up\n    reps: 5-500\n", encoding="utf-8")
    code, out, err = here(tmp_path, "script", "r.yaml", "--length", "4h30m")
    assert (code, out) == (2, "")
    assert err == ("error: r.yaml: --length asks for 4:30:00, longer than the 4:00:00 limit; "
                   "pass --max-length 5h to allow it\n")


def test_a_utf16_file_with_its_byte_order_mark_is_read(tmp_path):
    text = "title: Étirements\nexercises:\n  - name: Roll up\n    reps: 5\n"
    (tmp_path / "r.yaml").write_bytes(text.encode("utf-16"))
    code, out, err = here(tmp_path, "check", "r.yaml")
    assert (code, err) == (0, "")
    assert out.startswith("r.yaml: ok (1 exercise, about ")
