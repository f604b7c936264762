"""A podcast feed of the sessions in a folder, so any podcast app can bring them to a phone."""

from __future__ import annotations

import email.utils
import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pilates_audio.errors import InputError
from pilates_audio.files import write_atomic

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.xml"
DEFAULT_TITLE = "Pilates sessions"


@dataclass(frozen=True)
class Episode:
    """One rendered session in a folder: its files and what the feed says of it."""

    name: str
    mp3: Path
    title: str
    duration: float
    size: int
    modified: float
    description: str
    author: str
    guid: str
    has_chapters: bool
    has_transcript: bool


def unreadable_names(folder: Path) -> list[str]:
    """Return the sessions in `folder` whose file names are not UTF-8, as they can be shown."""
    return [mp3.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            for mp3 in sorted(folder.glob("*.mp3")) if not _utf8(mp3.name)]


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system gave that are not UTF-8
        return False
    return True


def episodes(folder: Path) -> list[Episode]:
    """Return the sessions in `folder` (each an MP3 with its timed script beside it), newest first.

    A session whose file name is not UTF-8 cannot be named in a page or a feed: it is
    left out (see `unreadable_names`).
    """
    from mutagen.id3 import ID3, ID3NoHeaderError

    found = []
    for mp3 in sorted(folder.glob("*.mp3")):
        script = mp3.with_suffix(".json")
        if mp3.name.startswith(".") or not _utf8(mp3.name) or not script.is_file():
            continue
        try:
            data = json.loads(script.read_text(encoding="utf-8"))
            title, duration = str(data["title"]), float(data["duration"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one of ours, or being written: leave it out
        try:
            tags = ID3(mp3)
            comments = tags.getall("COMM")
            description = str(comments[0].text[0]) if comments else ""
            author = str(tags["TPE1"]) if "TPE1" in tags else ""
        except (ID3NoHeaderError, OSError):
            description, author = "", ""
        info = mp3.stat()
        digest = hashlib.sha256(mp3.read_bytes()).hexdigest()[:16]
        found.append(Episode(
            name=mp3.stem, mp3=mp3, title=title, duration=duration, size=info.st_size, modified=info.st_mtime,
            description=description, author=author,
            # A re-rendered session is new audio: podcast apps fetch it as a new episode.
            guid=f"{mp3.stem}-{digest}",
            has_chapters=(folder / f"{mp3.stem}.chapters.json").is_file(),
            has_transcript=(folder / f"{mp3.stem}.vtt").is_file(),
        ))
    return sorted(found, key=lambda e: (-e.modified, e.name))


def _duration(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def feed_xml(items: list[Episode], base_url: str, title: str = DEFAULT_TITLE) -> bytes:
    """Return an RSS 2.0 podcast feed (iTunes and Podcasting 2.0 namespaces) for the sessions."""
    base = base_url.rstrip("/") + "/"
    ET.register_namespace("itunes", ITUNES)
    ET.register_namespace("podcast", PODCAST)
    ET.register_namespace("atom", ATOM)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attributes)
        if text is not None:
            element.text = text
        return element

    add(channel, "title", title)
    add(channel, "link", base)
    add(channel, "description", "Guided Pilates sessions made with pilates-audio.")
    add(channel, "language", "en")
    add(channel, f"{{{ATOM}}}link", href=base + FEED_NAME, rel="self", type="application/rss+xml")
    add(channel, f"{{{ITUNES}}}author", "pilates-audio")
    add(channel, f"{{{ITUNES}}}explicit", "false")
    # iTunes names a category in a `text` attribute.
    category = ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    ET.SubElement(category, f"{{{ITUNES}}}category", {"text": "Fitness"})
    for episode in items:
        item = add(channel, "item")
        add(item, "title", episode.title)
        add(item, "description", episode.description or episode.title)
        add(item, "guid", episode.guid, isPermaLink="false")
        add(item, "pubDate", email.utils.formatdate(episode.modified, usegmt=True))
        add(item, "enclosure", url=base + quote(episode.mp3.name), length=str(episode.size), type="audio/mpeg")
        add(item, f"{{{ITUNES}}}duration", _duration(episode.duration))
        if episode.author:
            add(item, f"{{{ITUNES}}}author", episode.author)
        if episode.has_chapters:
            add(item, f"{{{PODCAST}}}chapters", url=base + quote(f"{episode.name}.chapters.json"),
                type="application/json+chapters")
        if episode.has_transcript:
            add(item, f"{{{PODCAST}}}transcript", url=base + quote(f"{episode.name}.vtt"), type="text/vtt")
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def check_base_url(url: str) -> str:
    """Return the base URL if it is an http(s) address, else say what is expected."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--base-url must be an http:// or https:// address, such as http://192.168.1.20:8000/; "
                         f"got '{url}'")
    return url


def write_feed(folder: Path, base_url: str, title: str = DEFAULT_TITLE) -> tuple[Path, int]:
    """Write `folder/feed.xml` for the sessions in `folder`; return its path and the episode count."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    items = episodes(folder)
    path = folder / FEED_NAME
    write_atomic(path, feed_xml(items, check_base_url(base_url), title))
    return path, len(items)
