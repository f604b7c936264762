// An exercise's cues as small rows: the words (one text, or one per language) and when they are said: spread over
// the work, at the start of each inhale or exhale (every Nth rep), or as a rep begins. The choices are the schema's.
"use strict";

(function () {
  const S = window.Studio;

  function whenOf(cue) {
    if (cue && typeof cue === "object" && "say" in cue) return cue.on ? "on:" + cue.on : cue.at !== undefined ? "at" : "plain";
    return "plain";
  }

  function words(cue) { return cue && typeof cue === "object" && "say" in cue ? cue.say : cue; }

  // The cue a row stands for, keeping what the row does not show (`reps: [..]`) where it still applies.
  function cueOf(old, say, when, number) {
    if (when === "plain") return say;
    if (when === "at") return { say, at: number || 1 };
    const cue = { say, on: when.slice(3) };
    if (number) cue.every = number;
    if (old && typeof old === "object" && old.reps && old.on) cue.reps = old.reps;
    return cue;
  }

  S.cueRows = function (card, set) {
    const cues = card.data.cues === undefined ? [] : Array.isArray(card.data.cues) ? card.data.cues : [card.data.cues];
    const table = S.fields.cue;
    const box = S.element("fieldset", { class: "cues" }, [S.element("legend", { text: "Cues" })]);
    box.appendChild(S.element("small", { class: "help", text: S.fields.exercise.cues.help }));
    const send = (next) => set(card.at, "cues", next.length ? next : undefined);
    cues.forEach((cue, index) => box.appendChild(row(cues, cue, index, card, table, send)));
    const id = "f-" + card.at.join("-") + "-newcue";
    const fresh = S.element("input", { id, type: "text", placeholder: "Words to say" });
    const add = S.element("button", { type: "button", text: "Add the cue" });
    add.addEventListener("click", () => { if (fresh.value.trim()) send([...cues, fresh.value.trim()]); });
    fresh.addEventListener("keydown", (event) => { if (event.key === "Enter") add.click(); });
    box.appendChild(S.element("div", { class: "cue new" }, [S.element("label", { for: id, text: "New cue" }), fresh, add]));
    return box;
  };

  function row(cues, cue, index, card, table, send) {
    const base = "f-" + card.at.join("-") + "-cue" + index;
    const replace = (next) => send(cues.map((old, i) => (i === index ? next : old)));
    let when = whenOf(cue);
    const number = S.element("input", { id: base + "-n", type: "number", min: "1", step: "1", inputmode: "numeric" });
    const numberLabel = S.element("label", { for: base + "-n" });
    const sayBox = S.said(words(cue), (say) => {
      if (say === undefined) return send(cues.filter((_, i) => i !== index));
      replace(cueOf(cue, say, when, Number(number.value) || null));
    }, base, false);
    const select = S.element("select", { id: base + "-when", "aria-label": "When cue " + (index + 1) + " is said" });
    select.appendChild(S.element("option", { value: "plain", text: "spread over the work" }));
    for (const phase of table.on.values) select.appendChild(S.element("option", { value: "on:" + phase, text: "on each " + phase }));
    if (table.at) select.appendChild(S.element("option", { value: "at", text: "as a rep begins" }));
    select.value = when;
    const shownNumber = () => {
      number.hidden = numberLabel.hidden = when === "plain";
      numberLabel.textContent = when === "at" ? "rep" : "every Nth rep";
    };
    number.value = typeof cue === "object" && cue ? (when === "at" ? cue.at : cue.every || "") : "";
    shownNumber();
    select.addEventListener("change", () => {
      when = select.value;
      shownNumber();
      replace(cueOf(cue, words(cue), when, when === "at" ? Number(number.value) || 1 : null));
    });
    number.addEventListener("change", () => {
      const value = Number(number.value);
      if (number.value !== "" && !(Number.isInteger(value) && value >= 1)) return number.setAttribute("aria-invalid", "true");
      replace(cueOf(cue, words(cue), when, value || null));
    });
    const remove = S.element("button", { type: "button", "aria-label": "Delete cue " + (index + 1), text: "✕" });
    remove.addEventListener("click", () => send(cues.filter((_, i) => i !== index)));
    const label = S.element("label", { for: base, class: "visually-hidden", text: "Cue " + (index + 1) });
    return S.element("div", { class: "cue" }, [label, sayBox, select, numberLabel, number, remove]);
  }
})();
