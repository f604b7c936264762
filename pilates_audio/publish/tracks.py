"""The files of a session split into tracks: their folder, names and tags, and the playlist that lists them.

A split session `<name>` gets a folder `<name>.tracks/` beside its MP3 holding one MP3
per chapter, `01 - Warm-up.mp3`, …, and the playlist `<name>.m3u8` naming them in
order. The folder is all a player needs: copied to a headset or a stick, it plays in
order, by file name or by the playlist. Page, feed and `serve` list only the files
directly in a folder of sessions, so tracks are never taken for sessions.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pilates_audio import languages
from pilates_audio.format import COVER_TYPES, Routine
from pilates_audio.publish.export import DEFAULT_ARTIST, GENRE, milliseconds
from pilates_audio.timing import SAMPLE_RATE, Script

FOLDER = ".tracks"  # the folder of a session's tracks: `<name>.tracks`
PLAYLIST = ".m3u8"  # the playlist in it: `<name>.m3u8`
TITLE_BYTES = 96  # bytes of a chapter's title kept in its track's file name: well within any file system's limit
# Characters that FAT, exFAT and NTFS (a headset's or a stick's file system) refuse in a name,
# and control characters; the path separators become a dash, the rest go.
_DASHED = re.compile(r"[/\\:]")
_REFUSED = re.compile(r'[<>"|?*\x00-\x1f\x7f]')
_TRACK = re.compile(r"[0-9]{2,}( - [^/\\]+)?\.mp3")  # what a track's file name looks like (never a path)


@dataclass(frozen=True)
class SplitTrack:
    """One track of a split session: its number, title, file name and length."""

    number: int
    title: str
    file: str  # the name in the tracks folder
    samples: int


def folder(out_dir: Path, name: str) -> Path:
    """Return the folder a session's tracks are written to."""
    return out_dir / f"{name}{FOLDER}"


def playlist_name(home: Path) -> str:
    """Return the name of a session's playlist in its tracks folder: the session's name."""
    return home.name[:-len(FOLDER)] + PLAYLIST


def playlist(out_dir: Path, name: str) -> Path:
    """Return where a session's playlist is written, in its tracks folder."""
    home = folder(out_dir, name)
    return home / playlist_name(home)


def file_name(number: int, total: int, title: str) -> str:
    """Return a track's file name: its number, zero-padded so names sort in order, and its title, made safe."""
    width = max(2, len(str(total)))
    text = " ".join(_DASHED.sub("-", unicodedata.normalize("NFC", title)).split())  # tabs and breaks: spaces
    text = " ".join(_REFUSED.sub("", text).split())
    while len(text.encode("utf-8")) > TITLE_BYTES:
        text = text[:-1]
    # A leading dot would hide the file; a trailing dot or space is dropped by Windows.
    text = text.strip(". ")
    return f"{number:0{width}d} - {text}.mp3" if text else f"{number:0{width}d}.mp3"


def tracks(script: Script, cuts: list[tuple[int, int]]) -> list[SplitTrack]:
    """Return the tracks of a session from its cuts: (the chapter each begins with, its samples)."""
    titles = [script.chapters[chapter].title for chapter, _ in cuts]
    return [SplitTrack(number, title, file_name(number, len(cuts), title), samples)
            for number, (title, (_, samples)) in enumerate(zip(titles, cuts), 1)]


def playlist_m3u8(found: list[SplitTrack]) -> bytes:
    """Return the extended M3U playlist (UTF-8) of the tracks, in order, by their names in the same folder."""
    lines = ["#EXTM3U"]
    for track in found:
        title = " ".join(track.title.split())  # a line break in a title would end its line
        lines += [f"#EXTINF:{round(track.samples / SAMPLE_RATE)},{title}", track.file]
    return ("\n".join(lines) + "\n").encode("utf-8")


def previous(out_dir: Path, name: str) -> list[Path]:
    """Return the files of an earlier split of a session: the tracks its playlist lists, then the playlist.

    Only names a track is written as count, directly in the folder: whatever else
    the folder holds was not written by a split, and is left.
    """
    path = playlist(out_dir, name)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    listed = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [path.parent / line for line in dict.fromkeys(listed) if _TRACK.fullmatch(line)] + [path]


def tag(path: Path, track: SplitTrack, total: int, routine: Routine, script: Script, cover: bytes | None = None,
        year: int | None = None) -> None:
    """Write a track's ID3v2.3 tags: the chapter as its title, the session as its album, its number of all."""
    from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, TPE2, TRCK, PictureType

    artist = routine.instructor or DEFAULT_ARTIST
    tags = ID3()
    tags.add(TIT2(encoding=3, text=track.title))
    tags.add(TPE1(encoding=3, text=artist))
    tags.add(TPE2(encoding=3, text=artist))  # the album's artist: players keep the tracks together under it
    tags.add(TALB(encoding=3, text=routine.title))
    tags.add(TRCK(encoding=3, text=f"{track.number}/{total}"))
    tags.add(TCON(encoding=3, text=GENRE))
    tags.add(TDRC(encoding=3, text=str(year or datetime.date.today().year)))
    tags.add(TLEN(encoding=3, text=str(milliseconds(track.samples))))
    tags.add(TLAN(encoding=3, text=languages.phrasebook(languages.resolve(script.pacing.language)).iso639_2))
    if cover is not None and routine.cover is not None:
        tags.add(APIC(encoding=3, mime=COVER_TYPES[routine.cover.suffix.lower()], type=PictureType.COVER_FRONT,
                      desc="Cover", data=cover))
    tags.save(path, v2_version=3)
