"""The sessions page as an installable web app: its script, style, service worker, manifest and icons.

They are served beside the sessions, at names no session file can have (a session's
files end in .mp3, .json, .vtt or an image type), so the service worker's scope is the
folder the page is in, whether that is a server's root or the studio's /sessions/.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from pilates_audio.publish.channel import Channel

SCRIPT = "text/javascript; charset=utf-8"
MANIFEST = "manifest.webmanifest"
ICON_SIZES = (192, 512)  # what Android and iOS ask of an installable app
THEME = "#2a775a"
# The files kept as they are in the package, with their media types.
STATIC = {
    "player.js": SCRIPT,
    "player.css": "text/css; charset=utf-8",
    "sw.js": SCRIPT,
    "icon.svg": "image/svg+xml",
}
APP_NAMES = frozenset([*STATIC, MANIFEST, *(f"icon-{size}.png" for size in ICON_SIZES)])


def app_file(name: str, settings: Channel) -> tuple[bytes, str] | None:
    """Return one of the app's files and its media type, or None if `name` is not one."""
    if name in STATIC:
        return _static(name), STATIC[name]
    if name == MANIFEST:
        return manifest(settings), "application/manifest+json"
    if name in APP_NAMES:  # an icon
        return _icon(int(name[len("icon-"):-len(".png")])), "image/png"
    return None


@functools.lru_cache(maxsize=None)
def _static(name: str) -> bytes:
    data = resources.files("pilates_audio.publish").joinpath("player", name).read_bytes()
    if name == "sw.js":  # the files it keeps for offline are the app's, named once, here
        data = data.replace(b'"__APP_FILES__"', json.dumps(sorted(APP_NAMES - {name})).encode("utf-8"))
    return data


@functools.lru_cache(maxsize=None)
def _icon(size: int) -> bytes:
    from pilates_audio.publish.icons import icon_png  # numpy, only once an icon is asked for: `feed` starts faster

    return icon_png(size)


@functools.lru_cache(maxsize=8)
def manifest(settings: Channel) -> bytes:
    """Return the web app manifest: the channel's title as the app's name, opening the page it was installed from."""
    data = {
        "name": settings.title,
        "short_name": settings.title if len(settings.title) <= 12 else "Pilates",
        "description": settings.description,
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#fafaf7",
        "theme_color": THEME,
        "icons": [{"src": "icon.svg", "sizes": "any", "type": "image/svg+xml"},
                  *({"src": f"icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png",
                     "purpose": "any maskable"} for size in ICON_SIZES)],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
