"""The sessions page's player in a real browser: the list, one session at a time, the lock screen's controls,
where a session was left, and a session saved for offline playing with the network off.

The tests share one browser and one served folder, and run in order: each leaves the page as the next expects.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from browser import browser, needs_browser

pytestmark = needs_browser

ROUTINE = """
title: Player Session
cover: art.png
instructor: Sam Lee
collection: Morning Mat
pacing: {inhale: 2s, exhale: 2s, transition: 1s}
exercises:
  - {name: Lift, reps: 2}
  - {name: Swan, hold: 2 breaths}
  - {name: Child's pose, reps: 2}
"""
# Lets the tests press the lock screen's buttons: the handlers the page itself gave the browser, kept as it gives them;
# and see the positions it told the lock screen and the screen wake locks it took.
RECORD_HANDLERS = """
window.wakeLocks = [];
if (navigator.wakeLock) {
  const request = navigator.wakeLock.request.bind(navigator.wakeLock);
  navigator.wakeLock.request = (type) => request(type).then((lock) => (window.wakeLocks.push(lock), lock));
}
window.mediaHandlers = {};
window.positions = [];
if (navigator.mediaSession) {
  const give = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, handler) => {
    window.mediaHandlers[action] = handler;
    return give(action, handler);
  };
  const tell = navigator.mediaSession.setPositionState.bind(navigator.mediaSession);
  navigator.mediaSession.setPositionState = (state) => (window.positions.push(state), tell(state));
}
"""


OTHER = """
title: Short Other
exercises:
  - {name: Roll, reps: 1}
"""


def render_session(base: Path, out: Path, name: str = "player") -> None:
    """Render a routine with the fake engine: instant, and its chapters are the routine's."""
    from pilates_audio import render
    from pilates_audio.format import load

    routine = load(base / f"{name}.yaml")
    pacing, _ = render.effective_pacing(routine, {})
    render.render(routine, replace(pacing, engine="fake"), out)


class Served:
    """The folder served by `pilates-audio serve` in its own process, which can be stopped and started again."""

    def __init__(self, out: Path):
        self.out = out
        self.process = self._start("0")
        self.address = self.process.stdout.readline().split(" at ")[1].strip()

    def _start(self, port: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "pilates_audio", "serve", str(self.out), "--port", port],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self) -> None:
        self.process = self._start(self.address.rstrip("/").rsplit(":", 1)[1])
        self.process.stdout.readline()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from pictures import tiny_png

    base = tmp_path_factory.mktemp("player")
    (base / "player.yaml").write_text(ROUTINE, encoding="utf-8")
    (base / "other.yaml").write_text(OTHER, encoding="utf-8")
    (base / "art.png").write_bytes(tiny_png())
    out = base / "out"
    render_session(base, out, "other")
    os.utime(out / "other.mp3", (1_700_000_000, 1_700_000_000))  # the older: listed second
    render_session(base, out)
    served = Served(out)
    try:
        with browser(base / "profile") as tools:
            tools.call("Page.enable")
            tools.call("Network.enable")
            tools.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_HANDLERS)
            tools.phone(360)
            tools.call("Emulation.setFocusEmulationEnabled", enabled=True)  # a phone's page in front: focused
            tools.call("Page.navigate", url=served.address)
            tools.until("document.body && document.body.dataset.offlineReady === 'true'")
            yield tools, served, base
    finally:
        served.stop()


def chapters(out: Path) -> dict[str, float]:
    """Return each chapter's start, by title."""
    data = json.loads((out / "player.chapters.json").read_text(encoding="utf-8"))
    return {c["title"]: c["startTime"] for c in data["chapters"]}


def time(tools) -> float:
    return tools.js("document.getElementById('audio').currentTime")


def at(tools, seconds: float, within: float = 0.3) -> None:
    """Wait until the player is at `seconds`."""
    tools.until(f"Math.abs(document.getElementById('audio').currentTime - {seconds}) < {within}")


def press(tools, action: str, **details: object) -> None:
    """Press a lock screen or headset button: call the handler the page registered for it."""
    tools.js(f"window.mediaHandlers[{json.dumps(action)}]({json.dumps({'action': action, **details})})")


