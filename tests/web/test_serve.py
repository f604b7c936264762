"""serve under load and under faults: validators, re-renders mid-download, slow and broken clients, stopping.

Everything talks only to 127.0.0.1, with bounded counts and times.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import run_cli

ROUTINE = """
title: Serve Me
pacing: {inhale: 1s, exhale: 1s, transition: 1s}
exercises:
  - {name: Lift, reps: 2}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("serve")
    (base / "serve-me.yaml").write_text(ROUTINE, encoding="utf-8")
    assert run_cli("render", base / "serve-me.yaml", "-o", base / "out", "-q").code == 0
    return base / "out"


@pytest.fixture
def folder(rendered, tmp_path) -> Path:
    """A copy of the rendered session, written two seconds ago (so its time is a validator)."""
    out = tmp_path / "out"
    shutil.copytree(rendered, out)
    past = time.time() - 2
    for path in out.iterdir():
        os.utime(path, (past, past))
    return out


@contextlib.contextmanager
def serving(folder: Path, limit_files: int | None = None):
    """Run `pilates-audio serve` on a free port; yield (address, process)."""
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (limit_files, limit_files))

    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(folder), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                               preexec_fn=limit if limit_files else None)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"serving {folder} at http://127.0.0.1:"), line + process.stderr.read()
        yield ("127.0.0.1", int(line.rsplit(":", 1)[1].strip().strip("/"))), process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


@contextlib.contextmanager
def in_thread(folder: Path, **limits):
    """Run a server in this process with the given limits; yield it."""
    from pilates_audio.web import Limits, make_server

    server = make_server(folder, "127.0.0.1", 0, Limits(**limits))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.uvicorn.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=10)
        assert not thread.is_alive()


def get(address, path: str, headers: dict | None = None, method: str = "GET", timeout: float = 10):
    connection = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def replace(path: Path, data: bytes) -> None:
    """Replace a file as a re-render does: written beside it, then renamed into place."""
    from pilates_audio.files import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


# Validators and ranges


