// The pacing panel: the settings people change most, in a teacher's words, and the rest under "More settings".
// Each says where its value comes from (the preset, the routine, a pacing file, the studio).
"use strict";

(function () {
  const S = window.Studio;
  const $ = (id) => document.getElementById(id);
  const RENDER_DELAY = 600; // ms after the last pacing change before the session is rendered again
  const STEPS = { rate: 5 }; // how far a number control's arrows move, where not by its kind
  // The few settings most people change, in the words of a class.
  const MAIN = { preset: "Pace", inhale: "Breathe in (seconds)", exhale: "Breathe out (seconds)",
                 rate: "Speaking speed (words a minute)", guidance: "How much is said", music_level: "Music level (LU)" };
  // The others, under More settings, in the same words; each's own name (for a pacing file) is said under it.
  const MORE = { transition: "Pause between exercises", engine: "Speech engine", voice: "Voice", language: "Language",
                 breath_cues: "Breath cues", breath_cues_every: "Name every Nth breath", count_reps: "Count the reps aloud",
                 countdown: "Count down into a hold (seconds)", halfway: "Say \"Halfway.\" in long holds",
                 announce_next: "Name the next exercise", min_phase: "Shortest breath a target length may use (seconds)",
                 max_phase: "Longest breath a target length may use (seconds)", duck: "Music dips under the voice by (dB)",
                 duck_attack: "Music dips this early (seconds)", duck_release: "Music comes back over (seconds)",
                 music_fade: "Music fades in and out over (seconds)" };
  const FLAG_WORDS = { true: "yes", false: "no" };
  const CHOICE_WORDS = { preset: { gentle: "gentle, slow breaths", standard: "standard", brisk: "brisk, quick breaths" },
                         guidance: { full: "everything, breath words in rests too", standard: "standard",
                                     minimal: "names, counts and holds only" } };
  let SETTINGS = {};
  const kindOf = (key) => (SETTINGS[key] || {}).kind;
  // A breath phase and its bounds: typed in seconds, sent as "4s". A time with a range (the music's) is a number.
  const isPhase = (key) => kindOf(key) === "seconds" && SETTINGS[key].high === null;

  function control(key) {
    const about = SETTINGS[key], kind = about.kind;
    if (kind === "choice" || kind === "flag" || key === "voice") { // the voices are filled in by fillVoices
      const select = S.element("select", { name: key, id: "set-" + key });
      select.appendChild(S.element("option", { value: "", text: "as set" }));
      const values = kind === "flag" ? ["true", "false"] : about.choices;
      const words = kind === "flag" ? FLAG_WORDS : CHOICE_WORDS[key] || {};
      for (const value of values) select.appendChild(S.element("option", { value, text: words[value] || value }));
      return select;
    }
    if (isPhase(key)) {
      return S.element("input", { name: key, id: "set-" + key, type: "number", step: "0.5", min: "0.5", max: "60",
                                  inputmode: "decimal" });
    }
    if (kind === "seconds" || kind === "number" || kind === "count") {
      const step = STEPS[key] || (kind === "seconds" ? 0.1 : 1);
      const attributes = { name: key, id: "set-" + key, type: "number", step: String(step) };
      if (about.low !== null) attributes.min = String(about.low);
      if (about.high !== null) attributes.max = String(about.high);
      if (step < 1 || (kind === "number" && !STEPS[key])) attributes.inputmode = "decimal";
      return S.element("input", attributes);
    }
    return S.element("input", { name: key, id: "set-" + key, type: "text" });
  }

  // Music on or off: the routine's music, or none (as render --no-music); not a pacing setting.
  function musicSwitch() {
    const select = S.element("select", { id: "set-music" });
    select.appendChild(S.element("option", { value: "on", text: "on, the routine's music" }));
    select.appendChild(S.element("option", { value: "off", text: "off" }));
    const from = S.element("span", { class: "from", id: "from-music", text: "from routine" });
    select.addEventListener("change", () => {
      S.state.music = select.value === "on";
      from.textContent = S.state.music ? "from routine" : "off · from studio";
      from.classList.toggle("studio", !S.state.music);
      if (S.state.session) soon();
    });
    return S.element("div", { class: "setting" }, [
      S.element("label", { for: "set-music", text: "Music" }), select, from,
      S.element("small", { class: "help", text: "Play the music the routine names under the voice, or none." }),
    ]);
  }

  S.buildPacing = function (choices) {
    SETTINGS = choices.settings;
    const main = $("pacing-main"), more = $("pacing-more");
    main.textContent = "";
    more.textContent = "";
    for (const key of Object.keys(MAIN).concat(choices.keys.filter((k) => !(k in MAIN)))) {
      if (!SETTINGS[key]) continue;
      const input = control(key);
      // Numbers and text take effect as they are typed (a moment after the last key); choices at once.
      input.addEventListener(input.tagName === "SELECT" ? "change" : "input", () => setting(key, input.value));
      const named = MAIN[key] || MORE[key];
      const label = S.element("label", { for: "set-" + key, text: named || key.replace(/_/g, " ") + (isPhase(key) ? " (s)" : "") });
      const help = S.element("small", { class: "help", text: [SETTINGS[key].help || "",
        key in MAIN ? "" : "In a pacing file: " + key + "."].filter(Boolean).join(" ") });
      const from = S.element("span", { class: "from", id: "from-" + key });
      if (key === "music_level") main.appendChild(musicSwitch());
      (key in MAIN ? main : more).appendChild(S.element("div", { class: "setting" }, [label, input, from, help]));
    }
    fillVoices();
  };

  function fillVoices() {
    const select = $("set-voice");
    if (!select) return;
    const chosen = select.value;
    select.textContent = "";
    select.appendChild(S.element("option", { value: "", text: "as set" }));
    const engine = S.state.settings.engine || (S.state.script ? S.state.script.pacing.engine : "");
    for (const voice of S.state.voices) {
      if (engine && engine !== "auto" && voice.engine !== engine) continue;
      select.appendChild(S.element("option", { value: voice.id, text: voice.engine + ": " + voice.name }));
    }
    select.value = chosen;
  }

  function setting(key, value) {
    if (value === "") delete S.state.settings[key];
    else if (isPhase(key)) S.state.settings[key] = value + "s";
    else if (kindOf(key) === "flag") S.state.settings[key] = value === "true";
    else if (["seconds", "number", "count"].includes(kindOf(key))) S.state.settings[key] = Number(value);
    else S.state.settings[key] = value;
    if (key === "engine") fillVoices();
    S.schedule();
    if (S.state.session) soon(); // a session is loaded: hear the change, as the timeline shows it
  }

  function soon() {
    clearTimeout(S.state.again);
    $("render-status").classList.remove("bad");
    if (S.dirty()) {
      $("render-status").textContent = "Save and render to hear the change";
      return;
    }
    $("render-status").textContent = "Pacing changed: rendering again…";
    S.state.again = setTimeout(S.render, RENDER_DELAY);
  }

  function clearSettings() {
    S.state.settings = {};
    S.state.music = true;
    for (const control of $("pacing").querySelectorAll("input, select")) control.value = "";
    $("set-music").value = "on";
    $("from-music").textContent = "from routine";
    $("from-music").classList.remove("studio");
  }

  async function writePacing() {
    const { ok, data } = await S.api("POST", "/api/write-pacing", { text: S.textArea.value, pacing: S.state.settings });
    if (!ok) return pacingSays(data.error, true);
    S.textArea.value = data.text; // an edit like any other: saved with Save
    clearSettings();
    S.textArea.dispatchEvent(new Event("input"));
    pacingSays("Written into the routine's pacing; save to keep it");
  }

  async function savePacingFile(replace) {
    const { ok, status, data } = await S.api("POST", "/api/pacing-file",
                                           { name: S.state.name, pacing: S.state.settings, replace: !!replace });
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
    for (const [key, entry] of Object.entries(pacing)) {
      const from = $("from-" + key);
      if (!from) continue;
      const shown = entry.value === null ? "engine default" : FLAG_WORDS[entry.value] || String(entry.value);
      from.textContent = shown + " · from " + entry.source;
      from.classList.toggle("studio", entry.source === "studio");
      const control = $("set-" + key);
      if (control && control.tagName === "INPUT") control.placeholder = shown;
    }
  }

  S.fillVoices = fillVoices;
  S.clearSettings = clearSettings;
  S.showPacing = showPacing;
  S.soon = soon;
  S.pacingReady = function () {
    $("write-pacing").addEventListener("click", writePacing);
    $("pacing-file").addEventListener("click", () => savePacingFile(false));
  };
})();
