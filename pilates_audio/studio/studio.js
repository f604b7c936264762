// The studio page: edit a routine, see its timeline, move its pacing, render and listen.
"use strict";

(function () {
  const S = window.Studio = {};
  const token = document.querySelector('meta[name="studio-token"]').content;
  const $ = (id) => document.getElementById(id);
  const text = $("text"), gutter = $("gutter"), player = $("player");
  const NOTHING_YET = "No routine is open: start one with New… or Compose a class, or choose one under Routine.";
  const CHECK_DELAY = 250; // ms after the last key before the routine is checked and planned
  const state = {
    name: null, version: null, saved: "", settings: {}, music: true, length: "", script: null, session: null,
    voices: [], choices: null, timer: null, asked: 0, problems: [],
  };

  // --- talking to the studio ------------------------------------------------------

  async function api(method, path, body) {
    const options = { method, headers: { "X-Studio-Token": token } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) { // the studio was stopped, or the network dropped
      return { status: 0, ok: false, data: { error: "the studio does not answer: is `pilates-audio studio` still running?" } };
    }
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: "the studio answered " + response.status }; }
    return { status: response.status, ok: response.ok, data };
  }

  function say(message, bad) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("bad", !!bad);
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  // --- routines -------------------------------------------------------------------

  async function refreshList() { // titles, lengths and problems as saved now
    const { ok, data } = await api("GET", "/api/routines");
    if (ok) fillList(data.routines);
  }

  function fillList(routines) {
    const list = $("routines");
    list.textContent = "";
    for (const routine of routines) {
      const label = routine.kind === "block" ? routine.name + " (block)"
        : (routine.title || routine.name) + (routine.duration ? " · " + clock(routine.duration) : "")
          + (routine.problems.length ? " · " + routine.problems.length + " problem" +
             (routine.problems.length === 1 ? "" : "s") : "");
      list.appendChild(element("option", { value: routine.name, text: label }));
    }
    if (state.name !== null) list.value = state.name;
  }

  async function loadList(select) {
    const { ok, data } = await api("GET", "/api/routines");
    if (!ok) return say(data.error, true);
    const list = $("routines");
    fillList(data.routines);
    const wanted = select || decodeURIComponent(location.hash.slice(1)) || (data.routines[0] || {}).name;
    if (wanted) {
      list.value = wanted;
      await open(wanted);
    } else {
      $("outline").appendChild(element("p", { class: "note", text: NOTHING_YET }));
    }
  }

  function dirty() { return state.name !== null && text.value !== state.saved; }

  function showDirty() {
    $("save").disabled = !dirty();
    document.title = (dirty() ? "• " : "") + (state.name || "") + " · pilates-audio studio";
    $("render").textContent = dirty() ? "Save and render" : "Render";
  }

  async function open(name) {
    const { ok, data } = await api("GET", "/api/routines/" + encodeURI(name));
    if (!ok) return say(data.error, true);
    const another = state.name !== data.name;
    state.name = data.name;
    state.version = data.version;
    state.saved = data.text;
    state.conflict = false;
    text.value = data.text;
    text.setSelectionRange(0, 0);
    text.scrollTop = 0;
    $("save").textContent = "Save";
    $("reload").hidden = true;
    if (another) { // the panel's settings were for the routine left: they are not carried into this one
      S.clearSettings();
      S.clearUndo();
      clearSession();
    }
    history.replaceState(null, "", "#" + encodeURIComponent(name));
    numberLines();
    showDirty();
    say("");
    await plan();
  }

  // A routine made in the page (composed), not saved yet: Save writes it as a new file of that name.
  S.openUnsaved = async function (name, value) {
    // A class composed here and not changed since is replaced without asking ("Another one").
    if (text.value !== state.composed && !leaveUnsaved()) return false;
    if (state.version === null && state.name !== null) $("routines").querySelector("option:checked").remove();
    Object.assign(state, { name, version: null, saved: "", conflict: false, composed: value });
    clearSession();
    text.value = value;
    S.clearUndo();
    const list = $("routines");
    list.appendChild(element("option", { value: name, text: name + " (not saved yet)" }));
    list.value = name;
    history.replaceState(null, "", "#" + encodeURIComponent(name));
    numberLines();
    showDirty();
    await plan();
    return true;
  };

  async function save() {
    if (!dirty()) return true;
    if (state.conflict && !confirm(state.name + " changed on disk since you opened it. Replace it with your text?")) {
      return false;
    }
    const { ok, status, data } = await api("PUT", "/api/routines/" + encodeURI(state.name),
                                           { text: text.value, version: state.version });
    if (!ok) {
      say(data.error, true);
      if (status === 409 && data.current) {
        // Your text stays here. The next Save replaces the file (it asks first); Reload takes the file's.
        state.version = data.current;
        state.conflict = true;
        $("save").textContent = "Save over it";
        $("save").disabled = false;
        $("reload").hidden = false;
      }
      return false;
    }
    state.version = data.version;
    state.saved = text.value;
    state.conflict = false;
    $("reload").hidden = true;
    $("save").textContent = "Save";
    showDirty();
    say("Saved " + state.name);
    refreshList();
    return true;
  }

  function leaveUnsaved() {
    return !dirty() || confirm(state.name + " has unsaved changes. Leave them?");
  }

  async function reloadFromDisk() {
    if (!confirm("Load " + state.name + " as it is on disk? Your changes here are lost.")) return;
    state.saved = null; // nothing here is kept
    await open(state.name);
  }

  async function create() {
    if (!leaveUnsaved()) return;
    const title = prompt("Title of the new routine:");
    if (!title) return;
    const { ok, data } = await api("POST", "/api/new", { title });
    if (!ok) return say(data.error, true);
    await loadList(data.name);
    say("Made " + data.name + " from the starter");
  }

  // --- the editor -----------------------------------------------------------------

  function numberLines() {
    const count = text.value.split("\n").length;
    const bad = new Map(state.problems.map((p) => [p.line, p.message]));
    gutter.textContent = "";
    for (let line = 1; line <= count; line++) {
      const mark = element("span", { text: String(line) });
      if (bad.has(line)) {
        mark.className = "bad";
        mark.title = bad.get(line);
      }
      gutter.appendChild(mark);
      gutter.appendChild(document.createTextNode("\n"));
    }
    gutter.scrollTop = text.scrollTop;
  }

  function goTo(line, column) {
    const lines = text.value.split("\n");
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    at += Math.max(0, column - 1);
    text.focus();
    text.setSelectionRange(at, at);
    const height = text.scrollHeight / Math.max(1, lines.length);
    text.scrollTop = Math.max(0, (line - 3) * height);
  }

  function showProblems(problems) {
    state.problems = problems;
    const list = $("problems");
    list.textContent = "";
    for (const problem of problems) {
      const item = element("li", { text: problem.line + ":" + problem.column + ": " + problem.message,
                                   "data-line": problem.line });
      item.addEventListener("click", () => goTo(problem.line, problem.column));
      list.appendChild(item);
    }
    numberLines();
  }

  // --- help from the routine format (its JSON Schema) --------------------------------

  let format = null; // key -> description, for each kind of mapping a routine has
  const CONTEXTS = { pacing: "pacing", exercises: "exercise", sections: "section", cues: "cue" };

  function learnFormat(schema) {
    const defs = schema.$defs;
    const describe = (node) => node.description || (node.$ref ? describe(defs[node.$ref.split("/").pop()]) : "");
    const keys = (properties) => Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, describe(v)]));
    const cue = defs.cue.anyOf.find((option) => option.properties);
    format = {
      routine: keys(defs.routine.properties), pacing: keys(defs.pacing.properties),
      exercise: Object.assign(keys(defs.exercise.properties), keys(defs.include.properties)),
      section: keys(defs.section.properties), cue: cue ? keys(cue.properties) : {},
    };
  }

  function keyColumn(line) {
    const lead = line.match(/^(\s*)(- )?/);
    return lead[1].length + (lead[2] ? 2 : 0);
  }

  // Which kind of mapping the caret is in: the nearest key above it, less indented, that opens one.
  function contextAt(lines, row, before) {
    const flow = before.match(/([A-Za-z_]+):\s*\{[^{}]*$/); // inside `pacing: {inhale: 4s, |`
    if (flow) return CONTEXTS[flow[1]] || "routine";
    let column = keyColumn(lines[row]);
    for (let i = row - 1; i >= 0; i--) {
      const line = lines[i];
      if (!line.trim() || line.trim().startsWith("#") || keyColumn(line) >= column) continue;
      const key = line.match(/^\s*(?:- )?([A-Za-z_]+):\s*(?:#.*)?$/);
      if (key) return CONTEXTS[key[1]] || "routine";
      column = keyColumn(line); // a key with its value on the line: keep climbing from there
    }
    return column === 0 ? "routine" : "exercise"; // a block file is a list of exercises
  }

  function assist() {
    if (!format) return;
    const at = text.selectionStart;
    const lines = text.value.slice(0, at).split("\n");
    const row = lines.length - 1, before = lines[row];
    const all = text.value.split("\n");
    const keys = format[contextAt(all, row, before)] || {};
    // The key the caret is on, for its description (what hovering gives in other editors).
    const current = (all[row].match(/^\s*(?:- )?\{?\s*([A-Za-z_]+):/) || before.match(/([A-Za-z_]+):[^:,{}]*$/)
                     || [])[1];
    $("hint").textContent = current && keys[current] ? current + ": " + keys[current] : "";
    const typing = before.match(/(?:^\s*(?:- )?|[{,]\s*)([A-Za-z_]*)$/);
    const box = $("keys");
    box.textContent = "";
    if (!typing || document.activeElement !== text) return;
    const word = typing[1];
    const fits = Object.keys(keys).filter((key) => key.startsWith(word) && key !== word).sort();
    for (const key of fits.slice(0, 12)) {
      const button = element("button", { type: "button", text: key, title: keys[key] });
      button.addEventListener("mousedown", (event) => { // before the editor loses the caret
        event.preventDefault();
        complete(word, key);
      });
      box.appendChild(button);
    }
  }

  function complete(word, key) {
    const at = text.selectionStart;
    text.setRangeText(key + ": ", at - word.length, at, "end");
    text.dispatchEvent(new Event("input"));
  }

  // --- planning -------------------------------------------------------------------

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(plan, CHECK_DELAY);
  }

  async function plan() {
    if (state.name === null) return;
    const asked = ++state.asked;
    const timelinePanel = $("timeline").parentElement;
    // Checked first: problems are an answer, not a failure (the console stays clean).
    const sent = text.value;
    const checked = await api("POST", "/api/check", { name: state.name, text: sent });
    if (asked !== state.asked || text.value !== sent) return; // a newer plan was asked for, or the text changed
    if (checked.ok) S.showOutline(checked.data.outline, checked.data.problems);
    if (!checked.ok || checked.data.problems.length) {
      showProblems(checked.ok ? checked.data.problems : [{ line: 1, column: 1, message: checked.data.error }]);
      timelinePanel.classList.add("stale");
      return;
    }
    if (checked.data.kind === "block") {
      showProblems([]);
      $("total").textContent = "";
      $("timeline").textContent = "";
      $("warnings").textContent = "";
      $("warnings").appendChild(element("li", { text: "A block: it is planned as part of a routine that includes it." }));
      return;
    }
    const { status, data } = await api("POST", "/api/estimate", {
      name: state.name, text: text.value, pacing: state.settings, length: state.length || null,
    });
    if (asked !== state.asked) return;
    $("length-note").textContent = "";
    $("length-note").classList.remove("bad");
    if (status === 422) {
      showProblems(data.problems);
      timelinePanel.classList.add("stale");
      return;
    }
    if (status !== 200) {
      showProblems([]);
      timelinePanel.classList.add("stale");
      const note = state.length && /length|--length/.test(data.error) ? $("length-note") : $("status");
      note.textContent = data.error;
      note.classList.add("bad");
      return;
    }
    showProblems([]);
    timelinePanel.classList.remove("stale");
    state.script = data.script;
    $("total").textContent = clock(data.duration);
    $("length-note").textContent = data.reach[0] === data.reach[1] ? "it lasts " + clock(data.reach[0]) + " as written"
      : "it can last " + clock(data.reach[0]) + " to " + clock(data.reach[1]);
    S.showPacing(data.pacing);
    showTimeline(data.script, data.warnings);
    S.fillVoices();
  }

  function showTimeline(script, warnings) {
    const list = $("timeline");
    list.textContent = "";
    const starts = new Map(script.chapters.map((c) => [c.start, c.title]));
    const shown = new Set();
    for (const cue of script.cues) {
      if (cue.kind === "pause" && cue.end - cue.start < 1) continue; // the gaps between lines
      if (starts.has(cue.start) && !shown.has(cue.start)) {
        shown.add(cue.start);
        list.appendChild(element("li", { class: "chapter" }, [
          element("span", { class: "at", text: clock(cue.start) }), element("span", { text: starts.get(cue.start) }),
        ]));
      }
      const whole = Math.round(cue.breaths);
      const what = cue.kind === "pause" ? (Math.abs(cue.breaths - whole) < 0.05
        ? "· " + whole + " breath" + (whole === 1 ? "" : "s") : "· " + (cue.end - cue.start).toFixed(1) + " s")
        : cue.kind === "speech" ? cue.text : "♪ " + cue.text;
      list.appendChild(element("li", { class: cue.kind === "pause" ? "pause" : "", "data-start": cue.start }, [
        element("span", { class: "at", text: clock(cue.start) }),
        element("span", {}, [element("span", { class: "part", text: cue.part }), document.createTextNode(what)]),
      ]));
    }
    const warned = $("warnings");
    warned.textContent = "";
    for (const warning of warnings) warned.appendChild(element("li", { text: warning }));
  }

  // --- listening ------------------------------------------------------------------

  function whereNow() {
    if (!state.session || !player.src || player.currentTime === 0) return null;
    const chapters = state.session.chapters;
    let index = 0;
    for (let i = 0; i < chapters.length; i++) if (chapters[i].start <= player.currentTime) index = i;
    return { index, offset: player.currentTime - chapters[index].start, playing: !player.paused };
  }

  async function render() {
    clearTimeout(state.again);
    if (state.name === null) {
      $("render-status").textContent = NOTHING_YET;
      $("render-status").classList.add("bad");
      return;
    }
    if (dirty() && !(await save())) {
      $("render-status").textContent = "Not rendered: " + $("status").textContent;
      $("render-status").classList.add("bad");
      return;
    }
    const where = whereNow(), first = !state.session;
    $("render").disabled = true;
    $("render-status").textContent = "Rendering…";
    const { ok, data } = await api("POST", "/api/render", {
      name: state.name, pacing: state.settings, length: state.length || null, music: state.music,
    });
    $("render").disabled = false;
    if (!ok) {
      if (data.error.startsWith("a newer render")) return; // the newer one says how it went
      $("render-status").textContent = data.error;
      $("render-status").classList.add("bad");
      return;
    }
    $("total").textContent = clock(data.duration); // as rendered (the timeline before was estimated)
    $("render-status").classList.remove("bad");
    $("render-status").textContent = "Rendered " + clock(data.duration)
      + (data.warnings.length ? " · " + data.warnings.length + " warning" + (data.warnings.length === 1 ? "" : "s") : "");
    const script = await (await fetch(data.script)).json();
    state.session = script;
    showSession(script, data);
    player.src = data.mp3;
    player.addEventListener("loadedmetadata", function resume() {
      player.removeEventListener("loadedmetadata", resume);
      if (where && script.chapters[where.index]) {
        // The same exercise, as far into it as before (or its end, if it got shorter).
        const chapter = script.chapters[where.index];
        const next = script.chapters[where.index + 1];
        const end = next ? next.start : script.duration;
        player.currentTime = Math.min(chapter.start + where.offset, Math.max(chapter.start, end - 0.5));
        if (where.playing) player.play();
      } else if (first) {
        // The routine's first render plays what it made (one after a pacing change plays only if it was playing);
        // a browser that wants a tap first plays it on the tap.
        player.play().catch(() => {});
      }
    });
  }

  // The session of the routine left is not this routine's: its player, chapters and transcript go with it.
  function clearSession() {
    state.session = null;
    player.pause();
    player.removeAttribute("src");
    player.load();
    $("chapters").textContent = "";
    $("transcript").textContent = "";
    $("download").hidden = true;
    $("render-status").textContent = "";
    $("render-status").classList.remove("bad");
  }

  function showSession(script, data) {
    const chapters = $("chapters");
    chapters.textContent = "";
    script.chapters.forEach((chapter) => {
      const button = element("button", { type: "button", class: "chapter", "data-start": chapter.start }, [
        element("span", { class: "time", text: clock(chapter.start) }), document.createTextNode(" " + chapter.title),
      ]);
      button.addEventListener("click", () => {
        player.currentTime = chapter.start;
        player.play();
      });
      chapters.appendChild(element("li", {}, [button]));
    });
    const transcript = $("transcript");
    transcript.textContent = "";
    for (const cue of script.cues) {
      if (cue.kind !== "speech") continue;
      transcript.appendChild(element("span", { text: cue.text, "data-start": cue.start, "data-end": cue.end }));
    }
    const download = $("download");
    download.href = data.mp3;
    download.hidden = false;
  }

  function follow() {
    const now = player.currentTime;
    let current = null;
    for (const button of document.querySelectorAll("#chapters button")) {
      if (Number(button.dataset.start) <= now + 0.05) current = button;
    }
    for (const button of document.querySelectorAll("#chapters button")) button.classList.toggle("now", button === current);
    for (const line of document.querySelectorAll("#transcript span")) {
      const on = Number(line.dataset.start) <= now && now < Number(line.dataset.end) + 0.5;
      if (on && !line.classList.contains("now")) line.scrollIntoView({ block: "nearest" });
      line.classList.toggle("now", on);
    }
  }

  async function showAddress() {
    const { ok, data } = await api("GET", "/api/address");
    if (!ok || !data.lan) return;
    $("lan").textContent = data.lan;
    $("qr").src = data.qr;
    $("phone").hidden = false;
  }

  // --- what the other parts of the page use ---------------------------------------------

  Object.assign(S, { api, element, say, clock, state, schedule, dirty, render, textArea: text, replan: plan, goTo });
  S.text = () => text.value;
  S.setText = function (value) { // an edit made in the outline: in the YAML view at once, checked and planned
    text.value = value;
    numberLines();
    showDirty();
    schedule();
  };

  // --- wiring ---------------------------------------------------------------------

  // Typed text is undone with the editor's own undo; the outline's would take back what was typed since.
  text.addEventListener("input", () => { S.clearUndo(); numberLines(); showDirty(); schedule(); assist(); });
  text.addEventListener("click", assist);
  text.addEventListener("keyup", (event) => { if (event.key.startsWith("Arrow")) assist(); });
  text.addEventListener("blur", () => { $("keys").textContent = ""; });
  text.addEventListener("scroll", () => { gutter.scrollTop = text.scrollTop; });
  text.addEventListener("keydown", (event) => {
    if (event.key === " " && event.ctrlKey) { // the first key that fits
      const first = $("keys").querySelector("button");
      if (first) {
        event.preventDefault();
        first.dispatchEvent(new MouseEvent("mousedown"));
      }
      return;
    }
    if (event.key === "Tab" && !event.shiftKey) { // two spaces, as YAML wants
      event.preventDefault();
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input"));
    }
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty()) { event.preventDefault(); event.returnValue = ""; }
  });
  $("routines").addEventListener("change", async (event) => {
    if (!leaveUnsaved()) {
      event.target.value = state.name;
      return;
    }
    await open(event.target.value);
  });
  $("save").addEventListener("click", save);
  $("reload").addEventListener("click", reloadFromDisk);
  $("new").addEventListener("click", create);
  $("render").addEventListener("click", render);
  $("length").addEventListener("change", (event) => { state.length = event.target.value.trim(); plan(); });
  player.addEventListener("timeupdate", follow);

  document.addEventListener("DOMContentLoaded", async function start() {
    const [settings, voices, schema] = await Promise.all([api("GET", "/api/settings"), api("GET", "/api/voices"),
                                                         api("GET", "/api/schema")]);
    if (schema.ok) {
      learnFormat(schema.data);
      S.learnFields(schema.data);
    }
    state.voices = voices.ok ? voices.data.voices : [];
    S.buildPacing(settings.data);
    S.pacingReady();
    S.outlineReady();
    S.layoutReady();
    S.loadLibrary();
    await loadList();
    showAddress();
  });
})();
