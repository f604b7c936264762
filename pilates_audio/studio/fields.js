// The outline's controls, one of the right kind for each key of the routine format, made from its JSON Schema:
// choices from its enums, numbers with their bounds, durations in the units its patterns accept, texts one
// or one per language. A value the schema refuses is never sent.
"use strict";

(function () {
  const S = window.Studio;
  let defs = {};

  function resolve(node) {
    let seen = 0;
    while (node && node.$ref && seen++ < 10) node = Object.assign({}, defs[node.$ref.split("/").pop()], node, { $ref: undefined });
    return node || {};
  }

  function options(node) { // every alternative of an anyOf, resolved
    node = resolve(node);
    return node.anyOf ? node.anyOf.flatMap(options) : [node];
  }

  // Where the schema's help is written for a YAML file ({say: …, on: exhale}), the outline's controls say it.
  const OUTLINE_HELP = {
    intro: "Spoken after the title.",
    outro: "Spoken at the end.",
    setup: "How to get into position; spoken before the work.",
    cues: "Lines spoken during the work, one after another: each spread over the work, or said on each inhale or "
      + "exhale, or as a given rep begins.",
  };

  // What a key of a table (routine, section, exercise, cue) holds, as the schema says.
  function describe(table, key) {
    const node = resolve(table[key]);
    const alternatives = options(table[key]);
    const patterns = alternatives.filter((a) => a.pattern).map((a) => new RegExp(a.pattern));
    // What its patterns take: a duration's take "3s" and not a word (a text's pattern takes any word).
    const accepts = (sample) => patterns.some((p) => p.test(sample)) && !patterns.some((p) => p.test("word"));
    const about = { key, help: OUTLINE_HELP[key] || node.description || "", patterns };
    if (node.enum) return Object.assign(about, { kind: "choice", values: node.enum });
    if (alternatives.some((a) => a.type === "object" && a.additionalProperties)) return Object.assign(about, { kind: "said" });
    if (alternatives.some((a) => a.type === "boolean")) return Object.assign(about, { kind: "flag" });
    const integer = alternatives.find((a) => a.type === "integer");
    if (integer && accepts("6-10")) return Object.assign(about, { kind: "count", min: integer.minimum, range: true });
    if (integer) return Object.assign(about, { kind: "integer", min: integer.minimum, max: integer.maximum });
    if (accepts("3s")) {
      return Object.assign(about, { kind: "duration", breaths: accepts("3 breaths"), range: accepts("3s-4s"),
                                    zero: alternatives.some((a) => a.type === "number" && a.minimum === 0) });
    }
    const number = alternatives.find((a) => a.type === "number");
    if (number) return Object.assign(about, { kind: "number", min: number.minimum, above: number.exclusiveMinimum });
    return Object.assign(about, { kind: "text" });
  }

  S.learnFields = function (schema) {
    defs = schema.$defs;
    const cue = defs.cue.anyOf.find((option) => option.properties);
    const table = (properties) => Object.fromEntries(Object.keys(properties).map((k) => [k, describe(properties, k)]));
    S.fields = { routine: table(defs.routine.properties), section: table(defs.section.properties),
                 exercise: table(defs.exercise.properties), cue: table(cue.properties) };
  };

  // --- durations -------------------------------------------------------------------

  const UNIT = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|breaths?)?\s*$/i;

  function seconds(amount, unit) { return /^m/i.test(unit || "") ? amount * 60 : amount; }

  // "30s", "1m", "45", "3 breaths", "30s-90s", "3-6 breaths" → {low, high, unit}; null for what is not one.
  S.parseDuration = function (value) {
    if (typeof value === "number") return { low: value, high: null, unit: "s" };
    if (typeof value !== "string") return null;
    const [lowText, highText] = value.split("-");
    const high = highText === undefined ? null : highText.match(UNIT);
    const low = lowText.match(UNIT);
    if (!low || (highText !== undefined && !high)) return null;
    const unitText = (high && high[2]) || low[2] || "s";
    const unit = /^b/i.test(unitText) ? "breaths" : "s";
    return { low: seconds(Number(low[1]), low[2] || unitText), unit,
             high: high ? seconds(Number(high[1]), unitText) : null };
  };

  S.writeDuration = function (low, high, unit) {
    const one = (n) => String(Math.round(n * 100) / 100);
    if (unit === "breaths") {
      const last = high !== null ? high : low;
      return one(low) + (high !== null ? "-" + one(high) : "") + " breath" + (last === 1 ? "" : "s");
    }
    return one(low) + "s" + (high !== null ? "-" + one(high) + "s" : "");
  };

  S.sayDose = function (data) {
    const parts = [];
    if (data.reps !== undefined) parts.push(data.reps + " reps");
    if (data.breaths_per_rep !== undefined) parts.push(data.breaths_per_rep + " breaths each");
    if (data.hold_each !== undefined) parts.push("hold " + data.hold_each + " at the top of each");
    if (data.reverse) parts.push("then reversed");
    if (data.work !== undefined) parts.push("keep going for " + data.work);
    if (data.pulses !== undefined) parts.push(data.pulses + " pulses a breath");
    if (data.hold !== undefined) parts.push("hold " + data.hold);
    if (data.sides !== undefined) parts.push(Array.isArray(data.sides) ? data.sides.join(" then ") : data.sides + " sides");
    if (data.rest !== undefined) parts.push("rest " + data.rest);
    return parts.join(" · ");
  };

  // --- controls ----------------------------------------------------------------------

  let counter = 0;

  // A labelled control with the schema's help under it; `send(value)` is called with a value the schema takes
  // (undefined to remove the key).
  S.field = function (about, value, label, send, id) {
    const control = makers[about.kind](about, value, send, id);
    const help = S.element("small", { class: "help", id: id + "-help", text: about.help });
    const box = S.element("div", { class: "field field-" + about.kind }, [
      S.element("label", { for: id, text: label }), control, help,
    ]);
    const first = box.querySelector("input, select, textarea");
    if (first) first.setAttribute("aria-describedby", id + "-help");
    return box;
  };

  function input(attributes, value, onChange) {
    const node = S.element("input", attributes);
    node.value = value === undefined || value === null ? "" : String(value);
    node.addEventListener("change", () => onChange(node));
    return node;
  }

  const makers = {
    choice(about, value, send, id) {
      const select = S.element("select", { id });
      select.appendChild(S.element("option", { value: "", text: about.key === "kind" ? "from its name" : "none" }));
      about.values.forEach((choice, index) => {
        const text = Array.isArray(choice) ? choice.join(" then ") : String(choice);
        select.appendChild(S.element("option", { value: String(index), text }));
      });
      const at = about.values.findIndex((choice) => JSON.stringify(choice) === JSON.stringify(value));
      select.value = at < 0 ? "" : String(at);
      select.addEventListener("change", () => send(select.value === "" ? undefined : about.values[Number(select.value)]));
      return select;
    },
    flag(about, value, send, id) {
      const box = S.element("input", { id, type: "checkbox" });
      box.checked = value === true;
      box.addEventListener("change", () => send(box.checked ? true : undefined));
      return box;
    },
    integer(about, value, send, id) {
      const attributes = { id, type: "number", step: "1", inputmode: "numeric" };
      if (about.min !== undefined) attributes.min = String(about.min);
      if (about.max !== undefined) attributes.max = String(about.max);
      return input(attributes, value, (node) => {
        const number = Number(node.value);
        sendIf(node, send, number, Number.isInteger(number) && (about.min === undefined || number >= about.min)
               && (about.max === undefined || number <= about.max));
      });
    },
    number(about, value, send, id) {
      return input({ id, type: "number", step: "0.5", min: "0", inputmode: "decimal" }, value,
                   (node) => sendIf(node, send, Number(node.value), Number(node.value) > 0));
    },
    count(about, value, send, id) { return range(about, value, send, id, false); },
    duration(about, value, send, id) { return range(about, value, send, id, true); },
    text(about, value, send, id) {
      return input({ id, type: "text" }, value, (node) => send(node.value.trim() === "" ? undefined : node.value.trim()));
    },
    said(about, value, send, id) { return said(value, send, id, about.key === "setup" || about.key === "intro"); },
  };

  // A value the schema refuses stays in the box, marked, and is not sent; an empty box removes the key.
  function sendIf(node, send, value, good) {
    if (node.value === "") return send(undefined);
    node.setAttribute("aria-invalid", good ? "false" : "true");
    if (good) send(value);
  }

  // A count or a duration, with an optional upper end (a range) and, for durations, its unit.
  function range(about, value, send, id, timed) {
    const parsed = timed ? S.parseDuration(value) : typeof value === "string"
      ? { low: Number(value.split("-")[0]), high: Number(value.split("-")[1]) } : { low: value, high: null };
    const current = parsed || { low: null, high: null, unit: "s" };
    const low = S.element("input", { id, type: "number", min: "0", step: timed ? "0.5" : "1", inputmode: "decimal" });
    // Every part has an id, so that the focus stays on it when the outline is drawn again after a change.
    const high = S.element("input", { id: id + "-to", type: "number", min: "0", step: timed ? "0.5" : "1",
                                      inputmode: "decimal", "aria-label": "up to (a range, for a target length)" });
    low.value = current.low === null || current.low === undefined ? "" : current.low;
    high.value = current.high === null || current.high === undefined ? "" : current.high;
    const parts = [low];
    if (about.range) parts.push(S.element("span", { class: "to", text: "to", "aria-hidden": "true" }), high);
    let unit = null;
    if (timed) {
      unit = S.element("select", { id: id + "-unit", "aria-label": "unit" });
      unit.appendChild(S.element("option", { value: "s", text: "seconds" }));
      if (about.breaths) unit.appendChild(S.element("option", { value: "breaths", text: "breaths" }));
      unit.value = current.unit || "s";
      parts.push(unit);
    }
    const changed = () => {
      if (low.value === "") return send(undefined);
      const top = high.value === "" ? null : Number(high.value);
      const written = timed ? S.writeDuration(Number(low.value), top, unit.value)
        : top === null ? Number(low.value) : low.value + "-" + top;
      const good = typeof written === "number" ? Number.isInteger(written) && written >= (about.min || 0)
        : about.patterns.some((p) => p.test(written)) && (top === null || top >= Number(low.value));
      low.setAttribute("aria-invalid", good ? "false" : "true");
      if (good) send(written);
    };
    for (const part of [low, high, unit]) if (part) part.addEventListener("change", changed);
    return S.element("span", { class: "range" }, parts);
  }

  // One text, or one per language (a row per language tag).
  function said(value, send, id, long) {
    const make = (text, label, onChange, ident) => {
      const box = S.element(long ? "textarea" : "input", long ? { id: ident, rows: "2" } : { id: ident, type: "text" });
      if (label) box.setAttribute("aria-label", label);
      box.value = text || "";
      box.addEventListener("change", () => onChange(box.value.trim()));
      return box;
    };
    if (value && typeof value === "object") {
      const rows = Object.entries(value).map(([tag, text], index) => S.element("span", { class: "language" }, [
        S.element("span", { class: "tag", text: tag, "aria-hidden": "true" }),
        make(text, "in " + tag, (typed) => {
          const next = Object.assign({}, value);
          if (typed) next[tag] = typed; else delete next[tag];
          send(Object.keys(next).length ? next : undefined);
        }, index === 0 ? id : id + "-" + tag),
      ]));
      return S.element("span", { class: "languages" }, rows);
    }
    return make(value, null, (typed) => send(typed || undefined), id);
  }
  S.said = said;

  S.uid = function () { counter += 1; return "u" + counter; };
})();
