"""The sessions page: a phone-friendly page with a player and chapters that seek for each session of a folder."""

from __future__ import annotations

from urllib.parse import quote

from pilates_audio.format import format_clock
from pilates_audio.publish.channel import Channel
from pilates_audio.publish.feed import FEED_NAME, Episode


def page_html(episodes: list[Episode], settings: Channel = Channel()) -> str:
    """Return the HTML page: each session with a player and chapters that seek."""
    import html  # here: a render loads this module for its names, and needs none of it

    sessions = []
    for episode in episodes:
        items = "".join(
            f'<li><button type="button" class="chapter" data-start="{start:.3f}">'
            f'<span class="time">{format_clock(start)}</span> {html.escape(title)}</button></li>'
            for start, title in episode.chapters
        )
        mp3 = quote(episode.mp3.name)
        sessions.append(
            # The page's own words are English; each session's title and chapters are in its language.
            f'<section class="session" id="{html.escape(episode.name)}" lang="{html.escape(episode.language)}">'
            f"<h2>{html.escape(episode.title)}</h2>"
            f'<p class="meta">{format_clock(episode.duration)}'
            + (f" · {html.escape(episode.description)}" if episode.description else "")
            + '</p><div class="player">'
            + (f'<img class="cover" src="{quote(episode.cover)}" alt="" width="64" height="64">' if episode.cover else "")
            + f'<audio controls preload="metadata" src="{mp3}"></audio></div>'
            f'<ol class="chapters">{items}</ol>'
            f'<p class="links"><a href="{mp3}" download>Download MP3</a></p></section>'
        )
    body = "".join(sessions) or "<p>No sessions here yet: render one into this folder.</p>"
    return PAGE.format(body=body, feed=FEED_NAME, title=html.escape(settings.title),
                       description=html.escape(settings.description))


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 40rem; padding: 1rem; line-height: 1.4;
         color: #222; background: #fafaf7; }}
  h1 {{ font-size: 1.5rem; margin-bottom: 0.25rem; }}
  .intro {{ margin: 0; color: #666; }}
  .session {{ background: #fff; border-radius: 0.75rem; padding: 1rem; margin: 1rem 0;
              box-shadow: 0 1px 3px rgba(0,0,0,0.1); }}
  h2 {{ margin: 0 0 0.25rem; font-size: 1.2rem; }}
  .meta {{ margin: 0 0 0.75rem; color: #666; }}
  .player {{ display: flex; align-items: center; gap: 0.75rem; }}
  audio {{ flex: 1; min-width: 0; width: 100%; }}
  .cover {{ flex: none; width: 4rem; height: 4rem; object-fit: cover; border-radius: 0.5rem; }}
  .chapters {{ list-style: none; padding: 0; margin: 0.75rem 0 0; }}
  .chapter {{ display: block; width: 100%; text-align: left; font: inherit; padding: 0.7rem 0.5rem;
              border: 0; border-top: 1px solid #eee; background: none; cursor: pointer; }}
  .chapter:hover, .chapter:focus {{ background: #f0f4f0; }}
  .time {{ display: inline-block; min-width: 3.5rem; color: #2a7; font-variant-numeric: tabular-nums; }}
  .hint {{ color: #666; font-size: 0.9rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="intro">{description}</p>
{body}
<p class="hint">To get every session on your phone, subscribe to <a href="{feed}">this podcast feed</a>
in any podcast app (look for "add by URL").</p>
<script>
  document.querySelectorAll(".session").forEach(function (session) {{
    var player = session.querySelector("audio");
    session.querySelectorAll(".chapter").forEach(function (button) {{
      button.addEventListener("click", function () {{
        player.currentTime = parseFloat(button.dataset.start);
        player.play();
      }});
    }});
  }});
</script>
</body>
</html>
"""
