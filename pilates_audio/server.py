"""Serve a folder of sessions read-only: a phone-friendly page, the files, and the feed."""

from __future__ import annotations

import html
import posixpath
import re
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from pilates_audio import feed
from pilates_audio.errors import InputError, PilatesAudioError
from pilates_audio.units import format_clock

TYPES = {
    ".mp3": "audio/mpeg",
    ".json": "application/json; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
CHUNK = 64 * 1024
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Handler(BaseHTTPRequestHandler):
    """Answer GET and HEAD for the page, the feed and the files of one folder."""

    server_version = "pilates-audio"
    protocol_version = "HTTP/1.1"  # keep-alive: players make many range requests while seeking
    default_request_version = "HTTP/1.0"  # so even a garbled request gets a status line back
    folder: Path  # set on the subclass made for each server
    index: feed.Index  # the folder's sessions, kept between requests
    hosts: frozenset[str] = frozenset()  # the host names it answers for (see answers_for)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # a quiet server: requests are not news

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

    def _answer(self, body: bool) -> None:
        try:
            self._route(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the player moved on (a seek closes the old request): nothing to say
        except Exception:  # never a traceback to the client or the terminal
            try:
                self._plain(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error\n", body)
            except OSError:
                pass

    def _plain(self, status: HTTPStatus, text: str, body: bool, extra: dict | None = None) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _send(self, data: bytes, content_type: str, body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _base_url(self) -> str | None:
        host = self.headers.get("Host", "")
        return f"http://{host}/" if _HOST.match(host) else None

    def _route(self, body: bool) -> None:
        host = self.headers.get("Host")
        if host is not None and _host_name(host) not in self.hosts and not _loopback(_host_name(host)):
            # A page a browser reached by another name (DNS rebinding) gets nothing from here.
            self._plain(HTTPStatus.MISDIRECTED_REQUEST, "this server does not answer for that host name\n", body)
            return
        raw = urlsplit(self.path).path
        name = _safe_name(raw)
        if name is None:
            self._plain(HTTPStatus.BAD_REQUEST, "bad path\n", body)
            return
        if name == "":
            self._send(page(self.index.episodes()).encode("utf-8"), "text/html; charset=utf-8", body)
            return
        if name == feed.FEED_NAME:
            base = self._base_url()
            if base is None:
                self._plain(HTTPStatus.BAD_REQUEST, "bad Host header\n", body)
                return
            self._send(feed.feed_xml(self.index.episodes(), base), TYPES[".xml"], body)
            return
        path = _inside(self.folder, name)
        if path is None:
            self._plain(HTTPStatus.NOT_FOUND, "not found\n", body)
            return
        self._file(path, body)

    def _file(self, path: Path, body: bool) -> None:
        size = path.stat().st_size
        start, end = 0, size - 1
        status = HTTPStatus.OK
        wanted = self.headers.get("Range")
        if wanted:
            match = _RANGE.match(wanted.strip())
            if match and (match[1] or match[2]):
                if match[1]:
                    start = int(match[1])
                    end = min(int(match[2]), size - 1) if match[2] else size - 1
                else:  # the last N bytes
                    start = max(0, size - int(match[2]))
                if start >= size or start > end:
                    self._plain(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "range not satisfiable\n", body,
                                {"Content-Range": f"bytes */{size}"})
                    return
                status = HTTPStatus.PARTIAL_CONTENT
            # Anything else (several ranges, other units) is answered with the whole file.
        self.send_response(status)
        self.send_header("Content-Type", TYPES[path.suffix.lower()])
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if not body:
            return
        with open(path, "rb") as f:
            f.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                data = f.read(min(CHUNK, remaining))
                if not data:
                    break
                self.wfile.write(data)
                remaining -= len(data)


def _safe_name(raw: str) -> str | None:
    """Return the file name a request path asks for, or None if it tries to leave the folder."""
    if not raw.startswith("/"):
        return None
    decoded = unquote(raw)
    # Decoding once must leave plain names: no second encoding, no backslashes, no NULs.
    if "%" in decoded or "\\" in decoded or "\x00" in decoded:
        return None
    parts = decoded.split("/")[1:]
    if any(part in ("..", ".") for part in parts):
        return None
    name = posixpath.normpath(decoded).lstrip("/")
    return "" if name in ("", ".") else name


def _inside(folder: Path, name: str) -> Path | None:
    """Return the served file for a name, or None unless it is a plain file of ours inside the folder."""
    if "/" in name or name.startswith(".") or Path(name).suffix.lower() not in TYPES:
        return None
    path = folder / name
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    # resolve() follows links: what it finds must still be a file directly inside the folder.
    if real.parent != folder.resolve() or not real.is_file() or path.is_symlink():
        return None
    return real


def page(episodes: list[feed.Episode]) -> str:
    """Return the HTML page: each session with a player and chapters that seek."""
    sessions = []
    for episode in episodes:
        items = "".join(
            f'<li><button type="button" class="chapter" data-start="{start:.3f}">'
            f'<span class="time">{format_clock(start)}</span> {html.escape(title)}</button></li>'
            for start, title in episode.chapters
        )
        mp3 = quote(episode.mp3.name)
        sessions.append(
            f'<section class="session" id="{html.escape(episode.name)}">'
            f"<h2>{html.escape(episode.title)}</h2>"
            f'<p class="meta">{format_clock(episode.duration)}'
            + (f" · {html.escape(episode.description)}" if episode.description else "")
            + f'</p><audio controls preload="metadata" src="{mp3}"></audio>'
            f'<ol class="chapters">{items}</ol>'
            f'<p class="links"><a href="{mp3}" download>Download MP3</a></p></section>'
        )
    body = "".join(sessions) or "<p>No sessions here yet: render one into this folder.</p>"
    return PAGE.format(body=body, feed=feed.FEED_NAME)


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pilates sessions</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 40rem; padding: 1rem; line-height: 1.4;
         color: #222; background: #fafaf7; }}
  h1 {{ font-size: 1.5rem; }}
  .session {{ background: #fff; border-radius: 0.75rem; padding: 1rem; margin: 1rem 0;
              box-shadow: 0 1px 3px rgba(0,0,0,0.1); }}
  h2 {{ margin: 0 0 0.25rem; font-size: 1.2rem; }}
  .meta {{ margin: 0 0 0.75rem; color: #666; }}
  audio {{ width: 100%; }}
  .chapters {{ list-style: none; padding: 0; margin: 0.75rem 0 0; }}
  .chapter {{ display: block; width: 100%; text-align: left; font: inherit; padding: 0.7rem 0.5rem;
              border: 0; border-top: 1px solid #eee; background: none; cursor: pointer; }}
  .chapter:hover, .chapter:focus {{ background: #f0f4f0; }}
  .time {{ display: inline-block; min-width: 3.5rem; color: #2a7; font-variant-numeric: tabular-nums; }}
  .hint {{ color: #666; font-size: 0.9rem; }}
</style>
</head>
<body>
<h1>Pilates sessions</h1>
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


def lan_address() -> str | None:
    """Return this machine's address on the local network, if it has one, without sending anything."""
    try:
        candidates = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        return None
    usable = sorted(a for a in candidates if not a.startswith("127."))
    return usable[0] if usable else None


WILDCARDS = ("0.0.0.0", "", "::")


def answers_for(host: str) -> frozenset[str]:
    """Return the host names a server bound to `host` answers for: this machine's, and its LAN address if wider."""
    names = {"localhost", "::1"}
    if host in WILDCARDS:
        lan = lan_address()
        names |= {lan} if lan else set()
    else:
        names.add(host.lower())
    return frozenset(names)


def _host_name(header: str) -> str:
    """Return the name in a Host header, without its port or an IPv6 address's brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _loopback(name: str) -> bool:
    """Tell whether a name is an address of this machine's loopback (127.0.0.0/8)."""
    parts = name.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(part.isdigit() and int(part) < 256 for part in parts)


def make_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    """Bind a server for `folder`; raise a clear error if the address cannot be had."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")  # exit 2, as feed and render say it
    handler = type("FolderHandler", (Handler,), {"folder": folder.resolve(), "hosts": answers_for(host),
                                                  "index": feed.Index(folder.resolve())})
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
            raise PilatesAudioError(f"port {port} on {host} is already in use; choose another with --port") from None
        raise PilatesAudioError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    server.daemon_threads = True
    return server


def urls(server: ThreadingHTTPServer, host: str) -> list[str]:
    """Return the addresses to open: this machine's, and the LAN one when listening beyond it."""
    port = server.server_address[1]
    shown = "127.0.0.1" if host in WILDCARDS else host
    result = [f"http://{shown}:{port}/"]
    if host in WILDCARDS:
        lan = lan_address()
        if lan:
            result.append(f"http://{lan}:{port}/")
    return result