def fits(tools) -> bool:
    return tools.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_list_shows_each_session_and_fits_a_small_phone(site, tmp_path):
    tools, _, _ = site
    assert tools.js("[...document.querySelectorAll('.session .title')].map(e => e.textContent)") == [
        "Player Session", "Short Other"]
    assert tools.js("document.querySelector('.session .meta').textContent") == "0:47"
    assert tools.js("document.querySelector('a[href=\"feed.xml\"]') !== null")
    tools.until("document.querySelector('.session img.cover').complete")
    assert tools.js("document.querySelector('.session img.cover').naturalWidth") == 2
    assert tools.js("document.getElementById('player').hidden") is True
    (tmp_path / "list.png").write_bytes(tools.screenshot())
    assert fits(tools)
    tools.phone(320)  # the narrowest phones
    assert fits(tools)
    tools.phone(360)


def test_a_session_opens_full_screen_and_plays(site, tmp_path):
    tools, served, _ = site
    tools.click(".session a.open")
    tools.until("!document.getElementById('player').hidden && document.getElementById('list').hidden")
    assert tools.js("location.hash") == "#player"
    assert tools.js("document.getElementById('session-title').textContent") == "Player Session"
    assert tools.js("document.getElementById('download').getAttribute('href')") == "player.mp3"
    tools.until("document.getElementById('now').textContent === 'Now: Introduction · Next: Lift'")
    # Every control is named for a screen reader, and nothing is wider than a 360-pixel screen.
    unnamed = tools.js("""[...document.querySelectorAll('#player button, #player input')]
        .filter(e => !e.closest('[hidden]'))
        .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim() || (e.labels && e.labels.length)))
        .map(e => e.outerHTML)""")
    assert unnamed == []
    (tmp_path / "player.png").write_bytes(tools.screenshot())
    assert fits(tools)
    tools.phone(320)
    assert fits(tools)
    tools.phone(360)
    assert tools.js("document.querySelectorAll('#marks span').length") == len(chapters(served.out)) - 1
    tools.click("#play")
    tools.until("document.getElementById('audio').currentTime > 1.0")
    assert tools.js("document.getElementById('play').getAttribute('aria-label')") == "Pause"
    tools.until("document.getElementById('line').textContent === 'Lift.'")
    tools.until("document.getElementById('now').textContent === 'Now: Lift · Next: Swan'")


def test_the_lock_screen_names_the_exercise_and_its_buttons_move_between_exercises(site):
    tools, served, _ = site
    starts = chapters(served.out)
    metadata = tools.js("(m => [m.title, m.artist, m.album, m.artwork[0].src])(navigator.mediaSession.metadata)")
    assert metadata[:3] == ["Lift", "Sam Lee", "Player Session · Morning Mat"]
    assert metadata[3].endswith("/player.cover.png")
    if tools.js("'chapterInfo' in MediaMetadata.prototype"):  # where the browser shows chapters on the lock screen
        assert tools.js("navigator.mediaSession.metadata.chapterInfo.map(c => [c.title, c.startTime])") == [
            [title, start] for title, start in starts.items()]
    assert set(tools.js("Object.keys(window.mediaHandlers)")) >= {
        "play", "pause", "seekbackward", "seekforward", "seekto", "previoustrack", "nexttrack"}
    press(tools, "nexttrack")
    at(tools, starts["Swan"])
    tools.until("navigator.mediaSession.metadata.title === 'Swan'")
    assert tools.js("document.getElementById('now').textContent") == "Now: Swan · Next: Child's pose"
    press(tools, "previoustrack")  # less than three seconds in: the exercise before
    at(tools, starts["Lift"])
    press(tools, "seekto", seekTime=starts["Swan"] + 5)
    at(tools, starts["Swan"] + 5)
    # The lock screen's position follows the seek.
    tools.until(f"Math.abs(window.positions.at(-1).position - {starts['Swan'] + 5}) < 0.3")
    assert tools.js("window.positions.at(-1).duration") == pytest.approx(tools.js(
        "document.getElementById('audio').duration"))
    press(tools, "previoustrack")  # well into Swan: back to its start
    at(tools, starts["Swan"])
    press(tools, "seekforward")
    at(tools, starts["Swan"] + 15, within=0.5)
    press(tools, "seekbackward")
    at(tools, starts["Swan"], within=0.5)
    press(tools, "pause")
    tools.until("document.getElementById('audio').paused && navigator.mediaSession.playbackState === 'paused'")
    press(tools, "play")
    tools.until("!document.getElementById('audio').paused")


