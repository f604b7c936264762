"""The studio's API over real HTTP on 127.0.0.1: its key, origins, names, concurrent saves, renders; the command."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import run_cli
from studiofiles import BLOCK, MAT

import audiocheck
from pilates_audio.studio import app as studio_app


@pytest.fixture
def studio(tmp_path):
    """A studio for a small folder, served in this process; yield (port, studio, folder)."""
    (tmp_path / "blocks").mkdir()
    (tmp_path / "mat.yaml").write_text(MAT, encoding="utf-8")
    (tmp_path / "blocks" / "end.yaml").write_text(BLOCK, encoding="utf-8")
    running = studio_app.start(tmp_path, tmp_path / "output", "127.0.0.1", 0, allow_network=False)
    thread = threading.Thread(target=running.server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not running.server.uvicorn.started:
        assert time.time() < deadline, "the studio did not start"
        time.sleep(0.01)
    try:
        yield running.server.port, running.studio, tmp_path
    finally:
        running.server.stop()
        thread.join(10)


def call(port: int, method: str, path: str, body: object = None, token: str | None = None,
         origin: str | None = "same", host: str | None = None) -> tuple[int, dict | bytes, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if token is not None:
        headers["X-Studio-Token"] = token
    if origin == "same":
        headers["Origin"] = f"http://127.0.0.1:{port}"
    elif origin is not None:
        headers["Origin"] = origin
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode("utf-8")
    if data is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    kind = response.getheader("content-type", "")
    return response.status, (json.loads(raw) if kind.startswith("application/json") else raw), dict(
        (k.lower(), v) for k, v in response.getheaders())


def test_the_page_carries_the_runs_key_and_the_api_wants_it(studio):
    port, running, _ = studio
    status, page, headers = call(port, "GET", "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert f'<meta name="studio-token" content="{running.token}">'.encode() in page
    assert call(port, "GET", "/static/studio.js")[0] == 200
    assert call(port, "GET", "/static/../app.py")[0] == 404
    needs = "this request needs the X-Studio-Token header the studio's page sends"
    for method, path, body in (("GET", "/api/routines", None), ("GET", "/api/routines/mat.yaml", None),
                               ("POST", "/api/check", {"name": "mat.yaml", "text": MAT}),
                               ("PUT", "/api/routines/mat.yaml", {"text": "x", "version": None})):
        assert call(port, method, path, body)[:2] == (403, {"error": needs})
        assert call(port, method, path, body, token="wrong")[:2] == (403, {"error": needs})
    assert call(port, "GET", "/api/routines", token=running.token)[0] == 200


@pytest.mark.parametrize("origin", [None, "http://evil.example", "http://127.0.0.1:1", "null"])
def test_what_changes_files_or_starts_work_must_come_from_the_page_itself(studio, origin):
    port, running, folder = studio
    refused = "this request must come from the studio's own page (its Origin did not match)"
    for method, path, body in (("PUT", "/api/routines/mat.yaml", {"text": "title: x\n", "version": None}),
                               ("POST", "/api/new", {"title": "Sneaky"}),
                               ("POST", "/api/render", {"name": "mat.yaml"}),
                               ("POST", "/api/estimate", {"name": "mat.yaml"}),
                               ("POST", "/api/pacing-file", {"name": "mat.yaml", "pacing": {"inhale": "3s"}}),
                               ("POST", "/api/write-pacing", {"text": MAT, "pacing": {"inhale": "3s"}})):
        assert call(port, method, path, body, token=running.token, origin=origin)[:2] == (403, {"error": refused})
    assert (folder / "mat.yaml").read_text() == MAT and not (folder / "sneaky.yaml").exists()
    assert not (folder / "mat.pacing.yaml").exists()
    assert not (folder / "output").exists()


def test_another_host_name_is_not_answered(studio):
    port, running, _ = studio
    assert call(port, "GET", "/", host="evil.example")[0] == 421
    status, body, _ = call(port, "GET", "/api/routines", token=running.token, host="rebound.example:80")
    assert (status, body) == (421, {"error": "this server does not answer for that host name"})


@pytest.mark.parametrize("path, status, message", [
    ("/api/routines/..%2F..%2Fetc%2Fpasswd.yaml", 400, "'../../etc/passwd.yaml' is not a routine name; give a path "
                                                       "inside the folder, such as mat.yaml or blocks/warm-up.yaml"),
    ("/api/routines/%2Fetc%2Fx.yaml", 400, "'/etc/x.yaml' is not a routine name; give a path inside the folder, "
                                            "such as mat.yaml or blocks/warm-up.yaml"),
    ("/api/routines/out.yaml", 400, "'out.yaml' leads out of the folder"),
    ("/api/routines/mat.txt", 400, "'mat.txt' is not a YAML file name (.yaml or .yml)"),
    ("/api/routines/gone.yaml", 404, None),
])
def test_names_are_paths_inside_the_folder_only(studio, path, status, message):
    port, running, folder = studio
    os.symlink(folder.parent / "elsewhere.yaml", folder / "out.yaml")
    (folder.parent / "elsewhere.yaml").write_text(MAT)
    got = call(port, "GET", path, token=running.token)
    assert got[0] == status
    assert got[1] == {"error": message or f"no routine named 'gone.yaml' in {folder.resolve()}"}
    saved = call(port, "PUT", path, {"text": "title: x\n", "version": None}, token=running.token)
    assert saved[0] in (400, 404) if status == 400 else saved[0] == 200
    assert (folder.parent / "elsewhere.yaml").read_text() == MAT


def test_concurrent_saves_of_one_version_let_one_through_and_lose_nothing(studio):
    port, running, folder = studio
    version = call(port, "GET", "/api/routines/mat.yaml", token=running.token)[1]["version"]
    answers: dict[int, tuple[int, dict]] = {}

    def save(n: int) -> None:
        status, body, _ = call(port, "PUT", "/api/routines/mat.yaml",
                               {"text": MAT.replace("Lift", f"Lift {n}"), "version": version}, token=running.token)
        answers[n] = (status, body)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [n for n, (status, _) in answers.items() if status == 200]
    assert len(winners) == 1
    assert (folder / "mat.yaml").read_text() == MAT.replace("Lift", f"Lift {winners[0]}")
    current = answers[winners[0]][1]["version"]
    for n, (status, body) in answers.items():
        if n != winners[0]:
            assert (status, body) == (409, {"error": "mat.yaml changed on disk since it was opened; your text is kept: save "
                                                     "again to replace the file with it, or reload the file from disk",
                                            "current": current})


def test_unsaved_text_is_checked_and_planned_with_the_clis_messages(studio):
    port, running, _ = studio
    status, body, _ = call(port, "POST", "/api/check", {"name": "mat.yaml", "text": MAT.replace("reps: 2", "reps: 0")},
                           token=running.token)
    shown = body.pop("outline")  # the cards the outline shows (tests/studio/test_outline.py)
    assert (status, body) == (200, {"kind": "routine", "problems": [
        {"line": 4, "column": 24, "message": "reps must be a whole number, at least 1",
         "text": "mat.yaml:4:24: reps must be a whole number, at least 1"}]})
    assert shown["groups"][0]["cards"][0]["data"] == {"name": "Lift", "reps": 0}
    status, body, _ = call(port, "POST", "/api/estimate", {"name": "mat.yaml", "text": "title: [\n"},
                           token=running.token)
    assert status == 422 and body["problems"][0]["text"].startswith("mat.yaml:2:1: invalid YAML")
    status, plain, _ = call(port, "POST", "/api/estimate", {"name": "mat.yaml"}, token=running.token)
    status, slow, _ = call(port, "POST", "/api/estimate", {"name": "mat.yaml", "pacing": {"inhale": "3s"}},
                           token=running.token)
    assert status == 200 and slow["duration"] > plain["duration"]
    assert slow["pacing"]["inhale"] == {"value": 3.0, "source": "studio"}
    shortest, longest = plain["reach"]
    assert shortest < longest  # the breath may move between its bounds (2.5 s to 8 s a phase)
    assert slow["reach"][0] == slow["reach"][1] == slow["duration"]  # a breath set in the studio is kept
    status, fitted, _ = call(port, "POST", "/api/estimate", {"name": "mat.yaml", "length": "1h"}, token=running.token)
    assert status == 400 and fitted["error"].startswith("--length 1:00:00 is out of reach: this routine lasts from ")
    from pilates_audio.format import format_clock

    assert f"{format_clock(shortest)} to {format_clock(longest)}" in fitted["error"]
    bad = call(port, "POST", "/api/estimate", {"name": "mat.yaml", "pacing": {"rate": "fast"}}, token=running.token)
    assert bad[0] == 400 and bad[1]["error"].startswith("rate: ")
    assert call(port, "POST", "/api/estimate", [1, 2], token=running.token)[1] == {
        "error": "the request's body must be a JSON object"}


def test_a_new_routine_comes_from_the_starter_and_never_replaces_a_file(studio):
    port, running, folder = studio
    status, body, _ = call(port, "POST", "/api/new", {"title": "Morning Flow"}, token=running.token)
    assert status == 200 and body["name"] == "morning-flow.yaml"
    assert (folder / "morning-flow.yaml").read_text() == body["text"]
    assert run_cli("check", folder / "morning-flow.yaml").code == 0
    again = call(port, "POST", "/api/new", {"title": "Morning Flow"}, token=running.token)
    assert again[:2] == (409, {"error": "morning-flow.yaml already exists; open it instead", "current": None})


def test_a_render_is_written_into_the_output_folder_and_served(studio):
    port, running, folder = studio
    status, body, _ = call(port, "POST", "/api/render", {"name": "mat.yaml", "pacing": {"inhale": "2s"}},
                           token=running.token)
    assert status == 200, body
    assert body["mp3"].startswith("/sessions/mat.mp3?v=")
    script = json.loads((folder / "output" / "mat.json").read_text())
    assert script["pacing"]["inhale"] == 2.0 and abs(script["duration"] - body["duration"]) < 0.001
    status, mp3, headers = call(port, "GET", body["mp3"])
    assert status == 200 and headers["content-type"] == "audio/mpeg"
    (folder / "copy.mp3").write_bytes(mp3)
    assert abs(len(audiocheck.load(folder / "copy.mp3")) / 2 / 44100 - body["duration"]) < 0.002
    assert call(port, "GET", "/sessions/")[0] == 200
    feed = call(port, "GET", "/sessions/feed.xml")[1]
    assert f'url="http://127.0.0.1:{port}/sessions/mat.mp3"'.encode() in feed
    assert call(port, "GET", "/sessions")[2]["location"] == "/sessions/"


def test_listening_beyond_this_machine_needs_the_key_in_the_address(tmp_path):
    from pilates_audio.studio.workspace import Workspace
    from pilates_audio import web

    (tmp_path / "mat.yaml").write_text(MAT)
    studio = studio_app.Studio(Workspace(tmp_path, tmp_path / "output"), web.answers_for("127.0.0.1"), token_in_address=True)
    bound = web.Server(studio, "127.0.0.1", 0)
    thread = threading.Thread(target=bound.run, daemon=True)
    thread.start()
    while not bound.uvicorn.started:
        time.sleep(0.01)
    try:
        status, body, _ = call(bound.port, "GET", "/")
        assert (status, body) == (403, {"error": "open the address the studio printed: it holds this run's key"})
        assert call(bound.port, "GET", f"/?token={studio.token}")[0] == 200
        # The phone's address, and a QR code of it, for the page to show.
        studio.phone_address = f"http://192.0.2.7:8700/?token={studio.token}"
        status, body, _ = call(bound.port, "GET", "/api/address", token=studio.token)
        assert status == 200 and body["lan"] == studio.phone_address
        assert body["qr"].startswith("data:image/svg+xml") and body["qr"] != studio_app.qr_code("http://192.0.2.7/")
    finally:
        bound.stop()
        thread.join(10)


def test_the_command_refuses_the_network_unless_allowed(tmp_path):
    result = run_cli("studio", tmp_path, "--host", "0.0.0.0", "--no-open")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == ("error: --host 0.0.0.0 lets other machines reach the studio, which can change your "
                             "files; add --allow-network to allow it\n")
    missing = run_cli("studio", tmp_path / "nowhere", "--no-open")
    assert (missing.code, missing.stderr) == (2, f"error: {tmp_path / 'nowhere'} is not a folder\n")


def test_the_command_prints_its_address_and_ctrl_c_stops_it_with_status_0(tmp_path):
    (tmp_path / "routines").mkdir()
    (tmp_path / "routines" / "mat.yaml").write_text(MAT)
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "studio", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                               env={**os.environ, "CI": "true"})
    try:
        first = process.stdout.readline()
        assert first.startswith("studio for routines at http://127.0.0.1:")
        assert process.stdout.readline() == "sessions are rendered into output\n"
        assert process.stdout.readline() == "(Ctrl-C to stop)\n"
        port = int(first.rsplit(":", 1)[1].strip().strip("/"))
        assert call(port, "GET", "/")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    assert (process.returncode, stdout, stderr) == (0, "", "stopped\n")


def test_pacing_goes_into_a_pacing_file_or_the_routines_text(studio):
    port, running, folder = studio
    status, body, _ = call(port, "POST", "/api/pacing-file", {"name": "mat.yaml", "pacing": {"rate": 150}},
                           token=running.token)
    assert (status, body) == (200, {"name": "mat.pacing.yaml"})
    assert (folder / "mat.pacing.yaml").read_text() == "rate: 150\n"
    again = call(port, "POST", "/api/pacing-file", {"name": "mat.yaml", "pacing": {"rate": 160}}, token=running.token)
    assert again[:2] == (409, {"error": "mat.pacing.yaml already exists; open it instead", "current": None})
    status, body, _ = call(port, "POST", "/api/write-pacing", {"text": MAT, "pacing": {"rate": 150}},
                           token=running.token)
    assert (status, body) == (200, {"text": MAT.replace("transition: 1s}", "transition: 1s, rate: 150}")})
    assert (folder / "mat.yaml").read_text() == MAT  # the text comes back to the editor; nothing is saved


def test_the_phone_is_given_this_machines_network_address_and_it_is_answered_for(tmp_path, monkeypatch):
    from pilates_audio.web import hosts

    (tmp_path / "mat.yaml").write_text(MAT)
    monkeypatch.setattr(hosts, "lan_address", lambda: "192.0.2.44")  # the address a phone on the Wi-Fi reaches
    running = studio_app.start(tmp_path, tmp_path / "output", "0.0.0.0", 0, allow_network=True)
    running.server.socket.close()  # never served: only the addresses are looked at
    port = running.server.port
    assert running.phone_address == f"http://192.0.2.44:{port}/?token={running.studio.token}"
    assert running.address == f"http://127.0.0.1:{port}/?token={running.studio.token}"
    assert hosts.host_allowed(f"192.0.2.44:{port}", running.studio.hosts)
    assert not hosts.host_allowed(f"192.0.2.45:{port}", running.studio.hosts)
    # Without a network address, none is made up.
    monkeypatch.setattr(hosts, "lan_address", lambda: None)
    running = studio_app.start(tmp_path, tmp_path / "output", "0.0.0.0", 0, allow_network=True)
    running.server.socket.close()
    assert running.phone_address is None


def test_what_the_api_refuses_it_refuses_in_json_with_the_reason(studio):
    port, running, folder = studio
    (folder.parent / "secret.yaml").write_text(BLOCK)

    def post(path: str, body: dict) -> tuple[int, dict]:
        return call(port, "POST", path, body, token=running.token)[:2]

    half = "the request holds text that is not valid (half of a character, such as \\ud800)"
    assert post("/api/check", {"name": "mat.yaml", "text": "title: \ud800\n"}) == (400, {"error": half})
    assert post("/api/new", {"title": "x", "name": "\ud800.yaml"}) == (400, {"error": half})
    assert post("/api/estimate", {"name": "mat.yaml", "pacing": {"voice": "\ud800"}}) == (400, {"error": half})
    # Includes and covers stay inside the folder, even in unsaved text.
    status, body = post("/api/check", {"name": "mat.yaml", "text": MAT.replace("blocks/end.yaml", "../secret.yaml")})
    assert status == 200 and [p["message"] for p in body["problems"]] == [
        "include '../secret.yaml' is outside the folder the studio works in; keep blocks inside it"]
    status, body = post("/api/check", {"name": "mat.yaml", "text": MAT.replace("pacing:", "cover: /etc/x.png\npacing:")})
    assert [p["message"] for p in body["problems"]] == [
        "cover image '/etc/x.png' is outside the folder the studio works in; keep it inside"]
    # Problems come in the order of the file, as check lists them.
    status, body = post("/api/check", {"name": "mat.yaml", "text": "title: A\nexercises:\n  - {name: B, reps: 0}\n"
                                                                  "  - {name: C, reps: 0}\n  - {name: D, reps: x}\n"})
    assert [p["line"] for p in body["problems"]] == [3, 4, 5]
    # Routines only: not into the output folder, not a pacing file.
    for name, message in (("output/sneaky.yaml", "'output/sneaky.yaml' is in the output folder, where sessions are "
                                                 "written, not routines"),
                          ("mat.pacing.yaml", "'mat.pacing.yaml' is a pacing file, not a routine (save pacing with "
                                              "the pacing panel)")):
        got = call(port, "PUT", f"/api/routines/{name}", {"text": MAT, "version": None}, token=running.token)
        assert got[:2] == (400, {"error": message})
    assert not (folder / "output" / "sneaky.yaml").exists() and not (folder / "mat.pacing.yaml").exists()
    # Pacing is checked before it is written anywhere, and saved beside routines only.
    status, body = post("/api/write-pacing", {"text": MAT, "pacing": {"inhale": "banana"}})
    assert status == 400 and body["error"].startswith("inhale: 'banana' is not a duration")
    assert post("/api/pacing-file", {"name": "blocks/end.yaml", "pacing": {"inhale": "3s"}}) == (
        400, {"error": "blocks/end.yaml is a block; save pacing beside a routine that includes it"})


def test_an_output_folder_that_cannot_be_made_is_said_in_json_before_any_work(studio):
    port, running, folder = studio
    (folder / "output").write_text("a file where the sessions go")
    status, body, _ = call(port, "POST", "/api/render", {"name": "mat.yaml"}, token=running.token)
    output = folder.resolve() / "output"
    assert (status, body) == (400, {"error": f"{output} is not a folder, so {output} cannot be made; choose another "
                                             "output folder with -o"})


def test_render_the_studio_and_serve_share_output_in_the_current_folder(tmp_path):
    (tmp_path / "routines" / "blocks").mkdir(parents=True)
    (tmp_path / "routines" / "mat.yaml").write_text(MAT)
    (tmp_path / "routines" / "blocks" / "end.yaml").write_text(BLOCK)
    assert run_cli("render", "routines/mat.yaml", "-q", cwd=tmp_path).code == 0  # as the demo renders
    assert (tmp_path / "output" / "mat.mp3").is_file()
    for command in (["studio", "--port", "0"], ["serve", "--port", "0"]):
        process = subprocess.Popen([sys.executable, "-m", "pilates_audio", *command], cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   stdin=subprocess.DEVNULL, env={**os.environ, "CI": "true"})
        try:
            first = process.stdout.readline()
            address = first.split(" at ")[1].strip()
            port = int(address.rsplit(":", 1)[1].strip("/"))
            if command[0] == "studio":
                assert process.stdout.readline() == "sessions are rendered into output\n"
                address += "sessions/"
            else:
                assert first.startswith("serving output at ")
            status, listing, _ = call(port, "GET", address.split(str(port), 1)[1])
            assert status == 200 and b'<a class="open" href="#mat">' in listing, command
            # The player's service worker sits beside the page, so its scope covers the page, here or in the studio.
            assert call(port, "GET", address.split(str(port), 1)[1] + "sw.js")[0] == 200, command
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=20)
def test_writing_pacing_has_the_limits_of_a_routine_file_and_answers_fast(studio):
    port, running, _ = studio
    big = "title: A\n" + "".join(f"k{i}: v\n" for i in range(150_000))  # 1.6 MB: within the limit of a body
    started = time.monotonic()
    status, body, _ = call(port, "POST", "/api/write-pacing", {"text": big, "pacing": {"rate": 150}},
                           token=running.token)
    assert (status, body) == (400, {"error": f"pacing cannot be written into this text (line 1, column 1): file is "
                                             f"too large ({len(big):,} bytes; the limit is 262,144)"})
    assert time.monotonic() - started < 2.0
    deep = "title: A\npacing: " + "[" * 2000 + "]" * 2000 + "\n"
    status, body, _ = call(port, "POST", "/api/write-pacing", {"text": deep, "pacing": {"rate": 150}},
                           token=running.token)
    assert (status, body) == (400, {"error": "pacing cannot be written into this text (line 2, column 48): values "
                                             "are nested more than 40 levels deep"})


def test_a_body_nested_too_deep_is_refused_in_json_by_every_endpoint_that_reads_one(studio):
    port, running, _ = studio
    deep = (b'{"name": "mat.yaml", "title": "A", "text": "title: A\\n", "deep": ' + b"[" * 100_000 + b"]" * 100_000
            + b"}")
    shallow_enough = b'{"name": "mat.yaml", "text": "x", "deep": ' + b"[" * 38 + b"]" * 38 + b"}"
    for method, path in (("POST", "/api/check"), ("POST", "/api/estimate"), ("POST", "/api/render"),
                         ("POST", "/api/new"), ("POST", "/api/pacing-file"), ("POST", "/api/write-pacing"),
                         ("PUT", "/api/routines/mat.yaml")):
        assert call(port, method, path, deep, token=running.token)[:2] == (
            400, {"error": "the request's body is nested more than 40 levels deep"}), path
    assert call(port, "POST", "/api/check", shallow_enough, token=running.token)[0] == 200


def test_a_slow_pacing_write_leaves_the_studio_answering(studio, monkeypatch):
    port, running, _ = studio
    parsing, release = threading.Event(), threading.Event()
    real = studio_app.with_pacing

    def slow(*args, **kwargs):  # as a parse near the size limit, for as long as the test wants
        parsing.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(studio_app, "with_pacing", slow)
    answers: list = []
    writer = threading.Thread(target=lambda: answers.append(call(
        port, "POST", "/api/write-pacing", {"text": MAT, "pacing": {"rate": 150}}, token=running.token)))
    writer.start()
    try:
        assert parsing.wait(10), "the pacing write never began"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        started = time.monotonic()
        connection.request("GET", "/api/settings", headers={"X-Studio-Token": running.token})
        assert connection.getresponse().status == 200
        connection.close()
        assert time.monotonic() - started < 2.0
    finally:
        release.set()
        writer.join(15)
    assert answers[0][0] == 200


def test_a_body_that_stalls_after_the_headers_is_answered_408_and_closed(tmp_path):
    from pilates_audio.studio.workspace import Workspace
    from pilates_audio import web

    (tmp_path / "mat.yaml").write_text(MAT, encoding="utf-8")
    studio = studio_app.Studio(Workspace(tmp_path, tmp_path / "output"), web.answers_for("127.0.0.1"))
    bound = web.Server(studio, "127.0.0.1", 0, web.Limits(body_timeout=1.0))
    thread = threading.Thread(target=bound.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not bound.uvicorn.started:
            assert time.monotonic() < deadline, "the studio did not start"
            time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", bound.port), timeout=5) as raw:
            raw.sendall(f"POST /api/check HTTP/1.1\r\nHost: 127.0.0.1:{bound.port}\r\n"
                        f"X-Studio-Token: {studio.token}\r\nOrigin: http://127.0.0.1:{bound.port}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\": \"mat.yaml\", ".encode())
            started = time.monotonic()
            reply = b""
            while chunk := raw.recv(65536):  # until the studio closes the connection (or 5 s pass: a failure)
                reply += chunk
            assert time.monotonic() - started < 3.0
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 ") and body == b"the request's body took too long to arrive\n"
        status, _, _ = call(bound.port, "GET", "/api/settings", token=studio.token)
        assert status == 200  # the studio goes on answering
    finally:
        bound.stop()
        thread.join(10)
