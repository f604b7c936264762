"""What players see: ID3 tags, chapters read by mutagen and by ffmpeg, transcript and chapters files.

The tagged session is made both ways (from cached pieces, and in one ffmpeg pass), and
decoded and measured with its cover inside.
"""

from __future__ import annotations

import json
import re
import subprocess
import pytest
from conftest import run_cli
from pictures import tiny_png

import audiocheck
from pilates_audio.tools import ffmpeg

pytestmark = pytest.mark.ffmpeg

SESSION = """
title: Tagged Session
description: A short session & its tags.
instructor: Sam Lee
collection: Morning Mat
cover: cover.png
pacing: {inhale: 1.5s, exhale: 1.5s, transition: 1s}
intro: Ready when you are.
exercises:
  - name: Arm lift <-> hold
    reps: 2
  - name: Side reach
    hold: 2 breaths
    sides: both
outro: All done.
"""


def ffmpeg_chapters(path) -> list[dict[str, str]]:
    """Return the fields of each chapter ffmpeg finds in a file, as its metadata file format gives them."""
    result = subprocess.run([ffmpeg(), "-v", "error", "-nostdin", "-i", str(path), "-f", "ffmetadata", "-"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    sections: list[tuple[str, dict[str, str]]] = [("", {})]
    for line in result.stdout.splitlines():
        if line.startswith("[") and line.endswith("]"):
            sections.append((line, {}))
        elif "=" in line and not line.startswith((";", "#")):
            key, value = line.split("=", 1)
            sections[-1][1][key] = re.sub(r"\\(.)", r"\1", value)  # the format escapes = ; # and \ with a backslash
    return [fields for name, fields in sections if name == "[CHAPTER]"]


@pytest.fixture(scope="module", params=["pieces", "--sample-exact"])
def session(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagged")
    (folder / "cover.png").write_bytes(tiny_png())
    (folder / "tagged.yaml").write_text(SESSION, encoding="utf-8")
    flags = [request.param] if request.param.startswith("--") else []
    result = run_cli("render", folder / "tagged.yaml", "-o", folder / "out", *flags)
    assert result.code == 0, result.stderr
    out = folder / "out"
    return out, json.loads((out / "tagged.json").read_text(encoding="utf-8"))


def test_render_writes_the_four_files_and_the_cover(session):
    out, _ = session
    assert sorted(p.name for p in out.iterdir()) == ["tagged.chapters.json", "tagged.cover.png", "tagged.json",
                                                     "tagged.mp3", "tagged.vtt"]
    assert (out / "tagged.cover.png").read_bytes() == tiny_png()


def test_a_cover_dropped_or_changed_in_type_leaves_no_old_cover_beside_the_session(tmp_path):
    (tmp_path / "art.jpg").write_bytes(b"\xff\xd8\xff\xe0 not much of a JPEG")
    (tmp_path / "art.png").write_bytes(tiny_png())
    routine = tmp_path / "mat.yaml"
    out = tmp_path / "out"

    def render(cover: str) -> list[str]:
        routine.write_text(f"title: Mat\n{cover}pacing: {{inhale: 1s, exhale: 1s}}\nexercises: [{{name: A, reps: 1}}]\n",
                           encoding="utf-8")
        assert run_cli("render", routine, "-o", out, "-q").code == 0
        return sorted(p.name for p in out.glob("mat.cover.*"))

    assert render("cover: art.png\n") == ["mat.cover.png"]
    assert render("cover: art.jpg\n") == ["mat.cover.jpg"]
    assert (out / "mat.cover.jpg").read_bytes() == (tmp_path / "art.jpg").read_bytes()
    assert render("") == []


def test_id3_tags(session):
    from mutagen.id3 import ID3

    out, data = session
    tags = ID3(out / "tagged.mp3")
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == "Tagged Session"
    assert str(tags["TPE1"]) == "Sam Lee"
    assert str(tags["TALB"]) == "Morning Mat"
    assert str(tags["TCON"]) == "Fitness"
    assert re.fullmatch(r"20\d\d", str(tags["TDRC"]))
    assert str(tags["TLAN"]) == "eng"  # ISO 639-2, as ID3 wants
    assert tags.getall("COMM")[0].text == ["A short session & its tags."]
    assert abs(int(str(tags["TLEN"])) - data["duration"] * 1000) <= 1
    cover = tags.getall("APIC")[0]
    assert cover.mime == "image/png" and cover.type == 3 and cover.data == tiny_png()


def test_defaults_for_artist_and_album(write_routine, tmp_path):
    from mutagen.id3 import ID3

    path = write_routine("title: Plain\npacing: {inhale: 1s, exhale: 1s}\nexercises: [{name: A, reps: 1}]\n")
    assert run_cli("render", path, "-o", tmp_path / "out", "-q").code == 0
    tags = ID3(tmp_path / "out" / "routine.mp3")
    assert (str(tags["TPE1"]), str(tags["TALB"])) == ("pilates-audio", "Pilates sessions")
    assert tags.getall("APIC") == [] and tags.getall("COMM") == []


def test_chapters_in_mutagen_one_chap_each_and_a_top_level_ordered_toc(session):
    from mutagen.id3 import ID3, CTOCFlags

    out, data = session
    tags = ID3(out / "tagged.mp3")
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == [c["title"] for c in data["chapters"]]
    for chap, expected in zip(chaps, data["chapters"]):
        assert abs(chap.start_time / 1000 - expected["start"]) <= 0.03
    assert abs(chaps[-1].end_time / 1000 - data["duration"]) <= 0.03
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.child_element_ids == [c.element_id for c in chaps]


def test_chapters_in_ffmpeg_in_order(session):
    out, data = session
    seen = ffmpeg_chapters(out / "tagged.mp3")
    assert all(fields["TIMEBASE"] == "1/1000" for fields in seen)
    assert [fields["title"] for fields in seen] == [c["title"] for c in data["chapters"]]
    for fields, expected in zip(seen, data["chapters"]):
        assert abs(int(fields["START"]) / 1000 - expected["start"]) <= 0.03


def test_the_tagged_session_decodes_to_its_length_at_its_loudness(session):
    # The cover is in the file as a picture; ffmpeg decodes the sound beside it, all of it.
    out, data = session
    pcm = audiocheck.load(out / "tagged.mp3")
    assert abs(len(pcm) / 2 / audiocheck.RATE - data["duration"]) <= 0.001
    integrated, peak = audiocheck.ebur128(out / "tagged.mp3")
    assert abs(integrated - (-19.0)) <= 0.5, integrated
    assert peak <= -1.0, peak


def test_the_transcript_has_one_cue_per_spoken_line_at_its_times(session):
    out, data = session
    text = (out / "tagged.vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT - Tagged Session\nLanguage: en\n\n")
    cues = re.findall(r"(\d+)\n(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.*)\n", text)
    spoken = [c for c in data["cues"] if c["kind"] == "speech"]
    assert len(cues) == len(spoken)

    def seconds(h, m, s, ms):
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    for cue, line in zip(cues, spoken):
        assert abs(seconds(*cue[1:5]) - line["start"]) <= 0.001
        assert abs(seconds(*cue[5:9]) - line["end"]) <= 0.001
        assert cue[9] == line["text"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert "Arm lift &lt;-&gt; hold." in text


def test_the_chapters_file_follows_podcasting_2(session):
    out, data = session
    chapters = json.loads((out / "tagged.chapters.json").read_text(encoding="utf-8"))
    assert chapters["version"] == "1.2.0"
    assert chapters["title"] == data["title"] and chapters["language"] == "en"
    assert chapters["chapters"] == [{"startTime": c["start"], "title": c["title"]} for c in data["chapters"]]


@pytest.mark.parametrize(
    "cover, message",
    [("missing.png", "cover image 'missing.png' was not found (paths are relative to the routine file)"),
     ("cover.gif", "cover must be a JPEG or PNG image (.jpg, .jpeg or .png), not 'cover.gif'")],
)
def test_a_bad_cover_is_reported(write_routine, cover, message):
    path = write_routine(f"title: T\ncover: {cover}\nexercises: [{{name: A}}]\n")
    result = run_cli("check", path)
    assert result.code == 2
    assert result.stderr.splitlines()[0] == f"{path}:2:8: {message}"


SECTIONED = """
title: Circuit
pacing: {inhale: 1.5s, exhale: 1.5s, transition: 1s}
sections:
  - name: Warm-up
    exercises: [{name: Roll down, reps: 2}]
  - name: Circuit
    rounds: 2
    exercises: [{name: Plank, hold: 1 breath}, {name: Swan, reps: 1}]
"""


def test_sections_are_tables_of_contents_under_the_top_level_one(tmp_path):
    from mutagen.id3 import ID3, CTOCFlags

    (tmp_path / "circuit.yaml").write_text(SECTIONED, encoding="utf-8")
    result = run_cli("render", tmp_path / "circuit.yaml", "-o", tmp_path / "out", "-q")
    assert result.code == 0, result.stderr
    data = json.loads((tmp_path / "out" / "circuit.json").read_text(encoding="utf-8"))
    tags = ID3(tmp_path / "out" / "circuit.mp3")
    chaps = {c.element_id: str(c.sub_frames["TIT2"]) for c in tags.getall("CHAP")}
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    top = tocs.pop("toc")
    assert top.flags & CTOCFlags.TOP_LEVEL and top.flags & CTOCFlags.ORDERED

    def titles(element_ids):
        return [chaps.get(i) or [str(tocs[i].sub_frames["TIT2"]), titles(tocs[i].child_element_ids)] for i in element_ids]

    assert titles(top.child_element_ids) == [
        "Introduction", ["Warm-up", ["Warm-up", "Roll down"]],
        ["Circuit, round 1", ["Circuit, round 1", "Plank, round 1", "Swan, round 1"]],
        ["Circuit, round 2", ["Circuit, round 2", "Plank, round 2", "Swan, round 2"]], "Closing"]
    assert all(not toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED for toc in tocs.values())
    # Players that show one level list every chapter, in order, as ffmpeg does.
    listed = ffmpeg_chapters(tmp_path / "out" / "circuit.mp3")
    assert [fields["title"] for fields in listed] == [c["title"] for c in data["chapters"]]
