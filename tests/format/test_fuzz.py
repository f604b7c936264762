"""Fuzzing: valid routines, mutated, never make check or render crash, hang or half-write."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings, strategies as st

from conftest import run_here

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "tests" / "golden").glob("*.yaml")) + sorted((ROOT / "routines").rglob("*.yaml"))
BLOCKS = ROOT / "routines" / "blocks"  # copied beside each case, so the library's includes resolve
SOURCES = [path.read_text(encoding="utf-8") for path in SEEDS]

# Values that YAML or the routine format read in surprising ways.
TRICKY = ["yes", "no", "on", "~", "", "0", "-1", "2.5", "1e400", ".nan", "10-6", "6-10", "3 breaths", "0 breaths",
          "5h", "99999", "1000000", "2026-01-05", "[]", "{}", "[a, b]", "{a: 1}", "&x a", "*x", "*nope", "!!binary aGk=",
          "'unclosed", '"\\q"', "<break time='60s'/>", "[[h@l'oU]]", "left", "both", "[right, left]", "x" * 1200,
          "|\n  block text", ">-\n  folded", "- item", ": colon", "# comment", "\t", "\x00", "\u00e9t\u00e9", "\U0001f9d8"]
# Values a routine might really hold, with some markup: edits with these often stay valid.
PLAUSIBLE = ["3", "12", "1-3", "2 breaths", "4s", "10s-20s", "0.5 breaths", "1m", "both", "[left, right]", "Reach long.",
             "<break time='60s'/> Breathe out.", "Look [[up]] softly.", "gentle", "brisk", "tone", "silent"]
PUNCTUATION = list(":-[]{}&*!|>'\"#%@`,?\t\n ") + ["  ", "\n  - ", ": ", "\n---\n"]


EDITS = ["value", "insert", "delete", "duplicate", "swap", "indent", "cut"]
GENTLE = ["value", "value", "delete", "duplicate", "swap"]  # edits that often leave a routine valid


@st.composite
def mutated(draw, edits: list[str] = EDITS, most: int = 4, corrupt: bool = True, values: list[str] = TRICKY) -> bytes:
    """A valid routine with a few edits: values swapped for tricky ones, lines moved, bytes broken."""
    lines = draw(st.sampled_from(SOURCES)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, most))):
        where = draw(st.integers(0, len(lines) - 1))
        line = lines[where]
        edit = draw(st.sampled_from(edits))
        if edit == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[where] = f"{key}: {draw(st.sampled_from(values))}\n"
        elif edit == "insert":
            at = draw(st.integers(0, len(line)))
            lines[where] = line[:at] + draw(st.sampled_from(PUNCTUATION + TRICKY)) + line[at:]
        elif edit == "delete":
            del lines[where]
        elif edit == "duplicate":
            lines.insert(where, line)
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[where], lines[other] = lines[other], line
        elif edit == "indent":
            lines[where] = " " * draw(st.integers(0, 6)) + line.lstrip(" ")
        elif edit == "cut":
            lines = lines[:where]
        if not lines:
            break
    data = "".join(lines).encode("utf-8")
    if corrupt and draw(st.booleans()) and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 1:]
    return data


def run(folder: Path, *args: str) -> tuple[int, str, float]:
    """Run the command line in this process; return (status, stderr, seconds taken)."""
    started = time.perf_counter()
    result = run_here(folder, *args)
    return result.code, result.stderr, time.perf_counter() - started


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_check_answers_0_or_2_quickly_and_never_crashes(data):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "r.yaml").write_bytes(data)
        shutil.copytree(BLOCKS, Path(folder) / "blocks")
        code, err, seconds = run(Path(folder), "check", "r.yaml")
    event(f"exit {code}")
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert seconds < 3, f"check took {seconds:.1f}s"
    if code == 2:
        assert err.startswith(("r.yaml:", "error: r.yaml:", "blocks/"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(GENTLE, most=2, corrupt=False, values=PLAUSIBLE + TRICKY[:12]))
def test_render_answers_0_or_2_and_writes_all_or_nothing(data):
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        (here / "r.yaml").write_bytes(data)
        shutil.copytree(BLOCKS, here / "blocks")
        code, err, seconds = run(here, "render", "r.yaml", "-o", "out", "-q", "--max-length", "8m")
        written = sorted(path.name for path in (here / "out").iterdir()) if (here / "out").exists() else []
    event(f"exit {code}")
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert seconds < 30, f"render took {seconds:.1f}s"
    assert written == (["r.chapters.json", "r.json", "r.mp3", "r.vtt"] if code == 0 else [])
