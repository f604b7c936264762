"""Everything written about a session besides its audio: tags, and the sidecar files (script, transcript, chapters)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pilates_audio import languages
from pilates_audio.errors import InputError
from pilates_audio.format import COVER_TYPES, MAX_COVER_BYTES, Routine
from pilates_audio.timing import SAMPLE_RATE, Script

DEFAULT_ARTIST = "pilates-audio"
DEFAULT_ALBUM = "Pilates sessions"
GENRE = "Fitness"
CHAPTERS_VERSION = "1.2.0"  # the Podcasting 2.0 JSON chapters format
COVERS = tuple(f".cover{suffix}" for suffix in COVER_TYPES)  # a session's cover beside it, of the routine's type


def milliseconds(count: int) -> int:
    """Convert samples to whole milliseconds."""
    return int(round(count * 1000 / SAMPLE_RATE))


def script_json(script: Script) -> bytes:
    """Return the timed script as the JSON written beside the MP3."""
    return script.dumps().encode("utf-8")


def chapters_json(script: Script) -> bytes:
    """Return the chapters in the Podcasting 2.0 JSON chapters format."""
    data = {
        "version": CHAPTERS_VERSION,
        "title": script.title,
        # The format has no field for it; readers ignore keys they do not know, and players that do can show it.
        "language": script.pacing.language,
        "chapters": [{"startTime": round(c.start / SAMPLE_RATE, 3), "title": c.title} for c in script.chapters],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _vtt_time(count: int) -> str:
    total = milliseconds(count)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _vtt_text(text: str) -> str:
    # WebVTT cue text is HTML-like, and "-->" would end the timing line's meaning.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def transcript_vtt(script: Script) -> bytes:
    """Return a WebVTT transcript: one cue per spoken line, at its exact times."""
    # The header's second line names the language, as players that show a track's language read it.
    blocks = [f"WEBVTT - {_vtt_text(script.title)}\nLanguage: {script.pacing.language}"]
    spoken = [cue for cue in script.cues if cue.kind == "speech"]
    for number, cue in enumerate(spoken, 1):
        blocks.append(f"{number}\n{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}\n{_vtt_text(cue.text)}")
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def write_file(path: Path, data: bytes) -> None:
    """Write a finished output's bytes to an already-reserved temporary path."""
    with open(path, "wb") as f:
        f.write(data)


@dataclass(frozen=True)
class Sidecar:
    """A file written beside a session's MP3: what makes its bytes, and the media type it is served as."""

    make: Callable[[Script], bytes]
    media_type: str


# The files written beside each MP3, by suffix: a new output is one row.
SIDECARS = {
    ".json": Sidecar(script_json, "application/json; charset=utf-8"),
    ".vtt": Sidecar(transcript_vtt, "text/vtt; charset=utf-8"),
    ".chapters.json": Sidecar(chapters_json, "application/json; charset=utf-8"),
}
# What a session's files are served as, by their last suffix: the MP3, its sidecars, its cover.
MEDIA_TYPES = {".mp3": "audio/mpeg", **{suffix[suffix.rindex("."):]: sidecar.media_type
                                        for suffix, sidecar in SIDECARS.items()}, **COVER_TYPES}


def write_sidecars(temps: dict[str, Path], script: Script) -> None:
    """Write every sidecar of the script to its already-reserved temporary path, found by its suffix."""
    for suffix, sidecar in SIDECARS.items():
        write_file(temps[suffix], sidecar.make(script))


def cover_bytes(path: Path) -> bytes:
    """Read a cover image, checked again as it is read: a regular file within the size limit."""
    from pilates_audio.files import NotRegular, read_regular

    try:
        data, size = read_regular(path, MAX_COVER_BYTES)
    except NotRegular:
        raise InputError(f"cover image {path} is not a regular file any more; give a JPEG or PNG file") from None
    if size > MAX_COVER_BYTES or len(data) > MAX_COVER_BYTES:
        raise InputError(f"cover image {path} grew past the limit of {MAX_COVER_BYTES:,} bytes while rendering")
    return data


