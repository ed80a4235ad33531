// The demo's chat page: renders what the bot sent the way Telegram does, and sends what a person types or
// presses. Every text is put into the page with textContent (never innerHTML), so nothing can inject markup.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = { person: "citizen", chat: {}, seen: {}, toasts: {}, state: null, version: "" };
const images = new Map();

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) });
  if (!res.ok) console.warn(path, res.status, await res.text());
}

const person = () => ui.state.persons.find((p) => p.key === ui.person);
const chatOf = (p) => p.chats.find((c) => c.id === ui.chat[p.key]) || p.chats[0];

function send(text, chatId) {
  const p = person();
  post("/api/send", { person: p.key, chat: chatId ?? chatOf(p).id, text });
}

// --- links: invitation links to the bot open its chat and send /start <payload>, as in Telegram ----------
function linkNode(href, label) {
  const bot = ui.state.bot;
  const m = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/.exec(href);
  if (m && m[1].toLowerCase() === bot.toLowerCase()) {
    return el("a", { href: "#", "data-start": m[2], title: ui.state.texts.link_note || "", onclick: (e) => {
      e.preventDefault();
      const p = person();
      ui.chat[p.key] = p.chats[0].id;
      send(`/start ${m[2]}`, p.chats[0].id);
    } }, label);
  }
  const chatLink = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\/?$/.exec(href);
  if (chatLink && chatLink[1].toLowerCase() === bot.toLowerCase()) {
    return el("a", { href: "#", "data-chat-link": "1", onclick: (e) => {
      e.preventDefault();
      const p = person();
      ui.chat[p.key] = p.chats[0].id;
      render();
    } }, label);
  }
  if (/^https?:\/\//i.test(href)) return el("a", { href, target: "_blank", rel: "noopener noreferrer" }, label);
  return el("span", {}, label);
}

const URL_RE = /https?:\/\/[^\s<>"]+/g;
function plain(text, linkify) {
  if (!linkify) return document.createTextNode(text);
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    frag.append(text.slice(last, m.index), linkNode(m[0], m[0]));
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}

// --- the HTML subset, from plain text + entities (UTF-16 offsets, as JavaScript strings count) ------------
const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote", spoiler: "span" };

function rich(text, entities) {
  const ents = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const root = document.createDocumentFragment();
  let i = 0;
  let pos = 0;
  function fill(parent, end, linkify) {
    while (i < ents.length && ents[i].offset < end) {
      const e = ents[i++];
      if (e.offset > pos) { parent.append(plain(text.slice(pos, e.offset), linkify)); pos = e.offset; }
      const stop = Math.min(end, e.offset + e.length);
      let node;
      if (e.type === "text_link" || e.type === "url") {
        node = linkNode(e.url || text.slice(e.offset, stop), "");
      } else {
        node = el(TAGS[e.type] || "span", e.type === "spoiler" ? { class: "spoiler",
          onclick: (ev) => ev.currentTarget.classList.add("shown") } : {});
      }
      fill(node, stop, linkify && !["text_link", "url", "code", "pre"].includes(e.type));
      parent.append(node);
    }
    if (end > pos) { parent.append(plain(text.slice(pos, end), linkify)); pos = end; }
  }
  fill(root, text.length, true);
  return root;
}

// --- rendering -------------------------------------------------------------------------------------------
function keyboard(p, chat, m) {
  if (!m.buttons || !m.buttons.length) return null;
  return el("div", { class: "kb", "data-message": m.id }, ...m.buttons.map((row) => el("div", { class: "row" },
    ...row.map((b) => b.url ? el("button", { type: "button", onclick: () => linkNode(b.url, "").click() }, b.text)
      : el("button", { type: "button", "data-data": b.data, onclick: () =>
        post("/api/press", { person: p.key, chat: chat.id, message: m.id, data: b.data }) }, b.text)))));
}

function bubble(p, chat, m) {
  const t = ui.state.texts;
  const box = el("div", { class: "msg" + (m.mine ? " mine" : ""), "data-id": m.id });
  if (!m.bot && !m.mine && chat.group) box.append(el("span", { class: "from", text: m.from }));
  if (m.photo) {  // kept across renders, so a loaded picture keeps its size and the chat does not jump
    if (!images.has(m.photo)) images.set(m.photo, el("img", { src: m.photo, alt: "", onload: stick }));
    box.append(el("div", { class: "photo" }, images.get(m.photo)));
  }
  if (m.document) {
    const kb = Math.max(1, Math.round(m.document.size / 1024));
    box.append(el("div", { class: "doc" }, el("span", { class: "icon", text: "📄" }),
      el("div", {}, el("strong", { text: m.document.name }), el("br"),
        el("a", { href: m.document.url, download: m.document.name, class: "download" }, `${t.download} · ${kb} KB`))));
  }
  if (m.text) box.append(el("div", { class: "text" }, rich(m.text, m.entities)));
  if (m.edited) box.append(el("span", { class: "meta", text: t.edited }));
  return box;
}

function render() {
  const s = ui.state;
  const t = s.texts;
  document.title = t.title;
  document.documentElement.lang = s.lang;
  $("banner").textContent = t.banner;
  $("clocklabel").textContent = t.clock + ":";
  $("now").textContent = s.now;
  $("plus-hour").textContent = t.plus_hour;
  $("plus-day").textContent = t.plus_day;
  $("menu").textContent = "☰ " + t.menu;
  $("send").textContent = t.send;
  $("text").placeholder = t.placeholder;
  $("alertok").textContent = t.ok;

  const people = $("people");
  people.replaceChildren(...s.persons.map((p) => {
    const count = p.chats.reduce((n, c) => n + c.messages.length, 0);
    if (p.key === ui.person) ui.seen[p.key] = count;
    const unread = count - (ui.seen[p.key] ?? count);
    if (ui.seen[p.key] === undefined) ui.seen[p.key] = count;
    return el("button", { type: "button", class: "person" + (p.key === ui.person ? " active" : ""),
      "data-person": p.key, onclick: () => { ui.person = p.key; $("commands").hidden = true; render(); } },
    unread > 0 ? el("span", { class: "badge", text: String(unread) }) : null,
    el("strong", { text: p.name }), el("span", { class: "role", text: p.role }));
  }));

  const p = person();
  const chat = chatOf(p);
  $("chats").replaceChildren(...p.chats.map((c) => el("button", { type: "button", "data-chat": c.id,
    class: c.id === chat.id ? "active" : "", onclick: () => { ui.chat[p.key] = c.id; render(); } }, c.title)));

  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40 || box.dataset.chat !== String(chat.id);
  const nodes = [];
  let album = null;
  for (const m of chat.messages) {
    if (m.photo && m.album && album && album.dataset.album === m.album) {  // an album: one bubble, photos in a grid
      album.classList.add("album");
      album.append(...bubble(p, chat, m).childNodes);
      for (const caption of album.querySelectorAll(".text")) album.append(caption);  // captions below the photos
      continue;
    }
    const node = bubble(p, chat, m);
    album = m.album ? node : null;
    if (m.album) node.dataset.album = m.album;
    nodes.push(node);
    const kb = keyboard(p, chat, m);
    if (kb) nodes.push(kb);
  }
  if (!chat.messages.length && !chat.group) {
    nodes.push(el("div", { class: "empty" }, el("p", { text: t.empty }),
      el("button", { type: "button", id: "start", onclick: () => send("/start") }, t.start)));
  }
  box.replaceChildren(...nodes);
  box.dataset.chat = String(chat.id);
  box.dataset.stick = atBottom ? "1" : "";
  if (atBottom) box.scrollTop = box.scrollHeight;

  $("commands").replaceChildren(...p.commands.map((c) => el("button", { type: "button", "data-command": c.command,
    onclick: () => { $("commands").hidden = true; send("/" + c.command); } },
  el("b", { text: "/" + c.command }), c.description)));

  for (const q of s.persons) {
    const before = ui.toasts[q.key];
    ui.toasts[q.key] = q.toasts.length;
    if (before === undefined || q.key !== ui.person) continue;
    for (const toast of q.toasts.slice(before)) if (toast.text) show(toast);
  }
}

function stick() {
  const box = $("messages");
  if (box.dataset.stick) box.scrollTop = box.scrollHeight;
}

let toastTimer = 0;
function show(toast) {
  if (toast.alert) {
    $("alerttext").textContent = toast.text;
    $("alert").hidden = false;
    return;
  }
  $("toast").textContent = toast.text;
  $("toast").hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $("toast").hidden = true; }, 2500);
}

async function poll() {
  for (;;) {
    try {
      const res = await fetch("/api/state?after=" + encodeURIComponent(ui.version));
      if (!res.ok) throw new Error(String(res.status));
      ui.state = await res.json();
      ui.version = ui.state.version;
      render();
    } catch (err) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value.trim();
    if (text && ui.state) { send(text); $("text").value = ""; }
  });
  $("menu").addEventListener("click", () => { $("commands").hidden = !$("commands").hidden; });
  $("alertok").addEventListener("click", () => { $("alert").hidden = true; });
  for (const b of document.querySelectorAll("[data-hours]")) {
    b.addEventListener("click", async () => {
      b.disabled = true;
      try { await post("/api/clock", { hours: Number(b.dataset.hours) }); } finally { b.disabled = false; }
    });
  }
  poll();
});
