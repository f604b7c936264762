"""A podcast feed of the sessions in a folder, so any podcast app can bring them to a phone."""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from pilates_audio.errors import InputError
from pilates_audio.files import write_atomic
from pilates_audio.languages import DEFAULT as DEFAULT_LANGUAGE
from pilates_audio.publish.channel import Channel, channel_settings
from pilates_audio.publish.export import COVERS, DEFAULT_ALBUM, DEFAULT_ARTIST

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.xml"
FEED_TYPE = "application/rss+xml; charset=utf-8"  # the feed's media type, as served


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
    chapters: tuple[tuple[float, str], ...] = ()  # (start in seconds, title), for the page
    cover: str | None = None  # the file name of the session's cover image beside it
    language: str = DEFAULT_LANGUAGE  # the session's language, as its timed script says
    collection: str = ""  # the routine's collection (the album tag), if it names one


def channel_language(items: list[Episode]) -> str:
    """Return the language of a folder's sessions: the one most of them are in (the newest's on a tie)."""
    counts: dict[str, int] = {}
    for episode in items:  # newest first, so a tie goes to the newest
        counts[episode.language] = counts.get(episode.language, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else DEFAULT_LANGUAGE


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
    return Index(folder).episodes()


CLOCK_LEEWAY = 60.0  # seconds a session may be dated ahead of now and still be shown
HASH_CHUNK = 1024 * 1024  # bytes read at a time: hashing a long session never holds it in memory
Stamp = tuple[int, int, int]  # size, mtime_ns, inode: what says a file is the one read before


def _stamp(info: os.stat_result) -> Stamp:
    return info.st_size, info.st_mtime_ns, info.st_ino


@dataclass(frozen=True)
class _Audio:
    """What the MP3 itself says: read and hashed once per version of the file."""

    stamp: Stamp
    modified: float
    description: str
    author: str
    digest: str
    collection: str = ""


class Index:
    """The sessions of one folder, kept between requests and re-read only where a file changed.

    A file counts as changed when its size, modification time or inode does (an atomic
    rename gives a new inode), so a page or feed with hundreds of sessions costs a
    listing and a stat per file, not a read of every MP3.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._audio: dict[str, _Audio] = {}
        self._sidecars: dict[tuple[str, str], tuple[Stamp, object]] = {}
        self._episodes: list[Episode] = []
        self._seen: object = None
        self._shown: list[Episode] | None = None  # the episodes whose time has come
        self._release = math.inf  # when the next one held back comes out
        self.reads = 0  # MP3s read and hashed so far (the tests count them)

    def episodes(self) -> list[Episode]:
        """Return the folder's sessions as they are now, newest first, holding back those dated later than now."""
        with self._lock:
            files = self._listing()
            if files != self._seen:
                self._episodes = self._build(files)
                self._seen = files
                self._shown = None
            # A session dated ahead (a composed class of a day to come) comes out at its time. The leeway lets
            # a file just written on a server whose clock runs a little ahead of this one's show at once.
            now = time.time() + CLOCK_LEEWAY
            if self._shown is None or now >= self._release:  # the same list while nothing changes, for the caches
                self._shown = [episode for episode in self._episodes if episode.modified <= now]
                self._release = min((episode.modified for episode in self._episodes if episode.modified > now),
                                    default=math.inf)
            return self._shown

    def _listing(self) -> dict[str, Stamp]:
        """Stat every file of the folder that could belong to a session."""
        found = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not _utf8(entry.name):
                    continue
                try:
                    info = entry.stat()
                except OSError:
                    continue  # gone meanwhile
                if stat.S_ISREG(info.st_mode):
                    found[entry.name] = _stamp(info)
        return found

    def _build(self, files: dict[str, Stamp]) -> list[Episode]:
        found = []
        names = sorted(name[:-4] for name in files if name.endswith(".mp3"))
        for name in names:
            script = self._sidecar(files, f"{name}.json", _read_script)
            if script is None:
                continue  # not one of ours, or being written: leave it out
            audio = self._read_audio(name, files[f"{name}.mp3"])
            if audio is None:
                continue
            title, duration, language = script
            found.append(Episode(
                name=name, mp3=self.folder / f"{name}.mp3", title=title, duration=duration, size=audio.stamp[0],
                language=language,
                modified=audio.modified, description=audio.description, author=audio.author,
                collection=audio.collection,
                # A re-rendered session is new audio: podcast apps fetch it as a new episode.
                guid=f"{name}-{audio.digest}",
                has_chapters=f"{name}.chapters.json" in files,
                has_transcript=f"{name}.vtt" in files,
                chapters=self._sidecar(files, f"{name}.chapters.json", _read_chapters) or (),
                cover=next((name + suffix for suffix in COVERS if name + suffix in files), None),
            ))
        # Forget what belonged to files that are gone.
        self._audio = {name: audio for name, audio in self._audio.items() if f"{name}.mp3" in files}
        self._sidecars = {key: value for key, value in self._sidecars.items() if key[0] in files}
        return sorted(found, key=lambda e: (-e.modified, e.name))

    def _sidecar(self, files: dict[str, Stamp], name: str, read: Callable[[bytes], object]) -> object:
        """Return what a small file beside a session says, read again only when it changed."""
        stamp = files.get(name)
        if stamp is None:
            return None
        key = (name, read.__name__)
        known = self._sidecars.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            with open(self.folder / name, "rb") as f:
                stamp = _stamp(os.fstat(f.fileno()))
                value = read(f.read()) if stamp[0] <= MAX_SIDECAR_BYTES else None
        except OSError:
            return None
        self._sidecars[key] = (stamp, value)
        return value

    def _read_audio(self, name: str, stamp: Stamp) -> _Audio | None:
        known = self._audio.get(name)
        if known is not None and known.stamp == stamp:
            return known
        from mutagen import MutagenError
        from mutagen.id3 import ID3

        try:
            with open(self.folder / f"{name}.mp3", "rb") as f:
                # Tags, size and hash all come from the one version of the file opened.
                info = os.fstat(f.fileno())
                digest = hashlib.sha256()
                while chunk := f.read(HASH_CHUNK):
                    digest.update(chunk)
                self.reads += 1
                try:
                    f.seek(0)
                    tags = ID3(f)
                    comments = tags.getall("COMM")
                    description = str(comments[0].text[0]) if comments else ""
                    author = str(tags["TPE1"]) if "TPE1" in tags else ""
                    if author == DEFAULT_ARTIST:
                        author = ""  # no instructor named: the channel's author stands for every episode
                    collection = str(tags["TALB"]) if "TALB" in tags else ""
                    if collection == DEFAULT_ALBUM:
                        collection = ""  # no collection named
                except (MutagenError, OSError, IndexError):
                    description, author, collection = "", "", ""
        except OSError:
            return None
        audio = _Audio(_stamp(info), info.st_mtime, description, author, digest.hexdigest()[:16], collection)
        self._audio[name] = audio
        return audio


MAX_SIDECAR_BYTES = 16 * 1024 * 1024  # a timed script or chapters file larger than this is not one of ours


def _read_script(data: bytes) -> tuple[str, float, str] | None:
    """Return a timed script's title, duration and language, or None if it is not one."""
    try:
        script = json.loads(data.decode("utf-8"))
        pacing = script.get("pacing")
        language = pacing.get("language") if isinstance(pacing, dict) else None
        # Sessions made before languages were English.
        return str(script["title"]), float(script["duration"]), str(language or DEFAULT_LANGUAGE)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_chapters(data: bytes) -> tuple[tuple[float, str], ...]:
    """Return a chapters file's (start, title) pairs, leaving out any that are malformed."""
    try:
        chapters = json.loads(data.decode("utf-8")).get("chapters", [])
    except (ValueError, AttributeError):
        return ()
    found = []
    for chapter in chapters if isinstance(chapters, list) else ():
        try:
            found.append((float(chapter.get("startTime", 0)), str(chapter.get("title", ""))))
        except (AttributeError, TypeError, ValueError):
            continue
    return tuple(found)


def _duration(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def description(episode: Episode) -> str:
    """Return an item's description: the session's, then its chapters' times, one a line, for apps that read only it.

    A time is the chapter's start in whole seconds, rounded down, so an app that jumps to
    it never misses the chapter's first word.
    """
    text = episode.description or episode.title
    lines = [f"{_duration(math.floor(start))} {' '.join(title.split())}" for start, title in episode.chapters]
    return "\n\n".join([text, "\n".join(lines)]) if lines else text


def feed_xml(items: list[Episode], base_url: str, settings: Channel = Channel()) -> bytes:
    """Return an RSS 2.0 podcast feed (iTunes and Podcasting 2.0 namespaces) for the sessions."""
    # Imported here: a render loads this module for its names, and needs neither.
    import email.utils
    import xml.etree.ElementTree as ET

    base = base_url.rstrip("/") + "/"
    image = channel_image(items, settings)
    image_url = None if image is None else image if "/" in image else base + quote(image)
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

    add(channel, "title", settings.title)
    add(channel, "link", base)
    add(channel, "description", settings.description)
    add(channel, "language", channel_language(items))
    add(channel, f"{{{ATOM}}}link", href=base + FEED_NAME, rel="self", type="application/rss+xml")
    if image_url is not None:
        picture = add(channel, "image")
        add(picture, "url", image_url)
        add(picture, "title", settings.title)
        add(picture, "link", base)
        add(channel, f"{{{ITUNES}}}image", href=image_url)
    add(channel, f"{{{ITUNES}}}author", settings.author)
    add(channel, f"{{{ITUNES}}}explicit", "false")
    # iTunes names a category in a `text` attribute.
    category = ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "Health & Fitness"})
    ET.SubElement(category, f"{{{ITUNES}}}category", {"text": "Fitness"})
    for episode in items:
        item = add(channel, "item")
        add(item, "title", episode.title)
        add(item, "description", description(episode))
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
            add(item, f"{{{PODCAST}}}transcript", url=base + quote(f"{episode.name}.vtt"), type="text/vtt",
                language=episode.language)
        if episode.cover:
            add(item, f"{{{ITUNES}}}image", href=base + quote(episode.cover))
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


def channel_image(items: list[Episode], settings: Channel) -> str | None:
    """Return the channel's image: the one chosen, else the newest session's cover, if any has one."""
    return settings.image or next((episode.cover for episode in items if episode.cover), None)


def write_feed(folder: Path, base_url: str, options: dict[str, str | None] | None = None) -> tuple[Path, int]:
    """Write `folder/feed.xml` for the sessions in `folder`; return its path and the episode count."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    base_url = check_base_url(base_url)
    settings = channel_settings(folder, options)
    items = episodes(folder)
    path = folder / FEED_NAME
    write_atomic(path, feed_xml(items, base_url, settings))
    return path, len(items)