def tag_mp3(path: Path, script: Script, routine: Routine, year: int | None = None, cover: bytes | None = None) -> None:
    """Write the session's ID3v2.3 tags, chapters and cover (read from the routine's, unless given) into the MP3."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, CTOCFlags, PictureType

    tags = ID3()
    tags.add(TIT2(encoding=3, text=routine.title))
    tags.add(TPE1(encoding=3, text=routine.instructor or DEFAULT_ARTIST))
    tags.add(TALB(encoding=3, text=routine.collection or DEFAULT_ALBUM))
    tags.add(TCON(encoding=3, text=GENRE))
    tags.add(TDRC(encoding=3, text=str(year or datetime.date.today().year)))
    tags.add(TLEN(encoding=3, text=str(milliseconds(script.duration))))
    tags.add(TLAN(encoding=3, text=languages.phrasebook(languages.resolve(script.pacing.language)).iso639_2))
    if routine.description:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=routine.description))
    if routine.cover is not None:
        tags.add(APIC(encoding=3, mime=COVER_TYPES[routine.cover.suffix.lower()], type=PictureType.COVER_FRONT,
                      desc="Cover", data=cover if cover is not None else cover_bytes(routine.cover)))
    ids = [f"chp{i:04d}" for i in range(len(script.chapters))]  # sorted as stored: file order = chapter order
    ends = [c.start for c in script.chapters[1:]] + [script.duration]
    # Several players show no chapters without a top-level, ordered table of contents. A
    # section is a table of its own under it: its chapter, then its exercises' chapters.
    top: list[str] = []
    sections: dict[str, tuple[str, list[str]]] = {}
    for i, chapter in enumerate(script.chapters):
        if chapter.level and sections:
            list(sections.values())[-1][1].append(ids[i])
        elif i + 1 < len(script.chapters) and script.chapters[i + 1].level:
            sections[f"toc{i:04d}"] = (chapter.title, [ids[i]])
            top.append(f"toc{i:04d}")
        else:
            top.append(ids[i])
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=top,
                  sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, (title, children) in sections.items():
        tags.add(CTOC(element_id=element_id, flags=CTOCFlags.ORDERED, child_element_ids=children,
                      sub_frames=[TIT2(encoding=3, text=title)]))
    for element_id, chapter, end in zip(ids, script.chapters, ends):
        tags.add(CHAP(element_id=element_id, start_time=milliseconds(chapter.start), end_time=milliseconds(end),
                      sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    # v2.3 is the version the widest range of players and car stereos read.
    tags.save(path, v2_version=3)
    order_chapter_frames(path)


def order_chapter_frames(path: Path) -> None:
    """Put the table of contents, then the chapters in time order, in the file's ID3v2.3 tag.

    mutagen stores frames by size, and ffmpeg and some players list chapters in the
    order they are stored. Only the frames' order changes: the tag keeps its size.
    """
    with open(path, "r+b") as f:
        header = f.read(10)
        if header[:3] != b"ID3" or header[3] != 3 or header[5] & 0xC0:
            return  # not a plain v2.3 tag (no unsynchronisation, no extended header): leave it be
        size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(header[6:10]))
        body = f.read(size)
        frames, position = [], 0
        while position + 10 <= len(body) and body[position:position + 4].strip(b"\0"):
            length = int.from_bytes(body[position + 4:position + 8], "big")
            frames.append(body[position:position + 10 + length])
            position += 10 + length
        padding = body[position:]

        def start(frame: bytes) -> int:
            # A CHAP frame: element id ending in a zero byte, then the start time in ms.
            after = frame.index(b"\0", 10) + 1
            return int.from_bytes(frame[after:after + 4], "big")

        kinds = [frame[:4] for frame in frames]
        # The top-level table first ("toc"), then the sections' in their order ("toc0003", …).
        toc = sorted((frame for frame in frames if frame[:4] == b"CTOC"), key=lambda frame: frame[10:frame.index(b"\0", 10)])
        chapters = sorted((frame for frame in frames if frame[:4] == b"CHAP"), key=start)
        if not chapters:
            return
        first = min(i for i, kind in enumerate(kinds) if kind in (b"CHAP", b"CTOC"))
        rest = [frame for frame in frames if frame[:4] not in (b"CHAP", b"CTOC")]
        ordered = rest[:first] + toc + chapters + rest[first:]
        f.seek(10)
        f.write(b"".join(ordered) + padding)