def test_keys_play_pause_seek_and_move_between_exercises(site):
    tools, served, _ = site
    starts = chapters(served.out)
    press(tools, "seekto", seekTime=starts["Lift"] + 1)
    tools.key("n", 78)
    at(tools, starts["Swan"])
    tools.key("p", 80)
    at(tools, starts["Lift"])
    tools.key("ArrowRight", 39)
    at(tools, starts["Lift"] + 15, within=0.5)
    tools.key("ArrowLeft", 37)
    at(tools, starts["Lift"], within=0.5)
    tools.key(" ", 32)
    tools.until("document.getElementById('audio').paused")
    tools.key(" ", 32)
    tools.until("!document.getElementById('audio').paused")


def test_the_screen_stays_on_while_playing_when_asked(site):
    tools, _, _ = site
    assert tools.js("document.getElementById('wake-option').hidden") is False
    assert tools.js("window.wakeLocks.length") == 0  # not asked for: the screen sleeps as usual
    tools.click("#wake")
    tools.until("window.wakeLocks.length === 1 && !window.wakeLocks[0].released")
    assert tools.js("window.wakeLocks[0].type") == "screen"
    tools.click("#play")
    tools.until("document.getElementById('audio').paused && window.wakeLocks[0].released")
    tools.click("#play")
    tools.until("window.wakeLocks.length === 2 && !window.wakeLocks[1].released")
    # Hidden, the page loses its lock; shown again, it takes another.
    tools.js("window.wakeLocks[1].release().then(() => document.dispatchEvent(new Event('visibilitychange')))",
             wait=True)
    tools.until("window.wakeLocks.length === 3 && !window.wakeLocks[2].released")
    tools.click("#wake")
    tools.until("window.wakeLocks[2].released")
    assert tools.js("JSON.parse(localStorage.getItem('pilates-audio:keep-screen-on'))") is False


def test_repeat_plays_the_exercise_again_then_goes_on(site):
    tools, served, _ = site
    starts = chapters(served.out)
    swan, child = starts["Swan"], starts["Child's pose"]
    tools.click("#repeat")
    assert tools.js("document.getElementById('repeat').textContent") == "Repeat this exercise: once"
    tools.js("""(() => { const audio = document.getElementById('audio');
        window.heard = []; window.listening = setInterval(() => window.heard.push(audio.currentTime), 20);
        audio.playbackRate = 4; })()""")
    press(tools, "seekto", seekTime=child - 1.5)
    tools.until(f"document.getElementById('audio').currentTime > {child} + 0.5", timeout=20)
    tools.js("document.getElementById('audio').playbackRate = 1; clearInterval(window.listening)")
    heard = tools.js("window.heard")
    back = next(i for i in range(1, len(heard)) if heard[i] < heard[i - 1] - 5)
    assert child - 0.3 < heard[back - 1] < child + 0.5  # the first time, to its end (looked at every 0.4 s here)
    assert abs(heard[back] - swan) < 0.3  # then from its start again
    assert all(heard[i] >= heard[i - 1] for i in range(back + 1, len(heard)))  # and through it once more
    assert tools.js("document.getElementById('repeat').textContent") == "Repeat this exercise: off"


def test_repeat_until_turned_off_goes_on_repeating(site):
    tools, served, _ = site
    starts = chapters(served.out)
    child = starts["Child's pose"]
    tools.click("#repeat")
    tools.click("#repeat")
    assert tools.js("document.getElementById('repeat').textContent") == "Repeat this exercise: until turned off"
    assert tools.js("document.getElementById('repeat').getAttribute('aria-pressed')") == "true"
    tools.js("document.getElementById('audio').playbackRate = 4")
    for _ in range(2):
        press(tools, "seekto", seekTime=child - 0.8)
        tools.until(f"document.getElementById('audio').currentTime > {child} - 0.5")
        tools.until(f"document.getElementById('audio').currentTime < {starts['Swan']} + 1")  # Swan again
    assert tools.js("document.getElementById('repeat').textContent") == "Repeat this exercise: until turned off"
    tools.click("#repeat")
    assert tools.js("document.getElementById('repeat').textContent") == "Repeat this exercise: off"
    tools.js("document.getElementById('audio').playbackRate = 1")


def test_pause_after_this_exercise_stops_at_its_end(site):
    tools, served, _ = site
    starts = chapters(served.out)
    tools.click("#pause-after")
    assert tools.js("document.getElementById('pause-after').getAttribute('aria-pressed')") == "true"
    press(tools, "seekto", seekTime=starts["Child's pose"] - 1.0)
    tools.js("document.getElementById('audio').play()")
    tools.until("document.getElementById('audio').paused", timeout=10)
    at(tools, starts["Child's pose"], within=0.05)
    assert tools.js("document.getElementById('pause-after').getAttribute('aria-pressed')") == "false"


