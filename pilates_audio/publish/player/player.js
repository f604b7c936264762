// The sessions page's player: one session at a time, its exercises and spoken lines, the lock screen's controls,
// where each session was left, keeping the screen on, and sessions saved for offline.
"use strict";

(function () {
  const SESSIONS = JSON.parse(document.getElementById("sessions-data").textContent);
  const STEP = 15; // seconds moved by the back and forward buttons, keys and headset
  const RESTART = 3; // seconds into an exercise after which "previous" goes to its own start
  const SAVED_CACHE = "pilates-audio-saved"; // as in sw.js
  const SESSION_CACHE = "pilates-audio-session:";
  const $ = (id) => document.getElementById(id);
  const audio = $("audio");
  const seek = $("seek");
  const PLAY_ICON = $("play").querySelector("path").getAttribute("d"); // as the page draws it
  const PAUSE_ICON = "M6 4h4v16H6zM14 4h4v16h-4z";

  let session = null; // the session in the player
  let chapters = []; // {start, title}, in order: each ends where the next starts
  let cues = []; // {start, end, text}
  let index = -1; // the exercise playing now
  let lastTime = 0;
  let seeked = true; // a jump since the last look at the time: crossing an exercise's end by it is not "ending" it
  let repeat = "off"; // "off", "once" or "on"
  let pauseAfter = false;
  let dragging = false;
  let savedAt = 0;
  const saved = {}; // saved copies by session name: {version, cache, files, bytes, date}
  const outdated = {}; // sessions whose saved copy the server has replaced

  // ---- time and storage ----

  function clock(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function stored(key) {
    try {
      return JSON.parse(localStorage.getItem(key));
    } catch (error) {
      return null; // storage refused or unreadable: as if nothing was kept
    }
  }

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // full or refused (a private window): the player works on without it
    }
  }

  const positionKey = (name) => `pilates-audio:position:${name}`;
  const doneKey = (name) => `pilates-audio:done:${name}`;
  const WAKE_KEY = "pilates-audio:keep-screen-on";
  const byName = (name) => SESSIONS.find((s) => s.name === name) || null;
  const url = (file) => new URL(file, document.baseURI).href;
  const sessionFiles = (s) => [s.mp3, s.script, s.vtt, s.chapters_file, s.cover].filter(Boolean).map(url);

  // ---- the list ----

  function listState(s) {
    const parts = [];
    const position = stored(positionKey(s.name));
    const done = stored(doneKey(s.name));
    if (outdated[s.name]) parts.push("Saved · update available");
    else if (saved[s.name]) parts.push("Saved for offline");
    else if (!navigator.onLine) parts.push("Not saved for offline");
    if (done) parts.push(`Done ${new Date(done).toLocaleDateString()}`);
    if (position && position.t > RESTART) parts.push(`Stopped at ${clock(position.t)}`);
    return parts.join(" · ");
  }

  function showList() {
    for (const item of document.querySelectorAll(".session")) {
      const s = byName(item.dataset.name);
      if (s) item.querySelector(".state").textContent = listState(s);
    }
  }

  // ---- chapters and spoken lines ----

  function chapterAt(t) {
    let found = 0;
    chapters.forEach((c, i) => {
      if (c.start <= t + 0.01) found = i;
    });
    return found;
  }

  function parseVtt(text) {
    const found = [];
    const time = (value) => value.split(":").reduce((total, part) => total * 60 + Number(part), 0);
    for (const block of text.replace(/\r/g, "").split(/\n\n+/)) {
      const lines = block.split("\n");
      const at = lines.findIndex((line) => line.includes("-->"));
      if (at < 0) continue;
      const [start, end] = lines[at].split("-->").map((part) => time(part.trim().split(/\s/)[0]));
      const words = lines.slice(at + 1).join(" ").replace(/<[^>]*>/g, "");
      const box = document.createElement("textarea");
      box.innerHTML = words; // undo the transcript's &amp; and &lt;
      found.push({start, end, text: box.value});
    }
    return found;
  }

  async function fetchText(file) {
    const response = await fetch(file);
    if (!response.ok) throw new Error(`${file}: ${response.status}`);
    return response.text();
  }

  // Chapters and lines come from the session's own files, so a saved copy shows its own, never the server's newer.
  async function loadWords(s) {
    let list = s.chapters;
    if (s.chapters_file) {
      try {
        list = JSON.parse(await fetchText(s.chapters_file)).chapters.map((c) => [c.startTime, c.title]);
      } catch (error) {
        list = s.chapters; // the page's copy will do
      }
    }
    let lines = [];
    if (s.vtt) {
      try {
        lines = parseVtt(await fetchText(s.vtt));
      } catch (error) {
        lines = [];
      }
    }
    if (session !== s) return;
    chapters = list.map(([start, title]) => ({start, title}));
    cues = lines;
    drawChapters();
    index = -1;
    tick();
  }

  function drawChapters() {
    const total = audio.duration || session.duration;
    const marks = $("marks");
    const list = $("chapters");
    marks.replaceChildren();
    list.replaceChildren();
    chapters.forEach((c, i) => {
      if (i > 0 && total > 0) {
        const mark = document.createElement("span");
        mark.style.left = `${(100 * c.start) / total}%`;
        marks.append(mark);
      }
      const button = document.createElement("button");
      button.type = "button";
      const time = document.createElement("span");
      time.className = "time";
      time.textContent = clock(c.start);
      const title = document.createElement("span");
      title.textContent = c.title;
      button.append(time, title);
      button.addEventListener("click", () => {
        jump(c.start);
        play();
      });
      const item = document.createElement("li");
      item.append(button);
      list.append(item);
    });
  }

  // ---- moving about ----

  function jump(t) {
    const total = audio.duration || session.duration;
    seeked = true;
    audio.currentTime = Math.max(0, Math.min(t, Math.max(0, total - 0.05)));
    tick();
    keepPosition(true);
  }

  function play() {
    audio.play().catch(() => {}); // refused until a tap, or interrupted by a pause: the button says which
  }

  function previousExercise() {
    if (!chapters.length) return jump(0);
    const i = chapterAt(audio.currentTime);
    jump(audio.currentTime - chapters[i].start > RESTART || i === 0 ? chapters[i].start : chapters[i - 1].start);
  }

  function nextExercise() {
    const i = chapterAt(audio.currentTime);
    if (i + 1 < chapters.length) jump(chapters[i + 1].start);
  }

  // An exercise ends while playing on: repeat it, or stop at its end, if asked to.
  function exerciseEnded(i) {
    if (repeat !== "off") {
      if (repeat === "once") setRepeat("off");
      jump(chapters[i].start);
      play();
      return true;
    }
    if (pauseAfter) {
      setPauseAfter(false);
      audio.pause();
      if (i + 1 < chapters.length) jump(chapters[i + 1].start);
      return true;
    }
    return false;
  }

  function tick() {
    if (!session) return;
    const t = audio.currentTime;
    const i = chapters.length ? chapterAt(t) : -1;
    const natural = !seeked && !audio.seeking && !audio.paused && t >= lastTime && t - lastTime < 2;
    if (natural && index >= 0 && i === index + 1 && exerciseEnded(index)) return;
    seeked = false;
    lastTime = t;
    if (i !== index) {
      index = i;
      describe();
    }
    showTime();
  }

  // ---- what the screen shows ----

  function describe() {
    const now = chapters[index];
    const next = chapters[index + 1];
    $("now").textContent = now ? `Now: ${now.title}` + (next ? ` · Next: ${next.title}` : "") : "";
    $("chapters").querySelectorAll("button").forEach((button, i) => {
      if (i === index) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    });
    lockScreen();
  }

  function showTime() {
    const t = audio.currentTime;
    const total = audio.duration || session.duration;
    if (!dragging) {
      seek.max = String(total);
      seek.value = String(t);
    }
    seek.setAttribute("aria-valuetext", `${clock(t)} of ${clock(total)}`);
    $("elapsed").textContent = clock(t);
    $("left").textContent = `-${clock(total - t)}`;
    const cue = cues.find((c) => c.start <= t && t < c.end);
    const line = cue ? cue.text : "";
    if ($("line").textContent !== line) $("line").textContent = line;
    keepPosition(false);
  }

  function showPlaying() {
    const playing = !audio.paused;
    const button = $("play");
    button.setAttribute("aria-label", playing ? "Pause" : "Play");
    button.querySelector("path").setAttribute("d", playing ? PAUSE_ICON : PLAY_ICON);
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = playing ? "playing" : "paused";
    positionState();
  }

  function setRepeat(value) {
    repeat = value;
    const words = {off: "off", once: "once", on: "until turned off"};
    $("repeat").textContent = `Repeat this exercise: ${words[value]}`;
    $("repeat").setAttribute("aria-pressed", String(value !== "off"));
  }

  function setPauseAfter(value) {
    pauseAfter = value;
    $("pause-after").setAttribute("aria-pressed", String(value));
  }

  // ---- the lock screen and headset ----

  function artwork(s) {
    const file = s.cover || "icon-512.png";
    const type = /\.jpe?g$/i.test(file) ? "image/jpeg" : "image/png";
    return [{src: url(file), sizes: "512x512", type}];
  }

  // Lock screens often show only the title: it names the exercise, and the album the session and its collection.
  function lockScreen() {
    if (!("mediaSession" in navigator) || !session) return;
    const now = chapters[index];
    const art = artwork(session);
    const init = {
      title: now ? now.title : session.title,
      artist: session.author,
      album: now ? `${session.title} · ${session.collection}` : session.collection,
      artwork: art,
      chapterInfo: chapters.map((c) => ({title: c.title, startTime: c.start, artwork: art})),
    };
    try {
      navigator.mediaSession.metadata = new MediaMetadata(init);
    } catch (error) {
      delete init.chapterInfo; // a browser that knows the field but refuses these values
      navigator.mediaSession.metadata = new MediaMetadata(init);
    }
    positionState();
  }

  function positionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
    const total = audio.duration;
    if (!(total > 0) || !isFinite(total)) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: total, playbackRate: audio.playbackRate || 1, position: Math.min(audio.currentTime, total)});
    } catch (error) {
      // a state the browser will not take (mid-seek): the next event sends it again
    }
  }

  function mediaKeys() {
    if (!("mediaSession" in navigator)) return;
    const actions = {
      play: () => play(),
      pause: () => audio.pause(),
      seekbackward: (details) => jump(audio.currentTime - (details.seekOffset || STEP)),
      seekforward: (details) => jump(audio.currentTime + (details.seekOffset || STEP)),
      seekto: (details) => jump(details.seekTime),
      previoustrack: () => previousExercise(),
      nexttrack: () => nextExercise(),
    };
    for (const [action, handler] of Object.entries(actions)) {
      try {
        navigator.mediaSession.setActionHandler(action, handler);
      } catch (error) {
        // an action this browser does not know
      }
    }
  }

  // ---- where each session was left ----

  function keepPosition(now) {
    if (!session || !(audio.currentTime > 0)) return;
    if (!now && Date.now() - savedAt < 2000) return;
    savedAt = Date.now();
    store(positionKey(session.name), {t: audio.currentTime, version: session.version});
  }

  function offerResume(s) {
    const position = stored(positionKey(s.name));
    const box = $("resume");
    box.hidden = true;
    if (!position || !(position.t > RESTART) || position.t > s.duration - RESTART) return;
    const c = chapters.length ? chapters[chapterAt(position.t)] : null;
    $("resume-at").textContent = `Resume at ${clock(position.t)}` + (c ? ` (${c.title})` : "");
    box.hidden = false;
    jump(position.t);
  }

  function finished() {
    if (!session) return;
    if (chapters.length && repeat !== "off") {
      exerciseEnded(chapters.length - 1);
      return;
    }
    setPauseAfter(false); // the session stopped anyway
    store(doneKey(session.name), new Date().toISOString());
    store(positionKey(session.name), null);
    showList();
  }

  // ---- keeping the screen on ----

  let wakeLock = null;
  let asking = false; // a request under way: a second would take a second lock, which nothing would let go

  const screenWanted = () => $("wake").checked && !audio.paused && document.visibilityState === "visible";

  async function holdScreen() {
    if (!("wakeLock" in navigator) || !screenWanted() || wakeLock || asking) return;
    asking = true;
    try {
      const lock = await navigator.wakeLock.request("screen");
      if (!screenWanted()) {
        lock.release().catch(() => {}); // paused or turned off while it was asked for
        return;
      }
      wakeLock = lock;
      lock.addEventListener("release", () => {
        if (wakeLock === lock) wakeLock = null;
      });
    } catch (error) {
      // refused, as on low battery: the screen sleeps as usual
    } finally {
      asking = false;
    }
  }

  function releaseScreen() {
    if (wakeLock) wakeLock.release().catch(() => {});
    wakeLock = null;
  }

  // ---- opening and closing a session ----

  async function open(s) {
    if (session !== s) {
      session = s;
      chapters = s.chapters.map(([start, title]) => ({start, title}));
      cues = [];
      index = -1;
      setRepeat("off");
      setPauseAfter(false);
      audio.src = source(s);
      $("download").href = s.mp3;
      $("session-title").textContent = s.title;
      $("session-title").lang = s.language;
      $("art").hidden = !s.cover;
      if (s.cover) $("art").src = s.cover;
      $("line").textContent = "";
      for (const id of ["line", "now", "chapters"]) $(id).lang = s.language; // the session's words, in its language
      drawChapters();
      seeked = true;
      tick();
      offerResume(s);
      showOffline();
      loadWords(s);
    }
    $("list").hidden = true;
    $("player").hidden = false;
    document.title = s.title;
    window.scrollTo(0, 0);
  }

  // The audio's address names the version played after the #, which is never sent: browsers keep what they read of
  // a media file by its address, and would mix a new version's bytes with an old one's under the same one.
  function source(s) {
    const entry = saved[s.name];
    return `${s.mp3}#${encodeURIComponent(entry ? entry.cache : s.version)}`;
  }

  // Load the session's audio and words again, at the same place: after its saved copy was replaced by a newer one,
  // the element must not go on asking for ranges of the old file from the new one.
  function reload(s) {
    const t = audio.currentTime;
    const playing = !audio.paused;
    audio.src = source(s);
    audio.addEventListener("loadedmetadata", () => {
      jump(t);
      if (playing) play();
    }, {once: true});
    loadWords(s);
  }

  function route() {
    const wanted = decodeURIComponent(location.hash.slice(1));
    const s = byName(wanted);
    if (s) {
      open(s);
    } else {
      $("player").hidden = true;
      $("list").hidden = false;
      document.title = document.querySelector("h1").textContent;
      showList();
    }
  }

  function keys(event) {
    if ($("player").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.type === "checkbox" && (event.key === " " || event.key === "Enter")) return;
    const actions = {
      " ": () => (audio.paused ? play() : audio.pause()),
      ArrowLeft: () => jump(audio.currentTime - STEP),
      ArrowRight: () => jump(audio.currentTime + STEP),
      n: () => nextExercise(),
      N: () => nextExercise(),
      p: () => previousExercise(),
      P: () => previousExercise(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault(); // a focused button would act on the key too
    action();
  }

  function wire() {
    $("play").addEventListener("click", () => (audio.paused ? play() : audio.pause()));
    $("back").addEventListener("click", () => jump(audio.currentTime - STEP));
    $("forward").addEventListener("click", () => jump(audio.currentTime + STEP));
    $("previous").addEventListener("click", previousExercise);
    $("next").addEventListener("click", nextExercise);
    $("close").addEventListener("click", () => {
      location.hash = "";
    });
    $("repeat").addEventListener("click", () => setRepeat({off: "once", once: "on", on: "off"}[repeat]));
    $("pause-after").addEventListener("click", () => setPauseAfter(!pauseAfter));
    $("resume-at").addEventListener("click", () => {
      $("resume").hidden = true;
      play();
    });
    $("start-over").addEventListener("click", () => {
      $("resume").hidden = true;
      jump(0);
      play();
    });
    seek.addEventListener("input", () => {
      dragging = true;
      $("elapsed").textContent = clock(Number(seek.value));
    });
    seek.addEventListener("change", () => {
      dragging = false;
      jump(Number(seek.value));
    });
    if ("wakeLock" in navigator) {
      $("wake-option").hidden = false;
      $("wake").checked = stored(WAKE_KEY) === true;
      $("wake").addEventListener("change", () => {
        store(WAKE_KEY, $("wake").checked);
        if ($("wake").checked) holdScreen();
        else releaseScreen();
      });
    }
  }

  function listen() {
    audio.addEventListener("timeupdate", tick);
    audio.addEventListener("seeking", () => {
      seeked = true;
    });
    audio.addEventListener("seeked", positionState);
    audio.addEventListener("ratechange", positionState);
    audio.addEventListener("loadedmetadata", () => {
      drawChapters();
      describe();
      showTime();
    });
    audio.addEventListener("play", () => {
      $("resume").hidden = true;
      showPlaying();
      holdScreen();
    });
    audio.addEventListener("pause", () => {
      showPlaying();
      keepPosition(true);
      releaseScreen();
    });
    audio.addEventListener("ended", finished);
    // timeupdate comes four times a second; an exercise's end is caught closer than that.
    setInterval(() => {
      if (!audio.paused) tick();
    }, 100);
    document.addEventListener("keydown", keys);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") holdScreen();
      else keepPosition(true);
    });
    window.addEventListener("pagehide", () => keepPosition(true));
    window.addEventListener("hashchange", route);
    window.addEventListener("online", () => offlineChanged());
    window.addEventListener("offline", () => offlineChanged());
  }

  // ---- saving for offline ----

  const canSave = "serviceWorker" in navigator && "caches" in window;

  function megabytes(bytes) {
    return `${(bytes / 1e6).toFixed(1)} MB`;
  }

  async function readSaved() {
    if (!canSave) return;
    const index = await caches.open(SAVED_CACHE);
    for (const key of await index.keys()) {
      const entry = await (await index.match(key)).json();
      saved[entry.name] = entry;
    }
  }

  async function showStorage() {
    if (!canSave || !navigator.storage || !navigator.storage.estimate) return;
    const count = Object.keys(saved).length;
    const {usage, quota} = await navigator.storage.estimate();
    $("storage").textContent = count
      ? `Saved for offline: ${count} session${count === 1 ? "" : "s"}; this page uses ${megabytes(usage)} `
        + `of the ${megabytes(quota)} the browser allows it.`
      : "";
  }

  function showOffline() {
    const s = session;
    if (!canSave) {
      $("save").hidden = true;
      $("offline-status").textContent = "Saving for offline needs the page opened over https (or on this machine).";
      return;
    }
    const entry = saved[s.name];
    $("save").hidden = Boolean(entry);
    $("remove").hidden = !entry;
    $("update").hidden = !outdated[s.name];
    $("offline-status").textContent = !entry
      ? (navigator.onLine ? "" : "Not saved for offline: this session plays once the network is back.")
      : outdated[s.name] ? "A newer version of this session is on the server; the saved copy plays until you update it."
        : `Saved for offline on ${new Date(entry.date).toLocaleDateString()} (${megabytes(entry.bytes)}).`;
  }

  // Fetch one file of a session fresh from the server into the cache, counting its bytes as they arrive.
  async function fetchInto(cache, file, counted) {
    const response = await fetch(`${file}?saving=${Date.now()}`, {cache: "no-store"});
    if (!response.ok) throw new Error(`${file}: the server answered ${response.status}`);
    counted(0, Number(response.headers.get("Content-Length")) || 0);
    if (!response.body || typeof TransformStream === "undefined") {
      // A browser that cannot count a body as it is stored: store it whole, and count it by its length.
      counted(Number(response.headers.get("Content-Length")) || 0);
      await cache.put(file, response);
      return response.headers.get("ETag");
    }
    const counter = new TransformStream({
      transform(chunk, controller) {
        counted(chunk.byteLength);
        controller.enqueue(chunk);
      },
    });
    const body = response.body.pipeThrough(counter);
    await cache.put(file, new Response(body, {status: 200, headers: response.headers}));
    return response.headers.get("ETag");
  }

  async function serverVersion(s) {
    const response = await fetch(`${s.mp3}?checking=${Date.now()}`, {method: "HEAD", cache: "no-store"});
    return response.ok ? response.headers.get("ETag") : null;
  }

  // The whole set goes into a new cache under its version; only once it is complete does the index point at it.
  async function saveCopy(s, counted) {
    const files = sessionFiles(s);
    const name = `${SESSION_CACHE}${encodeURIComponent(s.name)}:${Date.now()}`;
    try {
      await navigator.serviceWorker.ready;
      const cache = await caches.open(name);
      const version = await fetchInto(cache, files[0], counted);
      for (const file of files.slice(1)) await fetchInto(cache, file, counted);
      if (version === null || (await serverVersion(s)) !== version) {
        throw new Error("the session changed on the server while it was saved: try again");
      }
      const entry = {name: s.name, version, cache: name, files, bytes: counted(0), date: new Date().toISOString()};
      await (await caches.open(SAVED_CACHE)).put(url(`saved/${encodeURIComponent(s.name)}`),
        new Response(JSON.stringify(entry), {headers: {"Content-Type": "application/json"}}));
      return entry;
    } catch (error) {
      await caches.delete(name);
      throw error;
    }
  }

  async function save(s) {
    const progress = $("progress");
    let bytes = 0;
    let total = 0; // the lengths of the files asked for so far: the MP3's, first, is nearly all of it
    const counted = (n, expected = 0) => {
      bytes += n;
      total += expected;
      progress.value = total ? Math.min(0.99, bytes / total) : 0;
      return bytes;
    };
    progress.value = 0;
    progress.hidden = false;
    $("offline-status").textContent = "Saving…";
    $("save").disabled = $("update").disabled = true;
    try {
      const entry = await saveCopy(s, counted);
      const before = saved[s.name];
      saved[s.name] = entry;
      delete outdated[s.name];
      if (before) {
        if (session === s) reload(s);
        await caches.delete(before.cache);
      }
      if (navigator.storage && navigator.storage.persist) await navigator.storage.persist();
      if (session === s) showOffline();
    } catch (error) {
      if (session === s) $("offline-status").textContent = `Not saved: ${error.message}.`;
    } finally {
      progress.hidden = true;
      $("save").disabled = $("update").disabled = false;
    }
    showList();
    showStorage();
  }

  async function remove(s) {
    const entry = saved[s.name];
    if (!entry) return;
    await (await caches.open(SAVED_CACHE)).delete(url(`saved/${encodeURIComponent(s.name)}`));
    delete saved[s.name];
    delete outdated[s.name];
    await caches.delete(entry.cache);
    if (session === s) showOffline();
    showList();
    showStorage();
  }

  // Ask the server, when it can be reached, whether each saved session is still the version saved.
  async function checkForUpdates() {
    for (const s of SESSIONS) {
      const entry = saved[s.name];
      if (!entry) continue;
      try {
        const version = await serverVersion(s);
        if (version !== null && version !== entry.version) outdated[s.name] = true;
      } catch (error) {
        // offline: the saved copy is all there is
      }
    }
  }

  async function offlineChanged() {
    if (!canSave) return;
    if (navigator.onLine) await checkForUpdates();
    showList();
    if (session) showOffline();
  }

  async function offline() {
    if (!canSave) return;
    navigator.serviceWorker.register("sw.js").catch(() => {});
    $("save").addEventListener("click", () => save(session));
    $("update").addEventListener("click", () => save(session));
    $("remove").addEventListener("click", () => remove(session));
    await readSaved();
    showList();
    if (session) showOffline();
    showStorage();
    if (navigator.onLine) await checkForUpdates();
    showList();
    if (session) showOffline();
    document.body.dataset.offlineReady = "true";
  }

  wire();
  listen();
  mediaKeys();
  route();
  offline();
})();
