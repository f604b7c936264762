// The exercise library beside the outline: search and filter it (level, focus, position, props), see each
// exercise's cautions, and add one where the outline asked (its dose at the low end of each range), or swap a card
// for one of the same role, position and focus.
"use strict";

(function () {
  const S = window.Studio;
  const $ = (id) => document.getElementById(id);
  const LEVELS = ["beginner", "intermediate", "advanced"];
  const FILTERS = { level: "Any level", focus: "Any focus", position: "Any position", props: "Any props" };
  let moves = [];
  let target = null; // {list, label}: the list whose end Add puts an exercise at
  let swapping = null; // the card Swap replaces

  const words = (tag) => tag.replace(/-/g, " ");

  // The way of an exercise a class of `level` does: the hardest at most that level, as written before easier.
  function wayAt(move, level) {
    if (!level) return move.ways.find((way) => way.variant === "standard");
    const rank = (way) => LEVELS.indexOf(way.level);
    const fitting = move.ways.filter((way) => rank(way) <= LEVELS.indexOf(level));
    const order = { standard: 0, easier: 1, harder: 2 };
    fitting.sort((a, b) => rank(b) - rank(a) || order[a.variant] - order[b.variant]);
    return fitting[0] || null;
  }

  S.loadLibrary = async function () {
    const { ok, data } = await S.api("GET", "/api/library");
    if (!ok) return;
    moves = data.moves;
    if (S.buildCompose) S.buildCompose(data.tags);
    for (const [name, empty] of Object.entries(FILTERS)) {
      const select = $("lib-" + name);
      select.appendChild(S.element("option", { value: "", text: empty }));
      if (name === "props") select.appendChild(S.element("option", { value: "none", text: "Mat only" }));
      for (const tag of data.tags[name]) select.appendChild(S.element("option", { value: tag, text: words(tag) }));
      select.addEventListener("change", list);
    }
    $("lib-search").addEventListener("input", list);
    $("lib-cancel").addEventListener("click", () => { swapping = null; list(); });
    list();
  };

  function wanted() {
    const search = $("lib-search").value.trim().toLowerCase();
    const level = $("lib-level").value, focus = $("lib-focus").value, position = $("lib-position").value;
    const props = $("lib-props").value;
    const found = [];
    for (const move of moves) {
      const way = wayAt(move, level);
      if (!way) continue;
      if (focus && !move.focus.includes(focus)) continue;
      if (position && move.position !== position) continue;
      if (props === "none" ? way.props.length : props && !way.props.includes(props)) continue;
      const names = [move.name, ...move.also, ...move.ways.map((w) => w.name)].join(" ").toLowerCase();
      if (search && !names.includes(search)) continue;
      if (swapping && !alike(swapping.move, move)) continue;
      found.push([move, way]);
    }
    return found;
  }

  // Of the same role, position and focus as the exercise a card came from (not that exercise itself).
  function alike(original, move) {
    return move.id !== original.id && move.position === original.position
      && move.role.some((role) => original.role.includes(role)) && move.focus.some((f) => original.focus.includes(f));
  }

  function list() {
    const box = $("lib-list");
    box.textContent = "";
    $("lib-cancel").hidden = !swapping;
    $("library-target").textContent = swapping ? "Swap " + swapping.name + " for one of these:"
      : target ? "Add puts the exercise at the end of " + (target.label || "the routine") + "." : "";
    const found = wanted();
    for (const [move, way] of found) box.appendChild(item(move, way));
    if (!found.length) box.appendChild(S.element("li", { class: "note", text: "No exercise fits these filters." }));
  }

  function item(move, way) {
    const use = S.element("button", { type: "button", text: swapping ? "Use" : "Add",
                                      "aria-label": (swapping ? "Use " : "Add ") + way.name });
    use.addEventListener("click", () => (swapping ? swap(move, way) : add(move, way)));
    const facts = [way.level, words(move.position), move.focus.map(words).join(", ")];
    const parts = [S.element("strong", { text: way.name }), S.element("span", { class: "facts", text: facts.join(" · ") })];
    if (way.props.length) parts.push(S.element("span", { class: "facts", text: "Needs: " + way.props.join(", ") }));
    if (way.cautions.length) {
      parts.push(S.element("span", { class: "caution", text: "Take care: " + way.cautions.map(words).join(", ") }));
    }
    return S.element("li", { class: "move" }, [S.element("div", {}, parts), use]);
  }

  async function add(move, way) {
    // The end of the list Add was pressed for, while the routine still has it (cards and sections are moved and
    // deleted meanwhile, and another routine may be open); else the end of the routine.
    const groups = (S.lastOutline && S.lastOutline.groups) || [];
    const there = target && groups.some((group) => String(group.list) === String(target.list));
    const place = there ? target : S.defaultTarget();
    if (!place) return S.say("Open a routine first", true);
    await S.edit([{ op: "add", at: place.list, id: move.id, variant: way.variant }], "Added " + way.name);
  }

  async function swap(move, way) {
    const card = swapping.card;
    swapping = null;
    const where = card.at.slice(0, -1), index = card.at[card.at.length - 1];
    await S.edit([{ op: "swap", at: where, index, id: move.id, variant: way.variant }], "Swapped in " + way.name);
    list();
  }

  S.openLibrary = function (place) {
    swapping = null;
    target = place;
    list();
    S.showTab("outline");
    $("library").scrollIntoView({ block: "start" });
    $("lib-search").focus();
  };

  S.openSwap = function (card) {
    const move = moves.find((m) => m.id === card.library.id);
    if (!move) return;
    swapping = { card, move, name: card.data.name };
    $("lib-search").value = ""; // the swap's own list: alike exercises, by the other filters
    list();
    $("library").scrollIntoView({ block: "start" });
    $("lib-cancel").focus();
  };
})();
