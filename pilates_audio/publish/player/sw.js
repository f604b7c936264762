// The service worker of the sessions page: the page itself from the network when it can be had, else as last seen;
// a session saved for offline entirely from the one saved copy of it, byte ranges included.
"use strict";

// The app's own files, kept for the page offline: the server puts their names in place of the marker as it serves this.
const APP_FILES = "__APP_FILES__";
const SHELL_CACHE = "pilates-audio-shell";
const SAVED_CACHE = "pilates-audio-saved"; // one entry per saved session: which cache holds which version
const SCOPE = new URL("./", self.location).href;
const SHELL = ["", ...APP_FILES]; // the page, and what it is made of

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map((name) => SCOPE + name)))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  url.hash = ""; // a page's address keeps the session it shows after the #
  // Only plain reads of this folder; anything with a query (saving, checking for a new version) goes to the network.
  if (request.method !== "GET" || !url.href.startsWith(SCOPE) || url.search) return;
  const name = url.href.slice(SCOPE.length);
  if (SHELL.includes(name)) {
    event.respondWith(fromNetworkFirst(request));
  } else {
    event.respondWith(fromSaved(request, url.href));
  }
});

async function fromNetworkFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, {ignoreSearch: true});
    if (kept) return kept;
    throw error;
  }
}

// The saved copy that holds this file, if any: the whole set of a session's files is one cache, named by version.
async function savedCopy(href) {
  const index = await caches.open(SAVED_CACHE);
  for (const key of await index.keys()) {
    const entry = await (await index.match(key)).json();
    if (entry.files.includes(href)) return entry;
  }
  return null;
}

async function fromSaved(request, href) {
  const entry = await savedCopy(href);
  const kept = entry && await (await caches.open(entry.cache)).match(href);
  // Not saved: the network, and the browser's own error if it cannot be had.
  if (!kept) return fetch(request).catch(() => Response.error());
  return ranged(kept, request.headers.get("range"));
}

// Answer a Range header from a whole saved file, as the server would: 206 with the bytes asked for, or 416.
async function ranged(kept, range) {
  const match = range && /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!match || (!match[1] && !match[2])) return kept;
  const blob = await kept.blob();
  const size = blob.size;
  let start = 0;
  let end = size - 1;
  if (match[1]) {
    start = Number(match[1]);
    if (match[2]) end = Math.min(Number(match[2]), size - 1);
    if (match[2] && Number(match[2]) < start) return new Response(blob, {status: 200, headers: kept.headers});
  } else {
    start = Math.max(0, size - Number(match[2]));
  }
  if (start >= size) {
    return new Response("range not satisfiable\n", {status: 416, headers: {"Content-Range": `bytes */${size}`}});
  }
  const headers = new Headers(kept.headers);
  headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  headers.set("Content-Length", String(end - start + 1));
  return new Response(blob.slice(start, end + 1), {status: 206, statusText: "Partial Content", headers});
}
