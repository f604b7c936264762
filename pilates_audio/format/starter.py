"""The commented starter routine that `pilates-audio new` writes."""

from __future__ import annotations

import json
import os
import re
import textwrap
import urllib.parse
from pathlib import Path
from typing import Any

from yaml.reader import Reader

from pilates_audio import languages
from pilates_audio.errors import InputError, Problem
from pilates_audio.format.values import check_text
from pilates_audio.format.schema import SHIPPED

# Everything the format offers is in use, except what needs something of the user's
# own (an image, a block file, an installed voice): those are shown commented out.
# One template for every language: the spoken lines are the phrasebook's `starter` block
# (languages/<tag>.yaml), and the notes stay English, quoting the tool's words in the language.
TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A pilates-audio routine. Lines starting with # are notes for you; the format
# reference is docs/routine-format.md, and `pilates-audio schema` lets editors help.
#   check it:   pilates-audio check {file}
#   hear it:    pilates-audio render {file}

title: {title}  # said first; also the MP3's title
description: {description}
instructor: {instructor}  # the MP3's artist
collection: {collection}  # the MP3's album, so players keep your sessions together
# cover: cover.jpg  # a JPEG or PNG beside this file, shown by players
# music: calm.mp3  # music beside this file to play under the voice, looped; or a list played in turn
# voice: {voice}  # one of the ids that `pilates-audio voices` lists
language: {language}  # the words the tool adds (counts, "{inhale}", "{next_up}"): {languages}

# How the session breathes. Flags such as --inhale 5s override these for one render.
pacing:
  preset: gentle  # gentle, standard or brisk: starting values for everything below
  inhale: 4s
  exhale: 5s
  rate: 150  # speech, in words per minute
  # engine: piper  # piper (neural voices), pyttsx3, or auto (the default: piper when a Piper voice is installed)
  transition: 1 breath  # the pause between exercises (seconds or breaths)
  breath_cues: voice  # voice ("{inhale}"), tone (a soft chime) or silent
  breath_cues_every: 3  # name the first breath of each part, then every third (1: every breath)
  count_reps: true  # say "{counts[0]}", "{counts[1]}" ... "{last_one}"
  countdown: 3  # seconds counted down into a hold; 0 for none
  halfway: true  # say "{halfway}" in holds of 30 seconds or more
  announce_next: true  # name the next exercise while you rest
  guidance: standard  # how much is said: full, standard, or minimal (names and counts)
  min_phase: 3s  # the shortest inhale or exhale --length may choose
  max_phase: 7s  # and the longest
  # The music under the voice, when `music:` names some:
  music_level: -14  # its loudness relative to the speech, in LU
  duck: 12  # how many dB it dips while a line or tone sounds
  duck_attack: 0.3s  # how early before a line it starts to dip
  duck_release: 0.6s  # how long after a line it takes to come back
  music_fade: 3s  # its fade-in at the start and fade-out at the end

# Said after the title. Keep a safety notice at the start of every session.
intro: >-
{intro}

# Sections group exercises; each section's name is said before its first exercise.
# A routine without sections lists its exercises under `exercises:` instead.
sections:
  - name: {warm_up}
    exercises:
      # A block file holds a list of exercises that several routines share:
      # - include: blocks/warm-up.yaml
      - name: {shoulder_rolls[name]}
        setup: {shoulder_rolls[setup]}  # said before the work starts
        cues: {shoulder_rolls[cue]}  # said between the counts
        reps: 6
        rest: 1 breath  # a duration: 20s, 1m30s, or breaths

  - name: {main_set}
    # rounds: 2  # play the whole section twice, a circuit ("{round}")
    exercises:
      - name: {spine_stretch[name]}
        setup: {spine_stretch[setup]}
        cues:  # several cues, said in turn
          - {spine_stretch[cues][0]}
          - {spine_stretch[cues][1]}
        reps: 4-6  # a range: the low end, unless --length asks for more
        breaths_per_rep: 2  # each rep lasts two breaths
        pacing: {{inhale: 4s, exhale: 6s}}  # this exercise's own tempo (flags still win)
        rest: 2 breaths

      - name: {bridge[name]}
        setup: {bridge[setup]}
        cues:  # a cue can say when: at the start of a breath phase, or as a rep begins
          - {{say: {bridge[cues][0]}, on: inhale}}  # on every rep; reps: [1, 2] or every: 2 for fewer
          - {{say: {bridge[cues][1]}, on: exhale}}
          - {{say: {bridge[cues][2]}, at: 5}}  # as rep 5 begins
        reps: 5
        hold_each: 3s  # still at the top of each rep, between its inhale and its exhale
        rest: 1 breath

      - name: {hundred[name]}
        setup: {hundred[setup]}
        work: 10 breaths  # timed movement (seconds or breaths): "{work}", never "{hold}"
        pulses: 5  # five even counts in every inhale and exhale: "{pulses}"

      - name: {saw[name]}
        setup: {saw[setup]}
        reps: 4
        sides: alternate  # one set, each rep twisting to the other side, from the left

      - name: {leg_circles[name]}
        setup: {leg_circles[setup]}
        reps: 5
        reverse: true  # then five the other way
        sides: both
        switch: 6s  # the time to change legs or direction (default: the transition)

      - name: {side_plank[name]}
        setup: {side_plank[setup]}
        cues: {side_plank[cue]}
        hold: 3 breaths  # a timed hold
        kind: effort  # counted in, with "Halfway."; stretch or rest for none of that (the name decides if left out)
        sides: both  # left, then right; or [right, left]
        rest: 20s-40s  # ranges work for holds and rests too

      - name: {childs_pose[name]}
        # No reps and no hold: the cues are said, then one breath of quiet.
        cues: {childs_pose[cue]}

