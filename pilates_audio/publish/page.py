"""The sessions page: the list of a folder's sessions and a full-screen player for one at a time.

The page itself is plain HTML that lists every session; the player, saving for offline
and the lock screen's controls are the web app's script (`webapp`), which reads the
sessions from a JSON block in the page.
"""

from __future__ import annotations

from urllib.parse import quote

from pilates_audio.format import format_clock
from pilates_audio.publish.channel import Channel
from pilates_audio.publish.feed import FEED_NAME, Episode
from pilates_audio.publish.webapp import MANIFEST, THEME


def session_data(episode: Episode, settings: Channel) -> dict[str, object]:
    """Return what the player needs of a session: its files, its words and its chapters."""
    name = episode.name
    return {
        "name": name,
        "title": episode.title,
        "duration": round(episode.duration, 3),
        "language": episode.language,
        "author": episode.author or settings.author,
        "collection": episode.collection or settings.title,
        "version": episode.guid,
        "mp3": quote(episode.mp3.name),
        "script": quote(f"{name}.json"),
        "vtt": quote(f"{name}.vtt") if episode.has_transcript else None,
        "chapters_file": quote(f"{name}.chapters.json") if episode.has_chapters else None,
        "cover": quote(episode.cover) if episode.cover else None,
        "chapters": [[round(start, 3), title] for start, title in episode.chapters],
    }


def _item(episode: Episode) -> str:
    """Return a session's entry in the list: a link that opens it in the player."""
    import html  # here: a render loads this module for its names, and needs none of it

    cover = (f'<img class="cover" src="{quote(episode.cover)}" alt="" width="56" height="56">' if episode.cover
             else '<span class="cover" aria-hidden="true"></span>')
    description = f" · {html.escape(episode.description)}" if episode.description else ""
    # The page's own words are English; each session's title is in its language.
    return (f'<li class="session" data-name="{html.escape(episode.name)}" lang="{html.escape(episode.language)}">'
            f'<a class="open" href="#{html.escape(quote(episode.name))}">{cover}<span class="info">'
            f'<span class="title">{html.escape(episode.title)}</span>'
            f'<span class="meta">{format_clock(episode.duration)}{description}</span>'
            f'<span class="state"></span></span></a></li>')


def page_html(episodes: list[Episode], settings: Channel = Channel()) -> str:
    """Return the HTML page: the list of sessions, the player, and the sessions as data for its script."""
    import html
    import json

    items = "".join(_item(episode) for episode in episodes)
    body = f'<ul class="sessions">{items}</ul>' if items else \
        "<p>No sessions here yet: render one into this folder.</p>"
    # "</script" or "<!--" inside the JSON would end or upset the script element that holds it: no "<" at all.
    data = json.dumps([session_data(episode, settings) for episode in episodes], ensure_ascii=False) \
        .replace("<", "\\u003c")
    return PAGE.format(body=body, feed=FEED_NAME, title=html.escape(settings.title), manifest=MANIFEST, theme=THEME,
                       description=html.escape(settings.description), data=data, player=PLAYER)


BACK_ARROW = "M12 5V1L7 6l5 5V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z"
FORWARD_ARROW = "M12 5V1l5 5-5 5V7a6 6 0 1 0 6 6h2a8 8 0 1 1-8-8z"


def _icon(path: str) -> str:
    return f'<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="{path}"/></svg>'


# The player's markup, filled and shown by player.js; its buttons are large enough to hit from a mat.
PLAYER = f"""<section id="player" hidden aria-label="Player">
<div class="top"><button type="button" id="close" class="text">&#8249; All sessions</button></div>
<div class="art"><img id="art" alt="" width="256" height="256" hidden></div>
<h2 id="session-title"></h2>
<p id="now" class="now"></p>
<p id="line" class="line"></p>
<div id="resume" class="resume" hidden><button type="button" id="resume-at" class="text"></button>
<button type="button" id="start-over" class="text">Start over</button></div>
<div class="seek"><div id="marks" class="marks" aria-hidden="true"></div>
<input id="seek" type="range" min="0" max="1" step="0.1" value="0" aria-label="Position in the session"></div>
<div class="times"><span id="elapsed">0:00</span><span id="left">0:00</span></div>
<div class="controls">
<button type="button" id="previous" aria-label="Previous exercise">{_icon("M6 5h2v14H6zM20 5v14L9 12z")}</button>
<button type="button" id="back" aria-label="Back 15 seconds">{_icon(BACK_ARROW)}
<span class="by">15</span></button>
<button type="button" id="play" class="play" aria-label="Play">{_icon("M7 4v16l13-8z")}</button>
<button type="button" id="forward" aria-label="Forward 15 seconds">{_icon(FORWARD_ARROW)}
<span class="by">15</span></button>
<button type="button" id="next" aria-label="Next exercise">{_icon("M16 5h2v14h-2zM4 5v14l11-7z")}</button>
</div>
<div class="options">
<button type="button" id="repeat" class="text" aria-pressed="false">Repeat this exercise: off</button>
<button type="button" id="pause-after" class="text" aria-pressed="false">Pause after this exercise</button>
<label id="wake-option" hidden><input type="checkbox" id="wake"> Keep the screen on</label>
</div>
<div class="offline"><button type="button" id="save" class="text">Save for offline</button>
<button type="button" id="update" class="text" hidden>Update the saved copy</button>
<button type="button" id="remove" class="text" hidden>Remove the saved copy</button>
<progress id="progress" max="1" value="0" hidden aria-label="Saving for offline"></progress>
<p id="offline-status" aria-live="polite"></p></div>
<p class="links"><a id="download" download>Download the MP3</a></p>
<h3>Exercises</h3>
<ol id="chapters" class="chapters"></ol>
<audio id="audio" preload="metadata"></audio>
</section>"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="{theme}">
<title>{title}</title>
<link rel="manifest" href="{manifest}">
<link rel="icon" href="icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="icon-192.png">
<link rel="stylesheet" href="player.css">
</head>
<body>
<main id="list">
<h1>{title}</h1>
<p class="intro">{description}</p>
{body}
<noscript><p>The player needs JavaScript; every session is also in <a href="{feed}">the podcast feed</a>.</p></noscript>
<p id="storage" class="hint" aria-live="polite"></p>
<p class="hint">To get every session on your phone, subscribe to <a href="{feed}">this podcast feed</a>
in any podcast app (look for "add by URL").</p>
</main>
{player}
<script type="application/json" id="sessions-data">{data}</script>
<script src="player.js"></script>
</body>
</html>
"""
