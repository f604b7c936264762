"""Getting sessions onto a phone: the podcast feed and the read-only server."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"

ROUTINE = """
title: Feed & Serve
description: A short session <for> the feed.
instructor: Sam Lee
cover: art.png
pacing: {inhale: 1s, exhale: 1s, transition: 1s}
exercises:
  - {name: Lift, reps: 2}
  - {name: Reach, hold: 1 breath}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("publish")
    from pictures import tiny_png

    (base / "feed-and-serve.yaml").write_text(ROUTINE, encoding="utf-8")
    (base / "art.png").write_bytes(tiny_png())
    out = base / "out"
    assert run_cli("render", base / "feed-and-serve.yaml", "-o", out, "-q").code == 0
    (base / "secret.txt").write_text("outside the folder")
    (base / "secret.mp3").write_bytes(b"outside the folder")
    return out


def test_the_feed_lists_each_session_with_everything_a_podcast_app_needs(folder):
    import json

    result = run_cli("feed", folder, "--base-url", "http://192.168.1.20:8000")
    assert result.code == 0
    assert result.stdout == f"{folder / 'feed.xml'}\t1 session\n"
    root = ET.parse(folder / "feed.xml").getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.find(f"{ITUNES}category").get("text") == "Health & Fitness"
    (item,) = channel.findall("item")
    data = json.loads((folder / "feed-and-serve.json").read_text())
    assert item.findtext("title") == "Feed & Serve"
    starts = [int(chapter["start"]) for chapter in data["chapters"]]
    chapter_lines = [f"00:{start // 60:02d}:{start % 60:02d} {chapter['title']}"
                     for start, chapter in zip(starts, data["chapters"])]
    assert [line.split(" ", 1)[1] for line in chapter_lines] == ["Introduction", "Lift", "Reach", "Closing"]
    assert item.findtext("description") == "A short session <for> the feed.\n\n" + "\n".join(chapter_lines)
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == "http://192.168.1.20:8000/feed-and-serve.mp3"
    assert enclosure.get("type") == "audio/mpeg"
    assert int(enclosure.get("length")) == (folder / "feed-and-serve.mp3").stat().st_size
    seconds = round(data["duration"])
    assert item.findtext(f"{ITUNES}duration") == f"00:{seconds // 60:02d}:{seconds % 60:02d}"
    chapters = item.find(f"{PODCAST}chapters")
    assert chapters.get("url") == "http://192.168.1.20:8000/feed-and-serve.chapters.json"
    assert chapters.get("type") == "application/json+chapters"
    transcript = item.find(f"{PODCAST}transcript")
    assert transcript.attrib == {"url": "http://192.168.1.20:8000/feed-and-serve.vtt", "type": "text/vtt",
                                 "language": "en"}
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false" and guid.text.startswith("feed-and-serve-")
    assert item.findtext("pubDate").endswith("GMT")
    assert item.find(f"{ITUNES}image").get("href") == "http://192.168.1.20:8000/feed-and-serve.cover.png"


def test_the_feed_needs_an_http_address(folder):
    result = run_cli("feed", folder, "--base-url", "ftp://example")
    assert result.code == 2
    assert result.stderr == ("error: --base-url must be an http:// or https:// address, such as "
                             "http://192.168.1.20:8000/; got 'ftp://example'\n")


@pytest.fixture(scope="module")
def server(folder):
    """Run `pilates-audio serve` on a free port; yield its address."""
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(folder), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    line = process.stdout.readline()
    assert line.startswith(f"serving {folder} at http://127.0.0.1:"), line
    port = int(line.rsplit(":", 1)[1].strip().strip("/"))
    yield "127.0.0.1", port
    process.terminate()
    process.wait(timeout=10)


