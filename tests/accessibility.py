"""A small accessibility check run in the page: the serious rules, from what the browser computed.

Every visible control has an accessible name; every image has alt text; text has a contrast of at least 4.5:1
against the background it is drawn on (3:1 when large); no two elements share an id; and, at a phone's width,
every control is at least 44 by 44 CSS pixels. It returns each failure as a line naming the element.
"""

CHECK = r"""
(() => {
  const failures = [];
  const visible = (node) => {
    const style = getComputedStyle(node);
    const box = node.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 0 && box.height > 0
      && !node.closest("[hidden]") && node.closest("details:not([open]) > :not(summary)") === null;
  };
  const describe = (node) => node.tagName.toLowerCase() + (node.id ? "#" + node.id : "")
    + (node.className && typeof node.className === "string" ? "." + node.className.split(" ").join(".") : "")
    + " " + JSON.stringify((node.textContent || node.value || "").trim().slice(0, 30));
  const textOf = (ids) => ids.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" ");
  const name = (node) => {
    if (node.getAttribute("aria-label")) return node.getAttribute("aria-label").trim();
    if (node.getAttribute("aria-labelledby")) return textOf(node.getAttribute("aria-labelledby")).trim();
    if (node.labels && node.labels.length) return [...node.labels].map((l) => l.textContent).join(" ").trim();
    if (["BUTTON", "A", "SUMMARY"].includes(node.tagName)) return node.textContent.trim();
    return (node.getAttribute("title") || "").trim();
  };
  const CONTROLS = "button, input, select, textarea, summary, a[href], audio[controls], [role=tab]";
  for (const node of document.querySelectorAll(CONTROLS)) {
    if (!visible(node)) continue;
    if (!name(node)) failures.push("no accessible name: " + describe(node));
  }
  for (const image of document.querySelectorAll("img")) {
    if (visible(image) && !image.hasAttribute("alt")) failures.push("image without alt: " + describe(image));
  }
  const seen = new Map();
  for (const node of document.querySelectorAll("[id]")) {
    if (seen.has(node.id)) failures.push("duplicate id: " + node.id);
    seen.set(node.id, true);
  }
  // Contrast: each element with text of its own, against the first background colour behind it.
  const rgba = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (node) => {
    for (let at = node; at; at = at.parentElement) {
      const colour = rgba(getComputedStyle(at).backgroundColor);
      if (colour.length === 3 || (colour.length === 4 && colour[3] > 0.5)) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const node of document.body.querySelectorAll("*")) {
    const own = [...node.childNodes].some((child) => child.nodeType === 3 && child.textContent.trim());
    const field = ["INPUT", "SELECT", "TEXTAREA"].includes(node.tagName) && (node.value || "").trim();
    if ((!own && !field) || !visible(node) || node.disabled || node.closest("[aria-hidden=true]")) continue;
    const style = getComputedStyle(node);
    let opacity = 1;
    for (let at = node; at; at = at.parentElement) opacity *= Number(getComputedStyle(at).opacity);
    if (opacity < 0.99) continue; // faded: only disabled controls are, and they are exempt
    const front = luminance(rgba(style.color)), back = luminance(background(node));
    const ratio = (Math.max(front, back) + 0.05) / (Math.min(front, back) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push("contrast " + ratio.toFixed(2) + " < " + needed + ": " + describe(node));
  }
  if (window.innerWidth <= 480) { // touch targets, at a phone's width
    for (const node of document.querySelectorAll("button, input, select, textarea, summary, [role=tab], .along a")) {
      if (!visible(node)) continue;
      const box = node.getBoundingClientRect();
      if (box.width < 44 || box.height < 44) {
        failures.push("target " + Math.round(box.width) + "x" + Math.round(box.height) + " < 44x44: " + describe(node));
      }
    }
  }
  return failures;
})()
"""


def problems(tools) -> list[str]:
    """Run the check in the page the DevTools connection shows; return what fails."""
    return tools.js(CHECK)
