// The studio page: edit a routine, see its timeline, move its pacing, render and listen.
"use strict";

(function () {
  const token = document.querySelector('meta[name="studio-token"]').content;
  const $ = (id) => document.getElementById(id);
  const text = $("text"), gutter = $("gutter"), player = $("player");
  const CHECK_DELAY = 250; // ms after the last key before the routine is checked and planned
  const RENDER_DELAY = 600; // ms after the last pacing change before the session is rendered again
  // Each pacing setting as the server describes it: kind (seconds, number, count, flag, choice, …), choices,
  // low, high and unit.
  let SETTINGS = {};
  const STEPS = { rate: 5 }; // how far a number control's arrows move, where not by its kind
  const kindOf = (key) => (SETTINGS[key] || {}).kind;
  // A breath phase and its bounds: typed in seconds, sent as "4s". A time with a range (the music's) is a number.
  const isPhase = (key) => kindOf(key) === "seconds" && SETTINGS[key].high === null;
  const state = {
    name: null, version: null, saved: "", settings: {}, length: "", script: null, session: null,
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
      clearSettings();
      state.session = null;
    }
    history.replaceState(null, "", "#" + encodeURIComponent(name));
    numberLines();
    showDirty();
    say("");
    await plan();
  }

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

  // --- pacing ---------------------------------------------------------------------

  function buildPacing(choices) {
    SETTINGS = choices.settings;
    const form = $("pacing");
    form.textContent = "";
    for (const key of choices.keys) {
      const about = SETTINGS[key], kind = about.kind;
      let control;
      if (kind === "choice" || kind === "flag" || key === "voice") { // the voices are filled in by fillVoices
        control = element("select", { name: key });
        control.appendChild(element("option", { value: "", text: "as set" }));
        const values = kind === "flag" ? ["true", "false"] : about.choices;
        for (const value of values) control.appendChild(element("option", { value, text: value }));
      } else if (isPhase(key)) {
        control = element("input", { name: key, type: "number", step: "0.5", min: "0.5", max: "60",
                                     inputmode: "decimal" });
      } else if (kind === "seconds" || kind === "number" || kind === "count") {
        const step = STEPS[key] || (kind === "seconds" ? 0.1 : 1);
        const attributes = { name: key, type: "number", step: String(step) };
        if (about.low !== null) attributes.min = String(about.low);
        if (about.high !== null) attributes.max = String(about.high);
        if (step < 1 || (kind === "number" && !STEPS[key])) attributes.inputmode = "decimal";
        control = element("input", attributes);
      } else {
        control = element("input", { name: key, type: "text" });
      }
      // Numbers and text take effect as they are typed (a moment after the last key); choices at once.
      control.addEventListener(control.tagName === "SELECT" ? "change" : "input", () => setting(key, control.value));
      const label = element("label", {}, [
        element("span", { text: key.replace(/_/g, " ") + (isPhase(key) ? " (s)" : "") }),
        control,
        element("span", { class: "from", id: "from-" + key }),
      ]);
      form.appendChild(label);
    }
    fillVoices();
  }

  function fillVoices() {
    const select = $("pacing").elements.voice;
    if (!select) return;
    const chosen = select.value;
    select.textContent = "";
    select.appendChild(element("option", { value: "", text: "as set" }));
    const engine = state.settings.engine || (state.script ? state.script.pacing.engine : "");
    for (const voice of state.voices) {
      if (engine && engine !== "auto" && voice.engine !== engine) continue;
      select.appendChild(element("option", { value: voice.id, text: voice.engine + ": " + voice.name }));
    }
    select.value = chosen;
  }

  function setting(key, value) {
    if (value === "") delete state.settings[key];
    else if (isPhase(key)) state.settings[key] = value + "s";
    else if (kindOf(key) === "flag") state.settings[key] = value === "true";
    else if (["seconds", "number", "count"].includes(kindOf(key))) state.settings[key] = Number(value);
    else state.settings[key] = value;
    if (key === "engine") fillVoices();
    schedule();
    if (state.session) soon(); // a session is loaded: hear the change, as the timeline shows it
  }

  function soon() {
    clearTimeout(state.again);
    $("render-status").classList.remove("bad");
    if (dirty()) {
      $("render-status").textContent = "Save and render to hear the change";
      return;
    }
    $("render-status").textContent = "Pacing changed: rendering again…";
    state.again = setTimeout(render, RENDER_DELAY);
  }

  function clearSettings() {
    state.settings = {};
    for (const control of $("pacing").elements) control.value = "";
  }

  async function writePacing() {
    const { ok, data } = await api("POST", "/api/write-pacing", { text: text.value, pacing: state.settings });
    if (!ok) return pacingSays(data.error, true);
    text.value = data.text; // an edit like any other: saved with Save
    clearSettings();
    text.dispatchEvent(new Event("input"));
    pacingSays("Written into the routine's pacing; save to keep it");
  }

  async function savePacingFile(replace) {
    const { ok, status, data } = await api("POST", "/api/pacing-file",
                                           { name: state.name, pacing: state.settings, replace: !!replace });
    if (status === 409 && !replace) {
      if (confirm(data.error.replace("open it instead", "replace it?"))) return savePacingFile(true);
      return;
    }
    if (!ok) return pacingSays(data.error, true);
    pacingSays("Saved " + data.name + " (render with --pacing " + data.name + ")");
  }

  function pacingSays(message, bad) {
    const note = $("pacing-status");
    note.textContent = message;
    note.classList.toggle("bad", !!bad);
  }

  function showPacing(pacing) {
    const form = $("pacing");
    for (const [key, entry] of Object.entries(pacing)) {
      const from = $("from-" + key);
      if (!from) continue;
      const shown = entry.value === null ? "engine default" : String(entry.value);
      from.textContent = shown + " · from " + entry.source;
      from.classList.toggle("studio", entry.source === "studio");
      const control = form.elements[key];
      if (control && control.tagName === "INPUT") control.placeholder = shown;
    }
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
    const checked = await api("POST", "/api/check", { name: state.name, text: text.value });
    if (asked !== state.asked) return; // a newer plan was asked for meanwhile
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
    showPacing(data.pacing);
    showTimeline(data.script, data.warnings);
    fillVoices();
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
    if (dirty() && !(await save())) {
      $("render-status").textContent = "Not rendered: " + $("status").textContent;
      $("render-status").classList.add("bad");
      return;
    }
    const where = whereNow();
    $("render").disabled = true;
    $("render-status").textContent = "Rendering…";
    const { ok, data } = await api("POST", "/api/render", {
      name: state.name, pacing: state.settings, length: state.length || null,
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
      }
    });
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

  // --- wiring ---------------------------------------------------------------------

  text.addEventListener("input", () => { numberLines(); showDirty(); schedule(); assist(); });
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
  $("write-pacing").addEventListener("click", writePacing);
  $("pacing-file").addEventListener("click", () => savePacingFile(false));
  $("length").addEventListener("change", (event) => { state.length = event.target.value.trim(); plan(); });
  player.addEventListener("timeupdate", follow);

  (async function start() {
    const [settings, voices, schema] = await Promise.all([api("GET", "/api/settings"), api("GET", "/api/voices"),
                                                         api("GET", "/api/schema")]);
    if (schema.ok) learnFormat(schema.data);
    state.voices = voices.ok ? voices.data.voices : [];
    buildPacing(settings.data);
    await loadList();
    showAddress();
  })();
})();
