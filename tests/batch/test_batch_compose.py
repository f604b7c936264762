"""Catalogues of composed classes: `compose:` entries in a manifest, a class a day, each dated by its day."""

from __future__ import annotations

import datetime
import email.utils
import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from catalogues import assert_whole
from conftest import run_here

from pilates_audio.batch import load
from pilates_audio.compose import snapshot
from pilates_audio.compose.model import Focus, Level, Prop
from pilates_audio.publish.feed import episodes

TODAY = datetime.date.today()


def write_manifest(folder: Path, text: str) -> Path:
    path = folder / "manifest.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def six_in_the_morning(day: datetime.date) -> float:
    return datetime.datetime.combine(day, datetime.time(6, tzinfo=datetime.timezone.utc)).timestamp()


def test_compose_entries_are_read_as_the_composer_takes_them(tmp_path):
    manifest = load(write_manifest(tmp_path, """
        collection: Daily mat
        compose:
          - {length: 30m, level: intermediate, focus: [upper-back, core], avoid: [osteoporosis, wrists],
             props: band, language: de-AT, days: 7, start: 2026-12-07}
          - {}
        """))
    first, second = manifest.compose
    assert manifest.routines == ()
    assert (first.choices.length, first.choices.level, first.choices.focus, first.choices.avoid, first.choices.props,
            first.choices.language, first.choices.seed) == (1800.0, Level.INTERMEDIATE, (Focus.UPPER_BACK, Focus.CORE),
                                                            ("osteoporosis", "wrists"), (Prop.BAND,), "de", None)
    assert (first.days, first.start, first.line, first.column) == (7, datetime.date(2026, 12, 7), 3, 5)
    # Left out, each choice is compose's own default; one day, from the day of the run.
    assert (second.choices.length, second.choices.level, second.choices.focus, second.days, second.start) == (
        1500.0, Level.BEGINNER, (), 1, None)


@pytest.mark.parametrize("manifest, expected", [
    ("""
     compose:
       - {length: 5m, levle: beginner, focus: [arms, core], avoid: [knee, wrists], props: rope}
       - {length: soon, level: expert, language: xx, days: 40, start: 2026-13-01}
       - {days: 0, start: tomorrow, focus: {a: b}, length: [20m]}
       - just text
     """, [
        "manifest.yaml:2:14: length 5m: a class lasts from 10m to 90m",
        "manifest.yaml:2:18: unknown key 'levle'; did you mean 'level'?",
        "manifest.yaml:2:43: focus 'arms' is not an area; choose from: core, upper-back, shoulders, spine-mobility, "
        "hips-and-glutes, legs, balance, breathing, whole-body",
        "manifest.yaml:2:64: avoid 'knee' is not a condition (osteoporosis, pregnancy, wrists, knees, neck, low-back) "
        "or a caution (loaded-spinal-flexion, spinal-extension, rotation, lying-on-the-back, lying-on-the-front, "
        "weight-on-wrists, weight-on-knees, inversion, neck-strain, balance)",
        "manifest.yaml:2:86: props 'rope' is not a prop; choose from: band, ball, ring, wall, chair",
        "manifest.yaml:3:14: length: 'soon' is not a duration; use seconds (20s), minutes (1m, 1m30s), a number of "
        "seconds, or breaths (3 breaths)",
        "manifest.yaml:3:27: level 'expert' is not a level; choose from: beginner, intermediate, advanced",
        "manifest.yaml:3:45: language: no phrasebook for language 'xx'; shipped languages: de, en, es, fr, it, nl, "
        "pt-BR",
        "manifest.yaml:3:55: days must be a whole number from 1 to 31, not '40'",
        "manifest.yaml:3:66: start must be a date written YYYY-MM-DD, such as 2026-12-07, not '2026-13-01'",
        "manifest.yaml:4:12: days must be a whole number from 1 to 31, not '0'",
        "manifest.yaml:4:22: start must be a date written YYYY-MM-DD, such as 2026-12-07, not 'tomorrow'",
        "manifest.yaml:4:39: focus must be one value or a list, not a mapping",
        "manifest.yaml:4:55: length must be a single value, not a list",
        "manifest.yaml:5:5: each compose entry must be a mapping of choices, such as {length: 30m, level: beginner, "
        "days: 7}",
        "15 problems found; nothing was written.",
    ]),
    ("collection: Daily\nvariants: {pace: gentle}\n", [
        "manifest.yaml:1:1: routines is missing: list the routine files (or patterns such as routines/*.yaml), or "
        "compose classes from the exercise library with compose:",
        "1 problem found; nothing was written.",
    ]),
])
def test_every_problem_of_a_compose_entry_is_reported_at_its_place(tmp_path, manifest, expected):
    write_manifest(tmp_path, manifest)
    result = run_here(tmp_path, "batch", "manifest.yaml")
    assert result.code == 2
    assert result.stderr.splitlines() == expected
    assert not (tmp_path / "output").exists()
