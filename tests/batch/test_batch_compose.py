"""Catalogues of composed classes: `compose:` entries in a manifest, a class a day, each dated by its day."""

from __future__ import annotations

import datetime
import email.utils
import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from catalogues import assert_whole
from conftest import run_here

from pilates_audio.batch import load
from pilates_audio.compose import composer
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


def chapter_titles(out: Path, name: str) -> list[str]:
    return [chapter["title"] for chapter in json.loads((out / f"{name}.json").read_text(encoding="utf-8"))["chapters"]]


def test_a_week_of_daily_classes_comes_out_a_class_a_day(tmp_path, library, monkeypatch):
    monkeypatch.setattr(composer, "load_library", lambda: library)
    start, ahead = TODAY - datetime.timedelta(days=7), TODAY + datetime.timedelta(days=2)
    write_manifest(tmp_path, f"""
        collection: Daily mat
        compose:
          - {{length: 15m, level: beginner, days: 7, start: {start}}}
          - {{length: 16m, start: {ahead}}}
        variants: {{pace: [gentle]}}
        base_url: https://example.org/daily/
        """)
    out = tmp_path / "out"
    days = [start + datetime.timedelta(days=n) for n in range(7)]
    names = [f"{day}-15m-beginner" for day in days] + [f"{ahead}-16m-beginner"]
    dry = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out", "--dry-run")
    assert dry.code == 0, dry.stderr
    assert dry.stdout.splitlines()[:9] == [f"compose: out/routines/{name}.yaml ({name[:10]}): new" for name in names] \
        + ["8 sessions: 8 to make, 0 up to date, 0 failing"]
    assert not out.exists()

    first = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out", "--workers", "2")
    assert first.code == 0, first.stderr
    assert [Path(line.split("\t")[0]).name for line in first.stdout.splitlines()] == [f"{n}.mp3" for n in names]
    # Seven different classes, each written into routines/ and made into its session.
    routines = {name: (out / "routines" / f"{name}.yaml").read_text(encoding="utf-8") for name in names}
    assert len(set(routines.values())) == 8
    for name in names:
        assert_whole(out, name)
        exercises = [line.split("name: ", 1)[1].strip("'\"") for line in routines[name].splitlines()
                     if line.startswith("  - name: ")]
        assert exercises and set(exercises) <= set(chapter_titles(out, name))
    assert len({tuple(chapter_titles(out, name)) for name in names[:7]}) == 7

    # Each dated by its day; the class whose day has not come is held back from the feed and the page.
    assert [(out / f"{name}.mp3").stat().st_mtime for name in names] == [six_in_the_morning(day)
                                                                        for day in [*days, ahead]]
    items = ET.parse(out / "feed.xml").getroot().findall("channel/item")
    assert [(item.find("enclosure").get("url"), item.find("pubDate").text) for item in items] == [
        (f"https://example.org/daily/{name}.mp3", email.utils.formatdate(six_in_the_morning(day), usegmt=True))
        for name, day in reversed(list(zip(names, days)))]
    assert f"{ahead}-16m-beginner" not in [episode.name for episode in episodes(out)]

    # The same manifest again makes nothing new.
    again = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out")
    assert again.code == 0 and again.stdout == ""
    assert "made 0, skipped 8 (up to date), failed 0" in again.stderr
    assert {name: (out / "routines" / f"{name}.yaml").read_text(encoding="utf-8") for name in names} == routines

    # A class edited by hand is kept, and its session made from the edit; the run says so once.
    edited = out / "routines" / f"{names[2]}.yaml"
    own = re.sub(r"(?m)^title: .*$", "title: My own class", routines[names[2]])
    assert own != routines[names[2]]
    edited.write_text(own, encoding="utf-8")
    third = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out")
    assert third.code == 0, third.stderr
    assert third.stdout.splitlines() == [f"out/{names[2]}.mp3\t" + third.stdout.split("\t")[1].strip()]
    assert third.stderr.splitlines()[0] == (f"note: 1 composed class edited by hand is kept and used as it is: "
                                            f"out/routines/{names[2]}.yaml (delete a file to compose its class "
                                            "again)")
    assert third.stderr.count("edited by hand") == 1
    assert edited.read_text(encoding="utf-8") == own
    assert json.loads((out / f"{names[2]}.json").read_text(encoding="utf-8"))["title"] == "My own class"
    assert (out / f"{names[2]}.mp3").stat().st_mtime == six_in_the_morning(days[2])
    kept = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out", "--dry-run").stdout.splitlines()
    assert kept[2] == f"compose: out/routines/{names[2]}.yaml ({days[2]}): kept as edited"
    assert kept[1] == f"compose: out/routines/{names[1]}.yaml ({days[1]}): up to date"
    assert kept[8] == "8 sessions: 0 to make, 8 up to date, 0 failing"


def test_a_class_the_composer_refuses_is_reported_at_its_entry(tmp_path, library, monkeypatch):
    monkeypatch.setattr(composer, "load_library", lambda: library)
    write_manifest(tmp_path, """
        compose:
          - {length: 20m}
          - {length: 90m, level: beginner, avoid: pregnancy, days: 3}
        """)
    result = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "manifest.yaml:3:5: a 90m class is longer than the exercises that suit level beginner, avoid pregnancy, no "
        "props can fill; ask for a shorter --length, or relax --avoid, --props or --level",
        "1 problem found; nothing was written."]
    assert not (tmp_path / "out").exists()


def test_two_entries_that_would_write_the_same_file_are_refused(tmp_path, library, monkeypatch):
    monkeypatch.setattr(composer, "load_library", lambda: library)
    write_manifest(tmp_path, f"""
        compose:
          - {{length: 20m, days: 2, start: {TODAY}}}
          - {{length: 20m, props: band, start: {TODAY + datetime.timedelta(days=1)}}}
        """)
    result = run_here(tmp_path, "batch", "manifest.yaml", "-o", "out")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"manifest.yaml:3:5: this entry's class of {TODAY + datetime.timedelta(days=1)} would be "
        f"{TODAY + datetime.timedelta(days=1)}-20m-beginner.yaml, as an entry above's is; entries of the same days "
        "need another length, level or focus",
        "1 problem found; nothing was written."]