def test_a_reload_offers_to_resume_where_it_stopped(site):
    tools, served, _ = site
    starts = chapters(served.out)
    press(tools, "seekto", seekTime=starts["Swan"] + 3)
    tools.call("Page.reload")
    tools.until("document.body.dataset.offlineReady === 'true' && !document.getElementById('resume').hidden")
    expected = f"Resume at 0:{round(starts['Swan'] + 3):02d} (Swan)"
    assert tools.js("document.getElementById('resume-at').textContent") == expected
    at(tools, starts["Swan"] + 3, within=0.1)
    tools.click("#resume-at")
    tools.until(f"!document.getElementById('audio').paused && document.getElementById('audio').currentTime > "
                f"{starts['Swan']} + 3.2")
    assert tools.js("document.getElementById('resume').hidden") is True


def test_a_finished_session_is_marked_done_in_the_list(site):
    tools, _, _ = site
    duration = tools.js("document.getElementById('audio').duration")
    press(tools, "seekto", seekTime=duration - 1.0)
    tools.until("document.getElementById('audio').ended", timeout=10)
    tools.click("#close")
    tools.until("!document.getElementById('list').hidden")
    today = tools.js("new Date().toLocaleDateString()")
    assert tools.js("document.querySelector('.session .state').textContent") == f"Done {today}"


def saved_caches(tools) -> list[str]:
    return tools.js("caches.keys().then(keys => keys.filter(k => k.startsWith('pilates-audio-session:')))", wait=True)


def test_a_saved_session_plays_and_seeks_with_the_network_off(site):
    tools, served, _ = site
    tools.js("location.hash = 'player'")
    tools.until("!document.getElementById('player').hidden && navigator.serviceWorker.controller !== null")
    # Installable: the browser finds nothing missing in the manifest, its icons or the service worker.
    assert tools.call("Page.getAppManifest")["errors"] == []
    assert tools.call("Page.getInstallabilityErrors")["installabilityErrors"] == []
    # A file missing on the server: nothing is kept, rather than a copy without it.
    (served.out / "player.cover.png").rename(served.out / "cover.away")
    tools.click("#save")
    tools.until("document.getElementById('offline-status').textContent.startsWith('Not saved')")
    assert tools.js("document.getElementById('offline-status').textContent") == (
        f"Not saved: {served.address}player.cover.png: the server answered 404.")
    assert saved_caches(tools) == [] and tools.js("document.getElementById('progress').hidden") is True
    (served.out / "cover.away").rename(served.out / "player.cover.png")
    tools.click("#save")
    tools.until("!document.getElementById('remove').hidden")
    assert tools.js("document.getElementById('save').hidden") is True
    today = tools.js("new Date().toLocaleDateString()")
    size = (served.out / "player.mp3").stat().st_size
    status = tools.js("document.getElementById('offline-status').textContent")
    assert status.startswith(f"Saved for offline on {today} (") and status.endswith(" MB).")
    assert len(saved_caches(tools)) == 1
    assert tools.js("document.getElementById('storage').textContent").startswith(
        "Saved for offline: 1 session; this page uses ")
    served.stop()
    tools.network(online=False)
    since = len(tools.events)
    tools.call("Page.reload")
    tools.until("document.body.dataset.offlineReady === 'true' && !document.getElementById('player').hidden")
    assert tools.js("navigator.onLine") is False
    states = tools.js("[...document.querySelectorAll('.session .state')].map(e => e.textContent)")
    assert states[0].startswith("Saved for offline") and states[1] == "Not saved for offline"
    tools.click("#play")
    tools.until("document.getElementById('audio').currentTime > 1.0")
    starts = chapters(served.out)
    child = starts["Child's pose"]
    press(tools, "seekto", seekTime=child)
    tools.until(f"document.getElementById('audio').currentTime > {child} + 0.5")
    tools.js("document.getElementById('audio').pause(); location.hash = 'other'")  # a session not saved
    tools.until("document.getElementById('session-title').textContent === 'Short Other'")
    assert tools.js("document.getElementById('offline-status').textContent") == (
        "Not saved for offline: this session plays once the network is back.")
    tools.js("location.hash = 'player'")
    tools.until("document.getElementById('session-title').textContent === 'Player Session'")
    ranges = [r for r in tools.responses("/player.mp3", since) if r["status"] == 206]
    assert ranges and all(r["fromServiceWorker"] for r in ranges)
    assert all({k.lower(): v for k, v in r["headers"].items()}["content-range"].endswith(f"/{size}")
               for r in ranges)
    # The bytes of a range are the file's, as the server would send them.
    data = (served.out / "player.mp3").read_bytes()
    answer = tools.js("""fetch('player.mp3', {headers: {Range: 'bytes=1000-1999'}}).then(async r =>
        [r.status, r.headers.get('Content-Range'), Array.from(new Uint8Array(await r.arrayBuffer()))])""", wait=True)
    assert answer == [206, f"bytes 1000-1999/{size}", list(data[1000:2000])]
    answer = tools.js("""fetch('player.mp3', {headers: {Range: 'bytes=-10'}}).then(async r =>
        [r.status, Array.from(new Uint8Array(await r.arrayBuffer()))])""", wait=True)
    assert answer == [206, list(data[-10:])]
    assert tools.js(f"fetch('player.mp3', {{headers: {{Range: 'bytes={size}-'}}}}).then(r => r.status)", wait=True) \
        == 416
    tools.js("document.getElementById('audio').pause()")
    served.start()
    tools.network(online=True)