outro: {outro}
"""


def file_name(title: str) -> str:
    """Return the file name `new` writes by default: the title, lower-case, with dashes."""
    slug = re.sub(r"[\W_]+", "-", title.lower()).strip("-")
    slug = slug[:60].rstrip("-")  # file systems limit a name to 255 bytes; a long title needs far less
    return f"{slug or 'routine'}.yaml"


def schema_reference(folder: Path) -> str:
    """Return how a routine in `folder` refers to the package's schema.

    A relative path when both are in one project (a clone of this repository), else a file URI.
    """
    schema, folder = SHIPPED.resolve(), folder.resolve()
    try:
        shared = Path(os.path.commonpath([schema, folder]))
    except ValueError:  # another drive, on Windows
        return schema.as_uri()
    if shared == Path(shared.anchor):
        return schema.as_uri()
    return urllib.parse.quote(Path(os.path.relpath(schema, folder)).as_posix(), safe="/._-~")


def starter(title: str, path: Path | None, language: str = languages.DEFAULT) -> str:
    """Return the starter routine for `title`, to be written at `path` (None: printed), in `language`."""
    # The title is the user's: refuse one the routine could not use, as check would.
    if re.search(r"[\ud800-\udfff]", title):  # bytes that were not UTF-8, kept by the shell's decoding
        raise InputError("title is not valid text (it holds bytes that are not UTF-8)")
    problems: list[Problem] = []
    spoken = check_text(title, "title", problems)
    if spoken is None:
        raise InputError(problems[0].message)
    folder = path.parent if path is not None else Path.cwd()
    shown = str(path) if path is not None else file_name(title)
    return TEMPLATE.format(**_said(language), schema=schema_reference(folder), title=_quoted(spoken),
                           file=shown if re.fullmatch(r"[\w./-]+", shown) else json.dumps(shown))


def _said(language: str) -> dict[str, Any]:
    """Return what the starter says in a language: the phrasebook's `starter` lines, and the tool's words quoted."""
    book = languages.phrasebook(languages.resolve(language))
    *others, last = languages.offered()
    # A voice that speaks the language, where the phrasebook suggests one.
    voice = book.voices.get("piper") or languages.phrasebook(languages.DEFAULT).voices["piper"]
    return {**book.starter, "intro": textwrap.indent(book.starter["intro"], "  "), **_quoted_words(book),
            # The tag as given (de-AT), not only the phrasebook's (de): the files name the region too.
            "language": languages.normalize(language), "languages": f"{', '.join(others)} or {last}",
            "voice": voice}


def _quoted_words(book: languages.Phrasebook) -> dict[str, str]:
    """Return the tool's own words that the starter's notes quote, as the phrasebook has them said."""
    def unended(phrase: str) -> str:
        return phrase[:-1] if phrase.endswith(".") else phrase

    return {"inhale": book.breath_cue("inhale"), "halfway": book.say("halfway"), "round": book.round_of(2, 2),
            "next_up": book.phrases["next_up"].split("{name}")[0].rstrip(" :"),
            "last_one": book.rep_line(2, last=True, phase=None),
            "work": unended(book.phrases["work"]).format(duration="..."),
            "pulses": ", ".join([unended(book.say("pulse_inhale")), *(book.number(n) for n in range(2, 6))])}


def _quoted(text: str) -> str:
    """Write text as a YAML double-quoted string, escaping what YAML does not allow in a file."""
    # What YAML's reader refuses in a file is written as \uXXXX, which it reads back.
    return Reader.NON_PRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(text, ensure_ascii=False))
