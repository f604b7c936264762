"""The feed's items: chapter times in the description, for apps that read only it, and the transcript linked.

The feed is read back with xml.etree (the elements, their attributes, their namespaces) and with
feedparser, the parser many podcast apps and readers are built on.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser

from pilates_audio.publish import feed

PODCAST = "{https://podcastindex.org/namespace/1.0}"


def episode(**changes) -> feed.Episode:
    values = dict(name="mat", mp3=Path("/sessions/mat.mp3"), title="Morning mat", duration=1800.0, size=1000,
                  modified=1_700_000_000.0, description="A calm half hour.", author="", guid="mat-0123",
                  has_chapters=True, has_transcript=True, language="de",
                  chapters=((0.0, "Introduction"), (232.999, "Upper back"), (3599.5, "Roll\nup"), (3723.2, "Ende")))
    values.update(changes)
    return feed.Episode(**values)


def item_of(*episodes: feed.Episode) -> list[ET.Element]:
    root = ET.fromstring(feed.feed_xml(list(episodes), "http://192.168.1.20:8000/"))
    return root.find("channel").findall("item")


def test_the_description_ends_with_each_chapter_s_time_one_a_line():
    (item,) = item_of(episode())
    assert item.findtext("description") == ("A calm half hour.\n\n00:00:00 Introduction\n00:03:52 Upper back\n"
                                            "00:59:59 Roll up\n01:02:03 Ende")


def test_without_a_description_the_title_comes_before_the_chapters_and_without_chapters_nothing_follows():
    first, second = item_of(episode(description=""), episode(name="b", guid="b-1", chapters=()))
    assert first.findtext("description").startswith("Morning mat\n\n00:00:00 Introduction\n")
    assert second.findtext("description") == "A calm half hour."


def test_the_transcript_is_linked_with_its_type_and_language_and_the_chapters_file_as_before():
    (item,) = item_of(episode(name="Mat & more", mp3=Path("/sessions/Mat & more.mp3")))
    assert item.find(f"{PODCAST}transcript").attrib == {
        "url": "http://192.168.1.20:8000/Mat%20%26%20more.vtt", "type": "text/vtt", "language": "de"}
    assert item.find(f"{PODCAST}chapters").attrib == {
        "url": "http://192.168.1.20:8000/Mat%20%26%20more.chapters.json", "type": "application/json+chapters"}


def test_a_session_without_a_transcript_or_chapters_file_links_neither():
    (item,) = item_of(episode(has_transcript=False, has_chapters=False))
    assert item.find(f"{PODCAST}transcript") is None and item.find(f"{PODCAST}chapters") is None


def test_a_feed_reader_finds_the_chapter_lines_and_the_transcript_link():
    parsed = feedparser.parse(feed.feed_xml([episode()], "http://192.168.1.20:8000/"))
    assert not parsed.bozo
    (entry,) = parsed.entries
    assert entry.description.splitlines()[2:] == ["00:00:00 Introduction", "00:03:52 Upper back", "00:59:59 Roll up",
                                                  "01:02:03 Ende"]
    assert entry.podcast_transcript == {"url": "http://192.168.1.20:8000/mat.vtt", "type": "text/vtt",
                                        "language": "de"}