def get(server, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(*server, timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True, skip_host="Host" in (headers or {}))
    for key, value in (headers or {}).items():
        connection.putheader(key, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body  # header names are case-insensitive


def test_the_page_lists_sessions_and_gives_the_player_their_files_and_chapters(server, folder):
    status, headers, body = get(server, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert '<span class="title">Feed &amp; Serve</span>' in page
    assert '<a class="open" href="#feed-and-serve"><img class="cover" src="feed-and-serve.cover.png" alt="" ' \
        'width="56" height="56">' in page
    assert get(server, "/feed-and-serve.cover.png")[1]["Content-Type"] == "image/png"
    data = json.loads(page.split('<script type="application/json" id="sessions-data">')[1].split("</script>")[0])
    assert [(s["mp3"], s["vtt"], s["chapters_file"]) for s in data] == [
        ("feed-and-serve.mp3", "feed-and-serve.vtt", "feed-and-serve.chapters.json")]
    chapters = json.loads((folder / "feed-and-serve.chapters.json").read_text())["chapters"]
    assert data[0]["chapters"] == [[c["startTime"], c["title"]] for c in chapters]
    assert [title for _, title in data[0]["chapters"]] == ["Introduction", "Lift", "Reach", "Closing"]
    # The lock screen names the instructor; with no collection named, the album is the channel's title.
    assert (data[0]["author"], data[0]["collection"]) == ("Sam Lee", "Pilates sessions")
    assert '<meta name="viewport"' in page and 'href="feed.xml"' in page


def test_the_player_s_files_are_served_beside_the_sessions(server):
    script = "text/javascript; charset=utf-8"
    for name, media_type in [("player.js", script), ("sw.js", script), ("player.css", "text/css; charset=utf-8"),
                             ("icon.svg", "image/svg+xml")]:
        status, headers, body = get(server, f"/{name}")
        assert (status, headers["Content-Type"]) == (200, media_type), name
        assert get(server, f"/{name}", headers={"If-None-Match": headers["ETag"]})[0] == 304
    status, headers, body = get(server, "/manifest.webmanifest")
    assert (status, headers["Content-Type"]) == (200, "application/manifest+json")
    manifest = json.loads(body)
    assert (manifest["name"], manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "Pilates sessions", "./", "./", "standalone")
    for size in (192, 512):
        status, headers, body = get(server, f"/icon-{size}.png")
        assert (status, headers["Content-Type"]) == (200, "image/png")
        assert body[16:24] == size.to_bytes(4, "big") * 2  # the PNG's width and height
        assert {"src": f"icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png",
                "purpose": "any maskable"} in manifest["icons"]
    assert get(server, "/icon-64.png")[0] == 404  # only the sizes the manifest names
    # The service worker keeps every file of the app for offline, as the server names them.
    worker = get(server, "/sw.js")[2].decode()
    assert 'const APP_FILES = ["icon-192.png", "icon-512.png", "icon.svg", "manifest.webmanifest", "player.css", ' \
        '"player.js"];' in worker


def test_mp3s_are_served_whole_and_in_byte_ranges(server, folder):
    data = (folder / "feed-and-serve.mp3").read_bytes()
    status, headers, body = get(server, "/feed-and-serve.mp3")
    assert (status, headers["Content-Type"], headers["Accept-Ranges"], body) == (200, "audio/mpeg", "bytes", data)
    status, headers, body = get(server, "/feed-and-serve.mp3", headers={"Range": "bytes=100-199"})
    assert status == 206 and body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(data)}" and headers["Content-Length"] == "100"
    status, headers, body = get(server, "/feed-and-serve.mp3", headers={"Range": "bytes=-50"})
    assert status == 206 and body == data[-50:]
    status, _, body = get(server, "/feed-and-serve.mp3", headers={"Range": f"bytes={len(data) - 10}-"})
    assert status == 206 and body == data[-10:]
    status, headers, _ = get(server, "/feed-and-serve.mp3", headers={"Range": f"bytes={len(data)}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"
    status, headers, body = get(server, "/feed-and-serve.mp3", method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == str(len(data))
    status, _, body = get(server, "/feed-and-serve.mp3", headers={"Range": "bytes=10-5"})  # not a range: ignored
    assert status == 200 and body == data


def test_a_request_head_past_16_kib_is_refused(server):
    status, _, body = get(server, "/", headers={"X-Padding": "x" * 17000})
    assert (status, body) == (431, b"request header fields too large\n")
    assert get(server, "/", headers={"X-Padding": "x" * 8000})[0] == 200


def test_sidecars_and_the_feed_are_served_with_urls_from_the_request(server):
    assert get(server, "/feed-and-serve.vtt")[1]["Content-Type"] == "text/vtt; charset=utf-8"
    assert get(server, "/feed-and-serve.chapters.json")[0] == 200
    status, _, body = get(server, "/feed.xml", headers={"Host": "localhost:8123"})
    assert status == 200 and b'url="http://localhost:8123/feed-and-serve.mp3"' in body
    assert get(server, "/feed.xml", headers={"Host": "127.0.0.2"})[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "192.168.7.7:8123", "evil.example/<script>",
                                  "[2001:db8::1]:80"])
def test_a_loopback_server_answers_only_for_this_machines_names(server, host):
    """A page that reached it by another name (DNS rebinding) gets nothing."""
    for path in ("/", "/feed.xml", "/feed-and-serve.mp3"):
        status, _, body = get(server, path, headers={"Host": host})
        assert (status, body) == (421, b"this server does not answer for that host name\n"), path


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/../secret.mp3", "/%2e%2e/secret.mp3", "/%2E%2E%2Fsecret.mp3", "/..%2fsecret.mp3",
    "/%252e%252e/secret.mp3", "/..\\secret.mp3", "/./feed-and-serve.mp3", "//etc/passwd", "/%00.mp3",
])
def test_nothing_outside_the_folder_is_served(server, path):
    status, _, body = get(server, path)
    assert status in (400, 404), path
    assert b"outside the folder" not in body


@pytest.mark.parametrize("path", ["/nothing.mp3", "/feed-and-serve.yaml", "/.hidden.mp3", "/sub/x.mp3"])
def test_unknown_or_unlisted_files_are_not_found(server, path):
    assert get(server, path)[0] == 404


def test_a_link_out_of_the_folder_is_not_followed(server, folder):
    link = folder / "linked.mp3"
    link.symlink_to(folder.parent / "secret.mp3")
    try:
        status, _, body = get(server, "/linked.mp3")
        assert status == 404 and b"outside" not in body
    finally:
        link.unlink()


def test_other_methods_and_broken_requests_get_4xx(server):
    status, headers, _ = get(server, "/", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert get(server, "/", method="DELETE")[0] == 405
    with socket.create_connection(server, timeout=10) as raw:
        raw.sendall(b"NOT A REQUEST\r\n\r\n")
        reply = raw.recv(200)
    assert reply.startswith(b"HTTP/1.1 400") or reply.startswith(b"HTTP/1.0 400")


def test_serve_refuses_a_port_in_use(folder):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", folder, "--port", str(port))
    assert result.code == 1
    assert result.stderr == f"error: port {port} on 127.0.0.1 is already in use; choose another with --port\n"


def test_serving_beyond_this_machine_prints_the_address_for_a_phone(folder):
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(folder), "--host", "0.0.0.0",
                                "--port", "0"], stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        first, second = process.stdout.readline(), process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert first.startswith(f"serving {folder} at http://127.0.0.1:")
    assert second.startswith("on a phone on the same network, open http://") or second.startswith("podcast feed:")


def test_a_session_whose_name_is_not_utf8_is_left_out_with_a_warning(folder, tmp_path):
    import shutil

    session = next(folder.glob("*.mp3")).stem
    for suffix in (".mp3", ".json"):
        shutil.copy(folder / f"{session}{suffix}", tmp_path / f"{session}{suffix}")
        shutil.copy(folder / f"{session}{suffix}", os.path.join(os.fsencode(tmp_path), b"bad\xff" + suffix.encode()))
    result = run_cli("feed", tmp_path, "--base-url", "http://127.0.0.1:8000/")
    assert (result.code, result.stdout) == (0, f"{tmp_path / 'feed.xml'}\t1 session\n")
    assert result.stderr == f"warning: {tmp_path}/bad\\xff.mp3 is left out: its file name is not UTF-8; rename it\n"
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(tmp_path), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        line = process.stdout.readline()
        port = int(line.rsplit(":", 1)[1].strip().strip("/"))
        for path in ("/", "/feed.xml"):
            status, _, body = get(("127.0.0.1", port), path)
            assert status == 200 and session.encode() in body, path
    finally:
        process.terminate()
        process.wait(timeout=10)


def _copy_session(source: Path, name: str, into: Path) -> None:
    import shutil

    session = next(source.glob("*.mp3")).stem
    for suffix in (".mp3", ".json", ".chapters.json", ".vtt"):
        shutil.copy(source / f"{session}{suffix}", into / f"{name}{suffix}")


def test_the_index_reads_an_mp3_again_only_when_it_changes(folder, tmp_path):
    import hashlib

    from pilates_audio.publish import feed

    for name in ("one", "two"):
        _copy_session(folder, name, tmp_path)
    index = feed.Index(tmp_path)
    first = {e.name: e.guid for e in index.episodes()}
    data = (tmp_path / "two.mp3").read_bytes()
    assert first["two"] == f"two-{hashlib.sha256(data).hexdigest()[:16]}"  # as the feed has always said
    assert index.reads == 2
    for _ in range(3):
        assert {e.name: e.guid for e in index.episodes()} == first
    assert index.reads == 2  # a page or feed asked for again reads no MP3
    (tmp_path / "new.mp3").write_bytes(data + b"\0" * 417)
    os.replace(tmp_path / "new.mp3", tmp_path / "two.mp3")  # as a re-render replaces it
    again = {e.name: e.guid for e in index.episodes()}
    assert index.reads == 3 and again["one"] == first["one"] and again["two"] != first["two"]
    assert [e.chapters[0] for e in index.episodes()] == [(0.0, "Introduction")] * 2


def test_hashing_a_long_session_holds_little_of_it_in_memory(folder, tmp_path):
    import tracemalloc

    from pilates_audio.publish import feed

    _copy_session(folder, "long", tmp_path)
    with open(tmp_path / "long.mp3", "ab") as f:
        f.truncate(64 * 1024 * 1024)
    tracemalloc.start()
    try:
        (episode,) = feed.Index(tmp_path).episodes()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert episode.size == 64 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, peak


# The channel: options, feed.yaml, defaults


def test_the_channel_takes_options_over_feed_yaml_over_defaults(folder, tmp_path):
    import shutil

    _copy_session(folder, "mat", tmp_path)
    shutil.copy(folder / "feed-and-serve.cover.png", tmp_path / "mat.cover.png")
    shutil.copy(folder / "feed-and-serve.cover.png", tmp_path / "show.png")

    def channel(*options: str):
        result = run_cli("feed", tmp_path, "--base-url", "http://127.0.0.1:8000/", *options)
        assert (result.code, result.stderr) == (0, ""), result.stderr
        found = ET.parse(tmp_path / "feed.xml").getroot().find("channel")
        return (found.findtext("title"), found.findtext(f"{ITUNES}author"), found.findtext("description"),
                found.find(f"{ITUNES}image").get("href"), found.findtext("image/url"))

    assert channel() == ("Pilates sessions", "pilates-audio", "Guided Pilates sessions made with pilates-audio.",
                         "http://127.0.0.1:8000/mat.cover.png", "http://127.0.0.1:8000/mat.cover.png")
    (tmp_path / "feed.yaml").write_text("title: Morning Mat\nauthor: Sam Lee\ndescription: Short & slow.\n"
                                        "image: show.png\n", encoding="utf-8")
    assert channel() == ("Morning Mat", "Sam Lee", "Short & slow.", "http://127.0.0.1:8000/show.png",
                         "http://127.0.0.1:8000/show.png")
    assert channel("--title", "Evening Mat", "--author", "Ana", "--description", "Gentle.", "--image",
                   "https://example.org/art.jpg") == ("Evening Mat", "Ana", "Gentle.", "https://example.org/art.jpg",
                                                      "https://example.org/art.jpg")
    assert channel("--author", "Ana")[:2] == ("Morning Mat", "Ana")


@pytest.mark.parametrize("text, messages", [
    ("- title\n", ["1:1: must be a mapping of title, author, description and image, such as "
                   "{title: Morning Mat, author: Sam Lee}"]),
    ("titel: Mat\ncolour: red\n", ["1:1: unknown key 'titel'; did you mean 'title'?",
                                   "2:1: unknown key 'colour'; feed.yaml keys are: title, author, description, image"]),
    ("title: 2024\nauthor: [Sam]\ndescription: ''\n", ["1:8: title must be text, not a number",
                                                       "2:9: author must be text, not a list",
                                                       "3:14: description must not be empty"]),
    ("image: art.gif\n", ["1:8: image must be a JPEG or PNG file in the folder (.jpg, .jpeg or .png) or an http:// "
                          "or https:// address, not 'art.gif'"]),
    ("image: ../art.png\n", ["1:8: image must be a JPEG or PNG file in the folder (.jpg, .jpeg or .png) or an "
                             "http:// or https:// address, not '../art.png'"]),
    ("title: [unclosed\n", ["1:8: invalid YAML: this '[' list is never closed with ']'"]),
])
def test_a_bad_feed_yaml_is_refused_with_every_problem_and_where_it_is(tmp_path, text, messages):
    (tmp_path / "feed.yaml").write_text(text, encoding="utf-8")
    result = run_cli("feed", tmp_path, "--base-url", "http://127.0.0.1:8000/")
    count = len(messages)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == "".join(f"{tmp_path / 'feed.yaml'}:{m}\n" for m in messages) + (
        f"{count} problem{'s' if count != 1 else ''} found; nothing was written.\n")
    assert not (tmp_path / "feed.xml").exists()


def test_an_image_that_is_not_in_the_folder_is_named(tmp_path):
    (tmp_path / "feed.yaml").write_text("image: art.png\n", encoding="utf-8")
    result = run_cli("feed", tmp_path, "--base-url", "http://127.0.0.1:8000/")
    assert (result.code, result.stderr) == (2, f"{tmp_path / 'feed.yaml'}:1:8: image 'art.png' is not a file in "
                                               f"{tmp_path}\n1 problem found; nothing was written.\n")
    for image, message in [("art.png", f"'art.png' is not a file in {tmp_path}"),
                           ("ftp://example.org/a.png", "must be a JPEG or PNG file in the folder (.jpg, .jpeg or .png) "
                                                       "or an http:// or https:// address, not 'ftp://example.org/a.png'")]:
        result = run_cli("feed", tmp_path, "--base-url", "http://127.0.0.1:8000/", "--image", image)
        assert (result.code, result.stderr) == (2, f"error: --image {message}\n")


def test_serve_takes_the_page_title_and_the_channel_from_feed_yaml_as_it_changes(folder, tmp_path):
    import time

    _copy_session(folder, "mat", tmp_path)
    settings = tmp_path / "feed.yaml"
    settings.write_text("title: Morning <Mat>\ndescription: Short & slow.\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(tmp_path), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        address = ("127.0.0.1", int(process.stdout.readline().rsplit(":", 1)[1].strip().strip("/")))
        page = get(address, "/")[2].decode()
        assert "<title>Morning &lt;Mat&gt;</title>" in page and "<h1>Morning &lt;Mat&gt;</h1>" in page
        assert '<p class="intro">Short &amp; slow.</p>' in page
        settings.write_text("title: Evening Mat\nauthor: Ana\n", encoding="utf-8")
        assert "<h1>Evening Mat</h1>" in get(address, "/")[2].decode()
        channel = ET.fromstring(get(address, "/feed.xml")[2]).find("channel")
        assert (channel.findtext("title"), channel.findtext(f"{ITUNES}author")) == ("Evening Mat", "Ana")
        time.sleep(0.01)
        settings.write_text("title: [broken\n", encoding="utf-8")
        assert "<h1>Evening Mat</h1>" in get(address, "/")[2].decode()  # the last good settings, until fixed
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.stderr.read() == (f"warning: {settings}:1:8: invalid YAML: this '[' list is never closed with ']'\n"
                                     f"warning: {settings} is not used until it is fixed\nstopped\n")


def test_serve_refuses_a_bad_feed_yaml_at_the_start(tmp_path):
    (tmp_path / "feed.yaml").write_text("titel: Mat\n", encoding="utf-8")
    result = run_cli("serve", tmp_path, "--port", "0")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (f"{tmp_path / 'feed.yaml'}:1:1: unknown key 'titel'; did you mean 'title'?\n"
                             "1 problem found; nothing was written.\n")


def test_an_episode_names_its_own_author_only_when_the_routine_has_an_instructor(folder, tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text("title: Plain\nexercises: [{name: Lift, reps: 1}]\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("render", plain, "-o", out, "-q").code == 0
    for name in ("feed-and-serve.mp3", "feed-and-serve.json"):
        (out / name).write_bytes((folder / name).read_bytes())
    (out / "feed.yaml").write_text("author: Ana\n")
    assert run_cli("feed", out, "--base-url", "http://example.org/").code == 0
    channel = ET.parse(out / "feed.xml").getroot().find("channel")
    assert channel.findtext(f"{ITUNES}author") == "Ana"
    authors = {item.findtext("title"): item.findtext(f"{ITUNES}author") for item in channel.iter("item")}
    assert authors == {"Plain": None, "Feed & Serve": "Sam Lee"}


def test_every_file_of_the_player_is_shipped_with_the_package():
    import fnmatch
    import re

    from pilates_audio.publish.webapp import STATIC

    # The package-data line, read without a TOML reader (Python 3.10 has none).
    line = re.search(r'^"pilates_audio\.publish" = (\[.*\])$', (ROOT / "pyproject.toml").read_text(), re.M)
    patterns = json.loads(line[1])
    folder = ROOT / "pilates_audio" / "publish" / "player"
    files = sorted(path.name for path in folder.iterdir())
    assert files == sorted(STATIC)  # nothing there that is not served, nothing served that is not there
    assert all(any(fnmatch.fnmatch(f"player/{name}", pattern) for pattern in patterns) for name in files)


def test_a_title_that_looks_like_markup_stays_text_in_the_page_and_its_data():
    from pilates_audio.publish import page_html
    from pilates_audio.publish.feed import Episode

    title = 'Roll </script><!-- <b>"down"</b>'
    episode = Episode(name="roll", mp3=Path("roll.mp3"), title=title, duration=61.0, size=1, modified=0.0,
                      description="", author="", guid="roll-1", has_chapters=False, has_transcript=False,
                      chapters=((0.0, "</script>"),))
    page = page_html([episode])
    block = page.split('<script type="application/json" id="sessions-data">')[1]
    assert block.index("</script>") == block.index("]</script>") + 1  # the first end of a script is the block's own
    data = json.loads(block.split("</script>")[0])
    assert (data[0]["title"], data[0]["chapters"], data[0]["vtt"]) == (title, [[0.0, "</script>"]], None)
    assert '<span class="title">Roll &lt;/script&gt;&lt;!-- &lt;b&gt;&quot;down&quot;&lt;/b&gt;</span>' in page


def test_the_icon_is_drawn_as_the_svg_draws_it():
    import struct
    import zlib

    from pilates_audio.publish.icons import icon_png

    data = icon_png(100)  # one pixel per unit of the SVG's 100-unit square
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (100, 100, 8, 2)
    raw = zlib.decompress(data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8])
    rows = [raw[y * 301 + 1:(y + 1) * 301] for y in range(100)]  # each row: a filter byte, then RGB

    def pixel(x: int, y: int) -> tuple[int, ...]:
        return tuple(rows[y][x * 3:x * 3 + 3])

    green, white = (0x2A, 0x77, 0x5A), (255, 255, 255)
    assert pixel(0, 0) == pixel(99, 99) == pixel(50, 50) == green  # the corners, and inside the arms' arc
    assert pixel(50, 30) == white  # the head: the SVG's circle at (50, 30), radius 9
    assert pixel(50, 38) == white and pixel(50, 42) == green  # the arc: radius 17 to 23 around (50, 58)
    assert pixel(50, 74) == pixel(20, 74) == white and pixel(10, 74) == green  # the mat: x 18 to 82, y 70 to 78
    assert (b'<circle cx="50" cy="30" r="9"' in (ROOT / "pilates_audio/publish/player/icon.svg").read_bytes())


def test_a_session_dated_ahead_is_held_back_until_its_time(folder, tmp_path, monkeypatch):
    import time

    from pilates_audio.publish import feed

    for name in ("today", "tomorrow"):
        _copy_session(folder, name, tmp_path)
    now = time.time()
    for suffix in (".mp3", ".json", ".chapters.json", ".vtt"):
        os.utime(tmp_path / f"tomorrow{suffix}", (now + 86400, now + 86400))
    index = feed.Index(tmp_path)
    shown = index.episodes()
    assert [e.name for e in shown] == ["today"]
    assert index.episodes() is shown  # the same list while nothing changes: the server's page and feed keep theirs
    monkeypatch.setattr(time, "time", lambda: now + 86400)
    assert [e.name for e in index.episodes()] == ["tomorrow", "today"]
    assert index.reads == 2  # coming out reads nothing again