def test_a_file_carries_validators_and_is_not_sent_again_to_a_client_that_has_it(folder):
    mp3 = folder / "serve-me.mp3"
    info = mp3.stat()
    with in_thread(folder) as server:
        address = ("127.0.0.1", server.port)
        status, headers, body = get(address, "/serve-me.mp3")
        assert status == 200 and body == mp3.read_bytes()
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert etag == f'"{info.st_size:x}-{info.st_mtime_ns:x}-{info.st_ino:x}"'
        assert modified == time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(info.st_mtime))
        assert headers["Cache-Control"] == "no-cache"
        for asked in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'}, {"If-Modified-Since": modified},
                      {"If-None-Match": "*"}):
            status, headers, body = get(address, "/serve-me.mp3", asked)
            assert (status, body, headers["ETag"]) == (304, b"", etag), asked
        assert get(address, "/serve-me.mp3", {"If-None-Match": '"other"'})[0] == 200
        # If-None-Match wins over If-Modified-Since, as HTTP says.
        assert get(address, "/serve-me.mp3", {"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
        assert get(address, "/serve-me.mp3", {"If-Modified-Since": "Thu, 01 Jan 1998 00:00:00 GMT"})[0] == 200
        status, headers, body = get(address, "/serve-me.json", {"If-None-Match": get(address, "/serve-me.json")[1]["ETag"]})
        assert status == 304


def test_the_page_and_the_feed_are_not_sent_again_to_a_client_that_has_them(folder):
    with in_thread(folder) as server:
        address = ("127.0.0.1", server.port)
        for path in ("/", "/feed.xml"):
            status, headers, body = get(address, path)
            assert status == 200 and headers["ETag"] and headers["Cache-Control"] == "no-cache"
            assert get(address, path, {"If-None-Match": headers["ETag"]})[:2][0] == 304, path


def test_the_page_and_the_feed_follow_a_re_rendered_session(folder):
    import json

    with in_thread(folder) as server:
        address = ("127.0.0.1", server.port)
        assert b'<span class="title">Serve Me</span>' in get(address, "/")[2]
        assert b"<title>Serve Me</title>" in get(address, "/feed.xml")[2]
        script = json.loads((folder / "serve-me.json").read_text(encoding="utf-8"))
        replace(folder / "serve-me.json", json.dumps({**script, "title": "Served Again"}).encode())
        assert b'<span class="title">Served Again</span>' in get(address, "/")[2]
        assert b"<title>Served Again</title>" in get(address, "/feed.xml")[2]


def test_if_range_sends_the_range_only_for_the_same_version(folder):
    data = (folder / "serve-me.mp3").read_bytes()
    with in_thread(folder) as server:
        address = ("127.0.0.1", server.port)
        _, headers, _ = get(address, "/serve-me.mp3", method="HEAD")
        etag, modified = headers["ETag"], headers["Last-Modified"]
        for validator in (etag, modified):
            status, headers, body = get(address, "/serve-me.mp3", {"Range": "bytes=100-", "If-Range": validator})
            assert (status, body, headers["Content-Range"]) == (206, data[100:], f"bytes 100-{len(data) - 1}/{len(data)}")
        for validator in ('"other"', f"W/{etag}", "Thu, 01 Jan 1998 00:00:00 GMT", "not a date"):
            status, headers, body = get(address, "/serve-me.mp3", {"Range": "bytes=100-", "If-Range": validator})
            assert (status, body, headers["Content-Range"]) == (200, data, None), validator
        # Several ranges at once are answered with the whole file.
        assert get(address, "/serve-me.mp3", {"Range": "bytes=0-1,5-9"})[::2] == (200, data)


def test_a_file_written_this_second_has_no_date_to_resume_from(folder):
    """Two versions written within one second would share a Last-Modified: the entity tag tells them apart."""
    mp3 = folder / "serve-me.mp3"
    replace(mp3, mp3.read_bytes() + b"\0" * 100)
    with in_thread(folder) as server:
        status, headers, _ = get(("127.0.0.1", server.port), "/serve-me.mp3", method="HEAD")
    assert status == 200 and headers["ETag"] and headers["Last-Modified"] is None


def test_a_download_resumed_across_a_re_render_is_the_old_bytes_or_the_whole_new_file(folder):
    mp3 = folder / "serve-me.mp3"
    old = mp3.read_bytes()
    new = old[::-1] + b"new"
    with in_thread(folder) as server:
        address = ("127.0.0.1", server.port)
        status, headers, first = get(address, "/serve-me.mp3", {"Range": "bytes=0-999"})
        assert status == 206 and first == old[:1000]
        replace(mp3, new)
        status, headers, rest = get(address, "/serve-me.mp3", {"Range": "bytes=1000-", "If-Range": headers["ETag"]})
    assert (status, rest) == (200, new)


def test_a_download_under_way_when_the_session_is_replaced_ends_with_the_old_bytes(folder):
    mp3 = folder / "serve-me.mp3"
    old = os.urandom(4 * 1024 * 1024)
    replace(mp3, old)
    with in_thread(folder) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/serve-me.mp3")
        response = connection.getresponse()
        start = response.read(100_000)
        replace(mp3, b"the new version" * 1000)
        rest = response.read()
        connection.close()
    assert start + rest == old and int(response.headers["Content-Length"]) == len(old)


# Broken and slow clients


def test_a_request_cut_off_before_its_headers_end_is_not_answered(folder):
    with in_thread(folder) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        raw.shutdown(socket.SHUT_WR)
        reply = raw.recv(100)
    assert not reply.startswith(b"HTTP/1.1 200"), reply


def test_a_request_head_that_grows_past_16_kib_is_refused_before_it_ends(folder):
    with in_thread(folder) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Big: " + b"a" * 20_000)
        reply = raw.recv(100)
    assert reply.startswith(b"HTTP/1.1 400"), reply


def slow_clients(port: int, count: int) -> list[socket.socket]:
    """Open connections that send the start of a request and then stall."""
    clients = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        clients.append(client)
    return clients


def closed_by_server(client: socket.socket) -> bool:
    client.settimeout(5)
    try:
        return client.recv(100) == b""
    except OSError:
        return True  # reset: closed too


def test_a_client_that_stalls_in_its_headers_is_closed_after_the_header_timeout(folder):
    with in_thread(folder, header_timeout=0.5) as server:
        clients = slow_clients(server.port, 20)
        started = time.monotonic()
        try:
            status, _, _ = get(("127.0.0.1", server.port), "/", timeout=1)
            assert status == 200 and time.monotonic() - started < 1.0
            # A byte now and then does not keep a connection: the headers are due in time.
            for client in clients[:10]:
                client.sendall(b"X")
            assert all(closed_by_server(client) for client in clients)
            assert time.monotonic() - started < 3.0
            deadline = time.monotonic() + 2
            while server.uvicorn.server_state.connections and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not server.uvicorn.server_state.connections
        finally:
            for client in clients:
                client.close()


def test_a_kept_alive_connection_is_closed_when_idle_and_a_stall_in_the_next_request_too(folder):
    with in_thread(folder, header_timeout=0.5, keep_alive=1) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(b"GET /serve-me.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert raw.recv(12) == b"HTTP/1.1 200"
            started = time.monotonic()
            raw.sendall(b"GET /serve-me.json HTTP/1.1\r\n")  # the next request, stalled
            while raw.recv(65536):
                pass
            assert time.monotonic() - started < 2.0


def test_a_body_sent_a_trickle_at_a_time_does_not_hold_the_connection(folder):
    with in_thread(folder, header_timeout=0.5, keep_alive=1) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\nx")
            started = time.monotonic()
            reply = b""
            while True:
                try:
                    raw.sendall(b"x")
                    data = raw.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                reply += data
                time.sleep(0.2)
            assert reply.startswith(b"HTTP/1.1 405") and time.monotonic() - started < 3.0


def test_methods_other_than_get_and_head_are_refused_with_what_is_allowed(folder):
    with in_thread(folder) as server:
        status, headers, body = get(("127.0.0.1", server.port), "/serve-me.mp3", method="PUT")
    assert (status, headers["Allow"], body) == (405, "GET, HEAD", b"")


# Stopping


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_on_ctrl_c_and_sigterm_with_downloads_and_idle_connections_open(folder, signum):
    replace(folder / "serve-me.mp3", os.urandom(8 * 1024 * 1024))
    with serving(folder) as (address, process):
        idle = socket.create_connection(address, timeout=10)
        downloading = http.client.HTTPConnection(*address, timeout=10)
        downloading.request("GET", "/serve-me.mp3")
        response = downloading.getresponse()
        response.read(1000)  # and then reads no more
        started = time.monotonic()
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        assert process.stderr.read() == "stopped\n"
        idle.close()
        downloading.close()


# Load and resource bounds (slow: each runs for about ten seconds)


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


linux_only = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to count descriptors")


@pytest.mark.slow
def test_two_hundred_concurrent_clients_get_every_answer(folder):
    data = (folder / "serve-me.mp3").read_bytes()
    answers: list[int] = []
    failures: list[str] = []
    stop = time.monotonic() + 10

    def client(number: int) -> None:
        paths = [("/", None), ("/feed.xml", None), ("/serve-me.mp3", "bytes=1000-1999"), ("/serve-me.mp3", None)]
        turn = number
        while time.monotonic() < stop:
            path, wanted = paths[turn % len(paths)]
            turn += 1
            try:
                status, _, body = get(address, path, {"Range": wanted} if wanted else None, timeout=30)
            except Exception as exc:  # every failure is counted, not raised in a thread
                failures.append(f"{path}: {exc!r}")
                continue
            expected = (206, data[1000:2000]) if wanted else (200, data if path.endswith(".mp3") else body)
            if (status, body) != expected:
                failures.append(f"{path}: {status}")
            answers.append(status)

    with serving(folder) as (address, _):
        threads = [threading.Thread(target=client, args=(i,)) for i in range(200)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures[:5]
    assert len(answers) > 400  # every client was answered, more than once


@pytest.mark.slow
@linux_only
def test_three_hundred_stalled_clients_neither_block_others_nor_outlast_the_header_timeout(folder):
    from pilates_audio.web import Limits

    with serving(folder) as (address, process):
        get(address, "/")  # the index is built; what follows is steady state
        time.sleep(0.3)  # and the server has closed that connection's socket, so it is not in the count
        fds, threads = fd_count(process.pid), thread_count(process.pid)
        clients = slow_clients(address[1], 300)
        try:
            time.sleep(0.5)
            for _ in range(5):
                started = time.monotonic()
                assert get(address, "/", timeout=1)[0] == 200
                assert time.monotonic() - started < 1.0
                for client in clients:
                    client.sendall(b"X")  # trickling in, as a slowloris does
                time.sleep(0.5)
            # They were all open at once (a descriptor or two of the server's own may come and go meanwhile).
            assert fd_count(process.pid) >= fds + 298
            time.sleep(Limits.header_timeout)
            assert all(closed_by_server(client) for client in clients)
            assert fd_count(process.pid) <= fds and thread_count(process.pid) <= threads
        finally:
            for client in clients:
                client.close()


@pytest.mark.slow
@linux_only
def test_with_64_descriptors_stalled_clients_do_not_spin_the_server_and_it_recovers(folder):
    from pilates_audio.web import Limits

    with serving(folder, limit_files=64) as (address, process):
        clients = slow_clients(address[1], 59)
        try:
            before = cpu_seconds(process.pid)
            time.sleep(2)
            assert cpu_seconds(process.pid) - before < 0.5  # not spinning on a full descriptor table
            time.sleep(Limits.header_timeout)
            assert get(address, "/", timeout=5)[0] == 200
        finally:
            for client in clients:
                client.close()


@pytest.mark.slow
@linux_only
def test_eight_downloads_of_a_long_session_at_once_keep_memory_flat(folder):
    mp3 = folder / "serve-me.mp3"
    with open(mp3, "ab") as f:
        f.truncate(300 * 1024 * 1024)  # 300 MB, mostly a hole: quick to write and to read
    size = mp3.stat().st_size
    received: list[int] = []

    def download() -> None:
        connection = http.client.HTTPConnection(*address, timeout=60)
        connection.request("GET", "/serve-me.mp3")
        response = connection.getresponse()
        total = 0
        while chunk := response.read(1024 * 1024):
            total += len(chunk)
        received.append(total)
        connection.close()

    with serving(folder) as (address, process):
        assert get(address, "/")[0] == 200  # hashes the session for the page
        threads = [threading.Thread(target=download) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
    assert received == [size] * 8
    assert peak_kb < 150 * 1024, f"{peak_kb // 1024} MB"
