"""The routine language's keys, in one table: where each goes, what it holds, what it needs, and what it does.

The checker takes each place's keys (and what a key needs) from here, the JSON Schema its descriptions and
choices, and a test holds the key tables of docs/routine-format.md to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilates_audio.format.model import Kind

COVER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
MAX_COVER_BYTES = 5_000_000
MAX_ROUNDS = 20  # a circuit played more often than this is better written as a longer one
MAX_PULSES = 10  # even counts in one breath phase
ALTERNATE = ("left", "right")  # sides: alternate, rep by rep, from the left
SIDE_ORDERS = {("left", "right"), ("right", "left")}
PHASES = ("inhale", "exhale")
DOING = ("reps", "work", "hold")  # what an exercise does for a time: what sides, pulses and tied cues need


@dataclass(frozen=True)
class Key:
    """One key: what its value is, the values it may take (if few), the keys it needs beside it (any one), its help."""

    name: str
    kind: str  # text, said (one text or one per language), number, duration, flag, choice, list, mapping
    help: str
    values: tuple = ()
    needs: tuple[str, ...] = ()
    required: bool = False


ROUTINE = (
    Key("title", "text", "The session's title; spoken first, and the MP3's title.", required=True),
    Key("description", "text", "A sentence or two about the session (not spoken)."),
    Key("instructor", "text", "Who made the session; the MP3's artist."),
    Key("collection", "text", "The MP3's album, to group sessions in a player."),
    Key("cover", "text", "A JPEG or PNG image, relative to the routine file: the MP3's cover.",
        values=tuple(COVER_TYPES)),
    Key("music", "list", "Music under the voice: a file, or a list played in turn and looped, relative to the "
                         "routine file (any format ffmpeg reads)."),
    Key("voice", "text", "An engine voice id; the same as pacing's voice (give only one)."),
    Key("language", "text", "The session's language; the same as pacing's language (give only one)."),
    Key("pacing", "mapping", "Pacing settings; flags and a pacing file override them."),
    Key("intro", "said", "Spoken after the title."),
    Key("exercises", "list", "Exercises, and includes of block files."),
    Key("sections", "list", "Named groups of exercises (instead of exercises)."),
    Key("outro", "said", "Spoken at the end."),
)

SECTION = (
    Key("name", "text", "The section's name.", required=True),
    Key("rounds", "number", "Play the section this many times (a circuit): \"Round two of three.\""),
    Key("exercises", "list", "Exercises, and includes of block files.", required=True),
)

EXERCISE = (
    Key("name", "text", "The exercise's name: spoken, and its chapter's title.", required=True),
    Key("kind", "choice", "What the exercise asks: effort (counted into, \"Halfway.\", \"Last few.\"), stretch (none "
                          "of those) or rest (none, announced and kept quiet as a rest). Without it: rest for names "
                          "such as Rest or Child's pose, stretch for a held Stretch, Twist or Fold, else effort.",
        values=tuple(kind.value for kind in Kind)),
    Key("setup", "said", "How to get into position; spoken before the work."),
    Key("cues", "list", "Lines spoken during the work: one text or a list. Plain text is spread over the work; a "
                        "mapping says when: {say: …, on: exhale} or {say: …, at: 6}. Any text may be one per "
                        "language: {en: …, de: …}."),
    Key("reps", "number", "Counted repetitions: a whole number, or a range such as 6-10."),
    Key("breaths_per_rep", "number", "Breaths per repetition (fractions allowed); needs reps.", needs=("reps",)),
    Key("hold_each", "duration", "Seconds held still at the top of each rep, after its first inhale (3s, or a range "
                                 "such as 3s-4s); needs reps.", needs=("reps",)),
    Key("work", "duration", "Continuous movement for a time (30s, 10 breaths), after the reps if both are given: "
                            "breath marks, halfway and \"Last few.\"."),
    Key("hold", "duration", "A timed hold, after the reps and work if they are given."),
    Key("pulses", "number", "Even counts inside every inhale and exhale of the reps, work or hold (the Hundred: 5): "
                            "\"In, two, three, four, five\", or ticks with tones.", needs=DOING),
    Key("sides", "choice", "Do the reps, work and hold once per side; alternate: one set of reps, each rep on the "
                           "other side, from the left.",
        values=("both", ["left", "right"], ["right", "left"], "alternate"), needs=DOING),
    Key("reverse", "flag", "After the reps (on each side), do them again in the other direction.", needs=("reps",)),
    Key("switch", "duration", "Time to change side or direction: quiet after \"Now the right side.\", before any "
                              "countdown (default: the transition).", needs=("sides", "reverse")),
    Key("rest", "duration", "A rest after the exercise; 0 (or a range from 0, such as 0-2 breaths) for none."),
    Key("pacing", "mapping", "This exercise's own tempo and narration; flags and a pacing file still win."),
)

CUE = (
    Key("say", "said", "The words to speak.", required=True),
    Key("on", "choice", "Said at the start of this phase on every rep (or breath of a hold).", values=PHASES),
    Key("at", "number", "Said as this rep begins, after its count."),
    Key("reps", "list", "With on: only on these reps.", needs=("on",)),
    Key("every", "number", "With on: on every Nth rep, from the first.", needs=("on",)),
)

ROUTINE_KEYS = tuple(key.name for key in ROUTINE)
SECTION_KEYS = tuple(key.name for key in SECTION)
EXERCISE_KEYS = tuple(key.name for key in EXERCISE)
CUE_KEYS = tuple(key.name for key in CUE)


def find(table: tuple[Key, ...], name: str) -> Key:
    """Return the key of that name in a table."""
    return next(key for key in table if key.name == name)
