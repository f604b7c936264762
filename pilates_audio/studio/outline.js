// The outline: the routine as cards, one per exercise, grouped by section. Every change is sent to the studio as
// an edit of the YAML text (`/api/edit`), whose answer is shown in both views; undo takes back the text before.
"use strict";

(function () {
  const S = window.Studio;
  const $ = (id) => document.getElementById(id);
  const EXERCISE_FIELDS = ["name", "kind", "setup", "reps", "breaths_per_rep", "hold_each", "work", "hold", "pulses",
                           "sides", "reverse", "switch", "rest"];
  const LABELS = { name: "Name", kind: "Kind", setup: "Setup (said before it starts)", reps: "Reps",
                   breaths_per_rep: "Breaths per rep", hold_each: "Hold at the top of each rep", work: "Keep going for",
                   hold: "Hold for", pulses: "Pulses in each breath", sides: "Sides", reverse: "Reverse the direction",
                   switch: "Time to change side", rest: "Rest after", title: "Title", intro: "Said after the title",
                   outro: "Said at the end", description: "Description (not said)", instructor: "Instructor (not said)",
                   collection: "Collection (not said)", rounds: "Rounds" };
  // The routine's own keys a teacher changes; the MP3's tags are among them, as the starter fills them with placeholders.
  const ROUTINE_FIELDS = ["title", "intro", "outro", "description", "instructor", "collection"];
  const open = new Set(); // the cards shown with their fields, by place
  const undo = [];
  let shown = null;

  const key = (at) => at.join("-");

  // --- edits ---------------------------------------------------------------------------

  S.edit = async function (edits, done) {
    const before = S.text();
    const { ok, data } = await S.api("POST", "/api/edit", { text: before, edits });
    if (!ok) return S.say(data.error, true);
    undo.push(before);
    $("undo").disabled = false;
    S.setText(data.text);
    show(data.outline);
    if (done) S.say(done);
  };

  S.undo = function () {
    if (!undo.length) return;
    S.setText(undo.pop());
    $("undo").disabled = !undo.length;
    S.say("Undone");
    S.replan();
  };

  const set = (at, name, value) => S.edit([{ op: "set", at, key: name, value: value === undefined ? null : value }]);

  // --- showing ---------------------------------------------------------------------------

  S.showOutline = function (outline, problems) {
    if (outline) show(outline);
    const list = $("outline-problems");
    list.textContent = "";
    for (const problem of problems || []) {
      const link = S.element("button", { type: "button", class: "link", text: "Line " + problem.line + ": " + problem.message });
      link.addEventListener("click", () => S.showYaml(problem.line, problem.column));
      list.appendChild(S.element("li", {}, [link]));
    }
  };

  function show(outline) {
    shown = outline;
    S.lastOutline = outline;
    const root = $("outline");
    const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    root.textContent = "";
    if (outline.problem) {
      const link = S.element("button", { type: "button", class: "link", text: "line " + outline.problem.line });
      link.addEventListener("click", () => S.showYaml(outline.problem.line, 1));
      root.appendChild(S.element("p", { class: "cannot" }, [
        document.createTextNode("The outline cannot show this routine: " + outline.problem.message + ", at "), link,
        document.createTextNode(". Fix it in the YAML view."),
      ]));
      return;
    }
    if (outline.kind === "routine") root.appendChild(routineCard(outline.keys));
    outline.groups.forEach((group, index) => root.appendChild(groupBox(group, index, outline)));
    if (outline.sections) {
      const add = S.element("button", { type: "button", text: "Add a section" });
      add.addEventListener("click", () => S.edit([{ op: "insert", at: ["sections"], value:
        { name: "New section", exercises: [{ name: "New exercise", reps: 6 }] } }], "Added a section"));
      root.appendChild(add);
    }
    const again = focused && document.getElementById(focused);
    if (again) again.focus();
  }

  function routineCard(keys) {
    const box = S.element("section", { class: "card routine-card", "aria-label": "The routine" });
    for (const name of ROUTINE_FIELDS) {
      box.appendChild(S.field(S.fields.routine[name], keys[name], LABELS[name], (v) => set([], name, v), "f-routine-" + name));
    }
    return box;
  }

  function groupBox(group, index, outline) {
    const box = S.element("section", { class: "group" });
    if (group.at) {
      box.appendChild(sectionHead(group, index, outline));
      box.setAttribute("aria-label", "Section " + (group.keys.name || index + 1));
    } else {
      box.setAttribute("aria-label", "Exercises");
    }
    const list = S.element("ol", { class: "cards" });
    group.cards.forEach((card, place) => list.appendChild(cardItem(card, place, group)));
    box.appendChild(list);
    const add = S.element("button", { type: "button", text: "Add from the library" });
    const label = !group.at ? null : typeof group.keys.name === "string" ? group.keys.name : "section " + (index + 1);
    add.addEventListener("click", () => S.openLibrary({ list: group.list, label }));
    const blank = S.element("button", { type: "button", text: "Add an exercise" });
    blank.addEventListener("click", () => S.edit([{ op: "insert", at: group.list, value: { name: "New exercise", reps: 6 } }],
                                                 "Added an exercise"));
    box.appendChild(S.element("p", { class: "adds" }, [add, blank]));
    return box;
  }

  function sectionHead(group, index, outline) {
    const head = S.element("div", { class: "section-head", id: "section-" + index, tabindex: "-1", draggable: "true" });
    const fields = S.element("div", { class: "row" }, [
      S.field(S.fields.section.name, group.keys.name, "Section", (v) => set(group.at, "name", v), "f-" + key(group.at) + "-name"),
      S.field(S.fields.section.rounds, group.keys.rounds, LABELS.rounds, (v) => set(group.at, "rounds", v),
              "f-" + key(group.at) + "-rounds"),
    ]);
    head.appendChild(fields);
    head.appendChild(actions(["sections"], index, outline.groups.length, "section " + (group.keys.name || index + 1)));
    draggable(head, { list: ["sections"], index, kind: "section" });
    return head;
  }

  function cardItem(card, place, group) {
    const id = "card-" + key(card.at);
    const item = S.element("li", { class: "card", id, tabindex: "-1", draggable: "true" });
    const data = card.data;
    const name = data.include ? "Block: " + data.include : String(data.name || "(no name)");
    const head = S.element("div", { class: "card-head" }, [
      S.element("h3", { text: name }),
      S.element("span", { class: "dose", text: data.include ? "its exercises, in order" : S.sayDose(data) }),
    ]);
    if (card.library) head.appendChild(S.element("span", { class: "badge", text: card.library.level }));
    item.appendChild(head);
    const tools = actions(group.list, place, group.cards.length, name);
    if (!data.include) tools.prepend(...cardTools(card, item, name));
    item.appendChild(tools);
    if (!data.include && open.has(key(card.at))) item.appendChild(cardFields(card));
    draggable(item, { list: group.list, index: place, kind: "card" });
    item.addEventListener("keydown", (event) => {
      if (!event.altKey || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
      event.preventDefault();
      shift(group.list, place, group.cards.length, event.key === "ArrowUp" ? -1 : 1, "card");
    });
    return item;
  }

  function cardTools(card, item, name) {
    const tools = [];
    const expanded = open.has(key(card.at));
    const edit = S.element("button", { type: "button", class: "edit", "aria-expanded": String(expanded),
                                       "aria-label": (expanded ? "Close " : "Edit ") + name, text: expanded ? "Close" : "Edit" });
    edit.addEventListener("click", () => {
      if (expanded) open.delete(key(card.at)); else open.add(key(card.at));
      show(shown);
      document.getElementById("card-" + key(card.at)).querySelector(".edit").focus();
    });
    tools.push(edit);
    const preview = S.element("button", { type: "button", class: "preview", "aria-label": "Preview " + name, text: "▶ Preview" });
    preview.addEventListener("click", () => S.preview(card, name));
    tools.push(preview);
    if (card.library) {
      for (const way of ["easier", "harder"]) {
        if (!card.library[way]) continue;
        const button = S.element("button", { type: "button", "aria-label": way[0].toUpperCase() + way.slice(1) + ": " + name,
                                             text: way === "easier" ? "Easier" : "Harder" });
        button.addEventListener("click", () => S.edit([{ op: "way", at: card.at, id: card.library.id,
                                                          from: card.library.variant, variant: card.library[way] }],
                                                        "Made " + name + " " + way));
        tools.push(button);
      }
      const swap = S.element("button", { type: "button", "aria-label": "Swap " + name, text: "Swap" });
      swap.addEventListener("click", () => S.openSwap(card));
      tools.push(swap);
    }
    return tools;
  }

  // Up, down, duplicate and delete, for a card or a section.
  function actions(list, index, count, name) {
    const row = S.element("div", { class: "tools" });
    const button = (text, label, run, disabled) => {
      const node = S.element("button", { type: "button", "aria-label": label + " " + name, text });
      node.disabled = !!disabled;
      node.addEventListener("click", run);
      row.appendChild(node);
    };
    const kind = list.length === 1 && list[0] === "sections" ? "section" : "card";
    button("↑", "Move up", () => shift(list, index, count, -1, kind), index === 0 && kind === "section");
    button("↓", "Move down", () => shift(list, index, count, 1, kind), index === count - 1 && kind === "section");
    button("Duplicate", "Duplicate", () => S.edit([{ op: "duplicate", at: list, index }], "Duplicated " + name));
    button("Delete", "Delete", () => S.edit([{ op: "delete", at: list, index }], "Deleted " + name + " (Undo brings it back)"));
    return row;
  }

  // Move a card or section one place; a card at the end of a section goes on into the next.
  function shift(list, index, count, by, kind) {
    const to = index + by;
    if (to >= 0 && to < count) {
      S.focusAfter = kind === "card" ? "card-" + key([...list, to]) : "section-" + to;
      return S.edit([{ op: "move", at: list, index, to_index: to }]).then(refocus);
    }
    if (kind !== "card" || !shown.sections) return;
    const groups = shown.groups, here = groups.findIndex((g) => key(g.list) === key(list));
    const other = groups[here + by];
    if (!other) return;
    const place = by < 0 ? other.cards.length : 0;
    S.focusAfter = "card-" + key([...other.list, place]);
    return S.edit([{ op: "move", at: list, index, to: other.list, to_index: place }]).then(refocus);
  }

  function refocus() {
    const target = S.focusAfter && document.getElementById(S.focusAfter);
    if (target) target.focus();
    S.focusAfter = null;
  }

  function draggable(node, place) {
    node.addEventListener("dragstart", (event) => {
      event.stopPropagation();
      S.dragging = place;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", key(place.list) + ":" + place.index);
    });
    node.addEventListener("dragover", (event) => {
      if (S.dragging && S.dragging.kind === place.kind) event.preventDefault();
    });
    node.addEventListener("drop", (event) => {
      const from = S.dragging;
      S.dragging = null;
      if (!from || from.kind !== place.kind) return;
      event.preventDefault();
      event.stopPropagation();
      if (key(from.list) === key(place.list)) {
        if (from.index !== place.index) S.edit([{ op: "move", at: from.list, index: from.index, to_index: place.index }]);
      } else {
        S.edit([{ op: "move", at: from.list, index: from.index, to: place.list, to_index: place.index }]);
      }
    });
  }

  // --- an exercise's fields ----------------------------------------------------------------

  function cardFields(card) {
    const box = S.element("div", { class: "fields" });
    for (const name of EXERCISE_FIELDS) {
      const about = S.fields.exercise[name];
      box.appendChild(S.field(about, card.data[name], LABELS[name], (v) => set(card.at, name, v),
                              "f-" + key(card.at) + "-" + name));
    }
    box.appendChild(S.cueRows(card, set));
    if (card.data.pacing) {
      box.appendChild(S.element("p", { class: "note", text: "It has pacing of its own (" +
        Object.keys(card.data.pacing).join(", ") + "): change it in the YAML view." }));
    }
    return box;
  }

  S.clearUndo = function () {
    undo.length = 0;
    $("undo").disabled = true;
  };

  S.outlineReady = function () {
    $("undo").addEventListener("click", S.undo);
    document.addEventListener("keydown", (event) => {
      const typing = ["INPUT", "TEXTAREA", "SELECT"].includes((document.activeElement || {}).tagName);
      if ((event.ctrlKey || event.metaKey) && event.key === "z" && !typing && undo.length) {
        event.preventDefault();
        S.undo();
      }
    });
  };
})();
