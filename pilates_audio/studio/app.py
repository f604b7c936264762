"""The studio's web app: the page, its JSON API under /api/, and the rendered sessions under /sessions/."""

from __future__ import annotations

import hmac
import html
import os
import secrets
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pilates_audio import compose, speech, web
from pilates_audio.errors import InputError, PilatesAudioError, ValidationError
from pilates_audio.format import starter
from pilates_audio.settings import KEYS, SETTINGS
from pilates_audio.studio import bodies, outline
from pilates_audio.studio.preview import Previews
from pilates_audio.studio.workspace import BadName, Conflict, NotFound, Superseded, Workspace, with_pacing

TOKEN_HEADER = "X-Studio-Token"
SCRIPTS = ("studio.js", "fields.js", "cues.js", "outline.js", "library.js", "pacing.js", "layout.js", "compose.js")
STATIC = {**{name: "text/javascript; charset=utf-8" for name in SCRIPTS}, "studio.css": "text/css; charset=utf-8"}
Handler = Callable[[Request], Awaitable[Response]]


class Forbidden(PilatesAudioError):
    """A request without the run's token or from another origin."""


class Studio:
    """One studio run: its workspace, its token, and the host names it answers for."""

    def __init__(self, workspace: Workspace, hosts: frozenset[str], token: str | None = None,
                 token_in_address: bool = False):
        self.workspace = workspace
        self.phone_address: str | None = None  # the address a phone on the network opens, when it can
        self.hosts = hosts
        self.token = token or secrets.token_urlsafe(24)
        # Listening beyond this machine, the page itself is given only to who has the printed address.
        self.token_in_address = token_in_address
        self.sessions = _sessions_app(workspace.output, hosts)
        self.previews = Previews()
        self.heard = _sessions_app(self.previews.folder, hosts)  # the previews, served as sessions are
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/api/routines"): self.list_routines,
            ("POST", "/api/check"): self.check,
            ("POST", "/api/estimate"): self.estimate,
            ("POST", "/api/render"): self.render,
            ("POST", "/api/new"): self.new,
            ("GET", "/api/voices"): self.voices,
            ("GET", "/api/settings"): self.settings,
            ("GET", "/api/address"): self.address,
            ("GET", "/api/schema"): self.schema,
            ("POST", "/api/pacing-file"): self.pacing_file,
            ("POST", "/api/write-pacing"): self.write_pacing,
            ("POST", "/api/edit"): self.edit,
            ("GET", "/api/library"): self.library,
            ("POST", "/api/preview"): self.preview,
            ("POST", "/api/compose"): self.compose,
        }

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/sessions":  # the page's links are relative to the folder
            await Response(status_code=308, headers={"Location": "/sessions/"})(scope, receive, send)
            return
        for prefix, site in (("/sessions", self.sessions), ("/previews", self.heard)):
            if path.startswith(prefix + "/"):
                raw = scope.get("raw_path") or path.encode("utf-8")
                inner = dict(scope, path=path[len(prefix):] or "/", raw_path=raw[len(prefix):] or b"/",
                             root_path=scope.get("root_path", "") + prefix)
                await site(inner, receive, send)
                return
        request = Request(scope, receive)
        response = await self.answer(request)
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        if web.head_too_large(request.scope):
            return JSONResponse({"error": "request header fields too large"}, 431, headers={"Connection": "close"})
        if not web.host_allowed(request.headers.get("host"), self.hosts):
            return JSONResponse({"error": "this server does not answer for that host name"}, 421)
        path = request.url.path
        try:
            if path == "/":
                return self.page(request)
            if path.startswith("/static/"):
                return _static(path[len("/static/"):])
            if path.startswith("/api/"):
                return await self.api(request)
            return JSONResponse({"error": "not found"}, 404)
        except Forbidden as exc:
            return JSONResponse({"error": exc.message}, 403)
        except NotFound as exc:
            return JSONResponse({"error": exc.message}, 404)

    def page(self, request: Request) -> Response:
        if self.token_in_address and not hmac.compare_digest(request.query_params.get("token", ""), self.token):
            raise Forbidden("open the address the studio printed: it holds this run's key")
        body = resources.files("pilates_audio.studio").joinpath("studio.html").read_text(encoding="utf-8")
        body = body.replace("{{token}}", html.escape(self.token))
        return Response(body, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                 "Content-Security-Policy": "default-src 'self'; media-src 'self' blob:; "
                                                            "img-src 'self' data:; frame-ancestors 'none'"})

    # --- the API ---------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        self.authorize(request)
        path, method = request.url.path, request.method
        try:
            if path.startswith("/api/routines/"):
                name = path[len("/api/routines/"):]
                if method == "GET":
                    return await self.read(name)
                if method == "PUT":
                    return await self.save(name, await bodies.read(request))
                return JSONResponse({"error": "use GET or PUT"}, 405, headers={"Allow": "GET, PUT"})
            handler = self.routes.get((method, path))
            if handler is None:
                known = {m for m, p in self.routes if p == path}
                if known:
                    return JSONResponse({"error": f"use {' or '.join(sorted(known))}"}, 405,
                                        headers={"Allow": ", ".join(sorted(known))})
                return JSONResponse({"error": "no such API path"}, 404)
            return await handler(request)
        except Conflict as exc:
            return JSONResponse({"error": exc.message, "current": exc.current}, 409)
        except Superseded as exc:
            return JSONResponse({"error": exc.message}, 409)
        except ValidationError as exc:
            return JSONResponse({"error": exc.message, "problems": bodies.problems(exc.problems)}, 422)
        except (NotFound, BadName) as exc:
            return JSONResponse({"error": exc.message}, 404 if isinstance(exc, NotFound) else 400)
        except InputError as exc:
            return JSONResponse({"error": exc.message}, 400)
        except PilatesAudioError as exc:
            return JSONResponse({"error": exc.message}, 500)
        except OSError as exc:  # what the system refused (a full disk, a folder made read-only), said as the CLI does
            where = f": {exc.filename}" if exc.filename else ""
            return JSONResponse({"error": f"{exc.strerror or exc}{where}"}, 500)

    def authorize(self, request: Request) -> None:
        """Refuse a request without this run's token, or one that changes something from another origin."""
        if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, ""), self.token):
            raise Forbidden(f"this request needs the {TOKEN_HEADER} header the studio's page sends")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is None or origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
                raise Forbidden("this request must come from the studio's own page (its Origin did not match)")

    async def list_routines(self, request: Request) -> Response:
        return JSONResponse({"routines": await run_in_threadpool(_listing, self.workspace)})

    async def read(self, name: str) -> Response:
        document = await run_in_threadpool(self.workspace.read, name)
        return JSONResponse({"name": document.name, "text": document.text, "version": document.version})

    async def save(self, name: str, body: dict[str, Any]) -> Response:
        text, version = bodies.field(body, "text", str), bodies.field(body, "version", str, required=False)
        document = await run_in_threadpool(self.workspace.save, name, text, version)
        return JSONResponse({"name": document.name, "version": document.version})

    async def check(self, request: Request) -> Response:
        body = await bodies.read(request)
        name, text = bodies.field(body, "name", str), bodies.field(body, "text", str)
        checked, problems = await run_in_threadpool(self.workspace.check, name, text)
        kind = "routine" if checked is None or hasattr(checked, "title") else "block"
        shown = await run_in_threadpool(outline.outline, text, compose.load_library())
        return JSONResponse({"kind": kind, "problems": bodies.problems(problems), "outline": shown})

    async def edit(self, request: Request) -> Response:
        body = await bodies.read(request)
        text, changes = bodies.field(body, "text", str), bodies.field(body, "edits", list)
        library = compose.load_library()
        changed = await run_in_threadpool(outline.apply_all, text, changes, library)
        return JSONResponse({"text": changed, "outline": await run_in_threadpool(outline.outline, changed, library)})

    async def preview(self, request: Request) -> Response:
        body = await bodies.read(request)
        name, text = bodies.field(body, "name", str), bodies.field(body, "text", str)
        at = bodies.field(body, "at", list)
        path = self.workspace.path(name, must_exist=False)
        music = bodies.field(body, "music", bool, required=False) is not False
        session = await run_in_threadpool(self.previews.render, path, text, at, self.workspace.pacing,
                                          bodies.settings(body), music)
        return JSONResponse({"mp3": f"/previews/{session.mp3.name}", "duration": session.duration})

    async def compose(self, request: Request) -> Response:
        from pilates_audio.studio.composing import composed  # the composer is loaded when a class is asked for

        body = await bodies.read(request)
        return JSONResponse(await run_in_threadpool(composed, self.workspace, body))

    async def library(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(outline.listing, compose.load_library()))

    async def estimate(self, request: Request) -> Response:
        body = await bodies.read(request)
        name, text = bodies.field(body, "name", str), bodies.field(body, "text", str, required=False)
        settings, length = bodies.settings(body), bodies.length(body)
        return JSONResponse(await run_in_threadpool(self.workspace.estimate, name, text, settings, length))

    async def render(self, request: Request) -> Response:
        body = await bodies.read(request)
        name, settings, length = bodies.field(body, "name", str), bodies.settings(body), bodies.length(body)
        music = bodies.field(body, "music", bool, required=False) is not False
        session = await run_in_threadpool(self.workspace.render, name, settings, length, music)
        stem = session.mp3.stem
        version = int(session.mp3.stat().st_mtime_ns)
        return JSONResponse({"mp3": f"/sessions/{stem}.mp3?v={version}", "script": f"/sessions/{stem}.json?v={version}",
                             "duration": session.duration, "warnings": list(session.warnings)})

    async def new(self, request: Request) -> Response:
        body = await bodies.read(request)
        title = bodies.field(body, "title", str)
        name = bodies.field(body, "name", str, required=False) or starter.file_name(title)
        path = self.workspace.path(name, must_exist=False)
        text = await run_in_threadpool(starter.starter, title, path)
        document = await run_in_threadpool(self.workspace.save, name, text, None)
        return JSONResponse({"name": document.name, "text": document.text, "version": document.version})

    async def voices(self, request: Request) -> Response:
        found = await run_in_threadpool(_voices)
        return JSONResponse({"voices": found})

    async def settings(self, request: Request) -> Response:
        return JSONResponse(_pacing_settings())

    async def pacing_file(self, request: Request) -> Response:
        body = await bodies.read(request)
        name, settings = bodies.field(body, "name", str), bodies.settings(body)
        written = await run_in_threadpool(self.workspace.save_pacing, name, settings, body.get("replace") is True)
        return JSONResponse({"name": written})

    async def write_pacing(self, request: Request) -> Response:
        body = await bodies.read(request)
        settings, text = bodies.settings(body), bodies.field(body, "text", str)
        return JSONResponse({"text": await run_in_threadpool(self._with_pacing, text, settings)})

    def _with_pacing(self, text: str, settings: dict[str, Any]) -> str:
        self.workspace.pacing(None, settings)  # only what a pacing block may hold
        return with_pacing(text, settings)

    async def schema(self, request: Request) -> Response:
        from pilates_audio.format.schema import SHIPPED

        return Response(SHIPPED.read_bytes(), media_type="application/json")

    async def address(self, request: Request) -> Response:
        if self.phone_address is None:
            return JSONResponse({"lan": None, "qr": None})
        return JSONResponse({"lan": self.phone_address, "qr": qr_code(self.phone_address)})


