// Compose a class from the exercise library: a length, a level, the areas to work, what to leave out and the
// props at hand; "Another one" asks again with a new seed. The class goes into the editor, not saved yet.
"use strict";

(function () {
  const S = window.Studio;
  const $ = (id) => document.getElementById(id);
  let seed = null;

  const words = (tag) => tag.replace(/-/g, " ");

  function boxes(id, values, legend) {
    const set = $(id);
    set.textContent = "";
    set.appendChild(S.element("legend", { text: legend }));
    for (const value of values) {
      const box = S.element("input", { type: "checkbox", value, id: id + "-" + value });
      set.appendChild(S.element("span", { class: "tick" }, [box, S.element("label", { for: id + "-" + value, text: words(value) })]));
    }
  }

  const ticked = (id) => [...$(id).querySelectorAll("input:checked")].map((box) => box.value);

  S.buildCompose = function (tags) {
    const level = $("compose-level");
    for (const value of tags.level) level.appendChild(S.element("option", { value, text: value }));
    boxes("compose-focus", tags.focus, "Focus on");
    boxes("compose-avoid", tags.avoid, "Leave out what does not suit");
    boxes("compose-props", tags.props, "Props at hand");
    $("compose-go").addEventListener("click", () => compose(false));
    $("compose-again").addEventListener("click", () => compose(true));
  };

  async function compose(another) {
    const note = $("compose-status");
    note.classList.remove("bad");
    note.textContent = "Composing…";
    const body = { length: $("compose-length").value + "m", level: $("compose-level").value,
                   focus: ticked("compose-focus"), avoid: ticked("compose-avoid"), props: ticked("compose-props") };
    if (another && seed !== null) body.seed = seed + 1;
    const { ok, data } = await S.api("POST", "/api/compose", body);
    if (!ok) {
      note.textContent = data.error;
      note.classList.add("bad");
      return;
    }
    seed = data.seed;
    if (!(await S.openUnsaved(data.name, data.text))) {
      note.textContent = "";
      return;
    }
    $("compose-again").disabled = false;
    note.textContent = "Composed " + S.clock(data.seconds) + " (seed " + data.seed + ")"
      + (data.warnings.length ? ": " + data.warnings.join("; ") : "") + ". Save to keep it.";
  }
})();
