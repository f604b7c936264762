// The page's layout: the Outline and YAML views of the routine; on a phone, one column with tabs (Outline,
// Timeline, Listen) and the Render button and player in a bar at the bottom; and the preview of one exercise.
"use strict";

(function () {
  const S = window.Studio;
  const $ = (id) => document.getElementById(id);
  const TABS = ["outline", "timeline", "listen"];

  S.showTab = function (name) {
    document.body.dataset.tab = name;
    for (const tab of TABS) {
      const button = $("tab-" + tab);
      button.setAttribute("aria-selected", String(tab === name));
      button.tabIndex = tab === name ? 0 : -1;
    }
  };

  function showView(name) {
    const yaml = name === "yaml";
    $("outline-view").hidden = yaml;
    $("yaml-view").hidden = !yaml;
    $("view-outline").setAttribute("aria-pressed", String(!yaml));
    $("view-yaml").setAttribute("aria-pressed", String(yaml));
  }

  S.showYaml = function (line, column) {
    S.showTab("outline");
    showView("yaml");
    S.goTo(line, column);
  };

  S.defaultTarget = function () {
    const groups = S.lastOutline && S.lastOutline.groups;
    if (!groups || !groups.length) return null;
    const last = groups[groups.length - 1];
    return { list: last.list };
  };

  // One exercise alone, with the session's pacing, rendered from the cache into the studio's own temporary
  // folder (never the routine's folder), and played.
  S.preview = async function (card, name) {
    const status = $("render-status");
    status.classList.remove("bad");
    status.textContent = "Preparing a preview of " + name + "…";
    const { ok, data } = await S.api("POST", "/api/preview", {
      name: S.state.name, text: S.text(), at: card.at, pacing: S.state.settings, music: S.state.music,
    });
    if (!ok) {
      status.textContent = data.error;
      status.classList.add("bad");
      return;
    }
    const player = $("preview-player");
    $("preview").hidden = false;
    $("preview-name").textContent = "Preview: " + name;
    status.textContent = "Preview of " + name + " · " + S.clock(data.duration);
    $("player").pause();
    player.src = data.mp3;
    player.play().catch(() => {}); // a browser that wants a tap first plays it on the tap
  };

  S.layoutReady = function () {
    for (const tab of TABS) $("tab-" + tab).addEventListener("click", () => S.showTab(tab));
    $("tabs").addEventListener("keydown", (event) => { // arrows move between tabs, as in any tab list
      const at = TABS.indexOf(document.body.dataset.tab);
      const by = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!by) return;
      const next = TABS[(at + by + TABS.length) % TABS.length];
      S.showTab(next);
      $("tab-" + next).focus();
    });
    $("view-outline").addEventListener("click", () => showView("outline"));
    $("view-yaml").addEventListener("click", () => showView("yaml"));
    $("player").addEventListener("play", () => $("preview-player").pause());
    $("preview-player").addEventListener("play", () => $("player").pause());
    // A preview heard to its end gives its room back (on a phone, the bar is most of what is left).
    $("preview-player").addEventListener("ended", () => { $("preview").hidden = true; });
    S.showTab("outline");
    showView("outline");
  };
})();