def _listing(workspace: Workspace) -> list[dict[str, Any]]:
    """Return each routine of the folder with its kind, problems and (for a routine) its title and length."""
    found = []
    for name in workspace.names():
        entry: dict[str, Any] = {"name": name}
        try:
            checked, problems = workspace.check(name)
        except InputError as exc:
            entry.update(kind="unknown", problems=[{"line": 1, "column": 1, "message": exc.message}])
            found.append(entry)
            continue
        entry["problems"] = bodies.problems(problems)
        entry["kind"] = "routine" if checked is None or hasattr(checked, "title") else "block"
        if checked is not None and entry["kind"] == "routine":
            entry["title"] = checked.title
            try:
                entry["duration"] = workspace.estimate(name)["duration"]
            except PilatesAudioError as exc:
                entry["problems"] = [{"line": 1, "column": 1, "message": exc.message}]
        found.append(entry)
    return found


def qr_code(text: str) -> str:
    """Return a QR code of `text` as an SVG data URI, for a phone's camera."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=1, border=2)


def _sessions_app(output: Path, hosts: frozenset[str]) -> Any:
    return web.Site(output, hosts)


def _static(name: str) -> Response:
    if name not in STATIC:
        raise NotFound("not found")
    data = resources.files("pilates_audio.studio").joinpath(name).read_bytes()
    return Response(data, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})


def _voices() -> list[dict[str, Any]]:
    found = []
    for engine, voice in speech.list_voices():
        found.append({"engine": engine, "id": voice.id, "name": voice.name, "languages": list(voice.languages),
                      "quality": voice.quality})
    return found


def _pacing_settings() -> dict[str, Any]:
    """Describe every pacing setting the page shows a control for: its kind, and its choices or range."""
    return {"keys": list(KEYS),
            "settings": {setting.name: {"kind": setting.kind.value, "choices": list(setting.choices),
                                        "low": setting.low, "high": setting.high, "unit": setting.unit,
                                        "help": setting.help}
                         for setting in SETTINGS.values()}}


@dataclass(frozen=True)
class Running:
    """A studio bound to its port: where to open it, and the server to run."""

    studio: Studio
    server: Any
    address: str
    phone_address: str | None


def start(folder: Path, output: Path, host: str, port: int, allow_network: bool) -> Running:
    """Bind the studio for `folder`, refusing an address beyond this machine unless allowed."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    if not web.is_loopback(host) and not allow_network:
        raise InputError(f"--host {host} lets other machines reach the studio, which can change your files; add "
                         "--allow-network to allow it")
    workspace = Workspace(folder, output)
    workspace.sweep()
    studio = Studio(workspace, web.answers_for(host), token_in_address=not web.is_loopback(host))
    bound = web.Server(studio, host, port)
    addresses = web.urls(bound, host)
    key = f"?token={studio.token}" if studio.token_in_address else ""
    # Listening on every address, the phone's is the LAN one found (if any); on one address, that one.
    wide = addresses[1] if len(addresses) > 1 else None if host in web.WILDCARDS else addresses[0]
    studio.phone_address = wide + key if wide is not None and not web.is_loopback(host) else None
    return Running(studio, bound, addresses[0] + key, studio.phone_address)


def can_open_browser() -> bool:
    """Tell whether a browser can be opened here: not under CI, and with a display where one is needed."""
    if os.environ.get("CI"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