def test_a_session_rendered_again_on_the_server_is_offered_for_update(site):
    tools, served, base = site
    before = chapters(served.out)
    routine = base / "player.yaml"
    routine.write_text(ROUTINE.replace("{name: Lift, reps: 2}", "{name: Lift, reps: 3}"), encoding="utf-8")
    render_session(base, served.out)
    after = chapters(served.out)
    assert after["Swan"] > before["Swan"]
    tools.call("Page.reload")
    tools.until("document.body.dataset.offlineReady === 'true' && !document.getElementById('update').hidden")
    assert tools.js("document.querySelector('.session .state').textContent").startswith("Saved · update available")
    assert tools.js("document.getElementById('offline-status').textContent") == (
        "A newer version of this session is on the server; the saved copy plays until you update it.")
    # Until then, everything of the session comes from the one saved copy: its chapters are the old ones.
    old = tools.js("fetch('player.chapters.json').then(r => r.json()).then(d => d.chapters[2].startTime)", wait=True)
    assert old == before["Swan"]
    tools.until(f"document.getElementById('now').textContent !== '' && "
                f"document.querySelectorAll('#chapters .time')[2].textContent === '0:{round(before['Swan']):02d}'")
    first = saved_caches(tools)
    tools.click("#update")
    tools.until("document.getElementById('update').hidden && !document.getElementById('remove').hidden")
    new = tools.js("fetch('player.chapters.json').then(r => r.json()).then(d => d.chapters[2].startTime)", wait=True)
    assert new == after["Swan"]
    # The player took up the new copy: its audio and exercises, not the old ones beside new bytes.
    tools.until(f"document.querySelectorAll('#chapters .time')[2].textContent === '0:{round(after['Swan']):02d}'")
    duration = json.loads((served.out / "player.json").read_text(encoding="utf-8"))["duration"]
    assert duration > before["Closing"] + 3  # longer than the old copy: one could not be taken for the other
    tools.until(f"Math.abs(document.getElementById('audio').duration - {duration}) < 0.5")
    now = saved_caches(tools)
    assert len(now) == 1 and now != first  # swapped whole: the old copy is gone
    tools.click("#remove")
    tools.until("!document.getElementById('save').hidden")
    assert saved_caches(tools) == []
    assert tools.js("document.querySelector('.session .state').textContent").startswith("Done")


def test_nothing_went_wrong_on_the_page(site):
    tools, served, _ = site
    address = served.address
    # Only the failures the tests asked for, each as the browser reports a failed load: nothing the page's script threw.
    missing = f"Failed to load resource: the server responded with a status of 404 (Not Found) " \
              f"({address}player.cover.png?…)"  # the file taken away on the server
    past_the_end = f"Failed to load resource: the server responded with a status of 416 () ({address}player.mp3)"
    offline = {f"Failed to load resource: net::ERR_FAILED ({address}other{suffix})"  # the session not saved, offline
               for suffix in (".chapters.json", ".vtt", ".mp3…")}
    found = [re.sub(r"saving=\d+|#other-[0-9a-f]+", "…", error) for error in tools.errors()]
    assert found.count(missing) == found.count(past_the_end) == 1
    assert set(found) <= {missing, past_the_end, *offline}
