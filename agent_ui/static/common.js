// Shared by every page: CSRF-carrying requests, the idle lock, live updates over a websocket.
// Nothing personal is ever written to localStorage, sessionStorage or the URL.
"use strict";

const Console = (() => {
  const csrfMeta = document.querySelector('meta[name="csrf"]');
  const csrf = csrfMeta ? csrfMeta.content : "";
  const idleMs = Number(document.body.dataset.idle || 300) * 1000;
  let lastInput = Date.now();
  let lastBeat = Date.now();
  let locked = false;
  const lockListeners = [];

  async function send(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 423) { lock(false); }
    if (response.status === 401) { window.location.assign("/login"); }
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      const error = new Error(data.error || ("HTTP " + response.status));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function lock(tellServer) {
    if (locked || !csrf) { return; }
    locked = true;
    document.body.classList.add("locked");
    document.getElementById("lock-screen").hidden = false;
    if (tellServer) { send("POST", "/lock").catch(() => {}); }
    lockListeners.forEach((f) => f(true));
  }

  function unlocked() {
    locked = false;
    lastInput = Date.now();
    document.body.classList.remove("locked");
    document.getElementById("lock-screen").hidden = true;
    lockListeners.forEach((f) => f(false));
  }

  function watchIdle() {
    if (!csrf) { return; }
    for (const kind of ["keydown", "mousedown", "mousemove", "touchstart", "wheel"]) {
      document.addEventListener(kind, () => { if (!locked) { lastInput = Date.now(); } },
                                { passive: true });
    }
    setInterval(() => {
      const now = Date.now();
      if (!locked && now - lastInput > idleMs) { lock(true); return; }
      if (!locked && lastInput > lastBeat && now - lastBeat > 20000) {
        lastBeat = now;
        send("POST", "/api/activity").catch(() => {});
      }
    }, 2000);
    document.getElementById("lock-now").addEventListener("click", () => lock(true));
    document.getElementById("unlock-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = event.target.elements.password;
      const body = new URLSearchParams({ password: field.value });
      field.value = "";
      const response = await fetch("/unlock", {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
      });
      if (response.ok) { unlocked(); } else {
        const data = await response.json().catch(() => ({}));
        document.getElementById("unlock-error").textContent = data.error || "ロック解除できません";
      }
    });
  }

  // A websocket that reconnects; ``onMessage`` gets each JSON message.
  function live(path, onMessage, onStatus) {
    let socket = null;
    let delay = 500;
    function connect() {
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(scheme + "//" + window.location.host + path);
      socket.addEventListener("open", () => { delay = 500; if (onStatus) { onStatus(true); } });
      socket.addEventListener("message", (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type === "locked") { lock(false); return; }
        onMessage(message);
      });
      socket.addEventListener("close", (event) => {
        if (onStatus) { onStatus(false); }
        if (event.code === 4001) { window.location.assign("/login"); return; }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      });
    }
    connect();
    return { send: (message) => socket && socket.readyState === 1 && socket.send(JSON.stringify(message)) };
  }

  // Small DOM helper: element with text (never HTML) and children.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") { node.className = value; }
      else if (key.startsWith("data-")) { node.setAttribute(key, value); }
      else { node[key] = value; }
    }
    for (const child of children) {
      if (child === null || child === undefined) { continue; }
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  document.addEventListener("DOMContentLoaded", watchIdle);
  return { send, live, el, onLock: (f) => lockListeners.push(f), get locked() { return locked; } };
})();
