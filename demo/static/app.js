// The demo's chat page: renders what the bot sent the way Telegram does, and sends what a person types or
// presses. Every text is put into the page with textContent (never innerHTML), so nothing can inject markup.
"use strict";

const $ = (id) => document.getElementById(id);
// seen: person -> chat -> the newest message id read there; kept per tab and demo, so a reload goes on as it was
const ui = { person: "citizen", chat: {}, seen: {}, ready: false, toasts: {}, state: null, version: "",
  inbox: false, mail: 0, seenMail: 0 };
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
  return res;
}

// --- what the page remembers across a reload: the open person and chats, and what was read ---------------
const memoryKey = () => "actionbot-demo:" + ui.state.instance;
function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(memoryKey()) || "null");
    if (saved && typeof saved === "object") {
      ui.person = ui.state.persons.some((p) => p.key === saved.person) ? saved.person : ui.person;
      ui.chat = saved.chat || {};
      ui.seen = saved.seen || {};
      ui.inbox = saved.inbox === true;
      ui.mail = Number(saved.mail) || 0;
      ui.seenMail = Number(saved.seenMail) || 0;
      ui.ready = true;
    }
  } catch (err) { console.warn("page memory", err); }
}
function remember() {
  try {
    sessionStorage.setItem(memoryKey(), JSON.stringify({ person: ui.person, chat: ui.chat, seen: ui.seen, inbox: ui.inbox,
      mail: ui.mail, seenMail: ui.seenMail }));
  } catch (err) { console.warn("page memory", err); }
}

const lastId = (c) => c.messages.reduce((n, m) => Math.max(n, m.id), 0);
const seenIn = (p, c) => (ui.seen[p.key] || {})[c.id] ?? 0;
const unreadIn = (p, c) => c.messages.filter((m) => !m.mine && m.id > seenIn(p, c)).length;
function markRead(p, c) { (ui.seen[p.key] ||= {})[c.id] = Math.max(seenIn(p, c), lastId(c)); }

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (all, k) => (k in values ? String(values[k]) : all));
}
let noteTimer = 0;
function note(text) {
  $("note").textContent = text;
  $("note").hidden = false;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => { $("note").hidden = true; }, 12000);
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
  if (m.voice) box.append(el("audio", { class: "voice", controls: "", preload: "none", src: m.voice }));
  if (m.document) {
    const kb = Math.max(1, Math.round(m.document.size / 1024));
    box.append(el("div", { class: "doc" }, el("span", { class: "icon", text: "📄" }),
      el("div", {}, el("strong", { text: m.document.name }), el("br"),
        el("a", { href: m.document.url, download: m.document.name, class: "download" }, `${t.download} · ${kb} KB`))));
  }
  if (m.text) box.append(el("div", { class: "text" }, rich(m.text, m.entities)));
  const meta = [m.edited ? t.edited : "", m.time || ""].filter(Boolean).join(" · ");
  if (meta) box.append(el("span", { class: "meta", title: m.at || "", text: meta }));
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
  $("attach").title = t.attach;
  $("attach").setAttribute("aria-label", t.attach);
  $("text").placeholder = t.placeholder;
  $("alertok").textContent = t.ok;

  if (!ui.ready) {  // the first view: what is there already counts as read
    for (const q of s.persons) for (const c of q.chats) markRead(q, c);
    ui.seenMail = s.inbox.mails.reduce((n, m) => Math.max(n, m.id), 0);
    ui.ready = true;
  }
  const p = person();
  const chat = chatOf(p);
  if (!ui.inbox) markRead(p, chat);
  const people = $("people");
  people.replaceChildren(...s.persons.map((q) => {
    const unread = q.chats.reduce((n, c) => n + unreadIn(q, c), 0);
    return el("button", { type: "button", class: "person" + (q.key === ui.person && !ui.inbox ? " active" : ""),
      "data-person": q.key, onclick: () => openPerson(q) },
    unread > 0 ? el("span", { class: "badge", title: t.unread, text: String(unread) }) : null,
    el("strong", { text: q.name }), el("span", { class: "role", text: q.role }));
  }), inboxButton());
  $("chat").hidden = ui.inbox;
  $("inbox").hidden = !ui.inbox;
  if (ui.inbox) renderInbox();

  $("chats").replaceChildren(...p.chats.map((c) => {
    const unread = unreadIn(p, c);
    return el("button", { type: "button", "data-chat": c.id, class: c.id === chat.id ? "active" : "",
      onclick: () => { ui.chat[p.key] = c.id; render(); } }, c.title,
    unread > 0 ? el("span", { class: "badge", title: t.unread, text: String(unread) }) : null);
  }));

  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40 || box.dataset.chat !== String(chat.id);
  const nodes = [];
  let album = null;
  let day = "";
  for (const m of chat.messages) {
    if (m.day && m.day !== day) {  // a line with the date where a new day begins, as in Telegram
      day = m.day;
      nodes.push(el("div", { class: "day" }, el("span", { text: m.day })));
      album = null;
    }
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
  remember();
}

// --- the Posteingang: e-mails the town hall's contact (no Telegram) received; their links open the answer page --
function inboxButton() {
  const s = ui.state;
  const t = s.texts;
  const unread = ui.inbox ? 0 : s.inbox.mails.filter((m) => m.id > ui.seenMail).length;
  return el("button", { type: "button", class: "person inbox" + (ui.inbox ? " active" : ""), "data-person": "inbox",
    onclick: () => { ui.inbox = true; $("commands").hidden = true; render(); } },
  unread > 0 ? el("span", { class: "badge", title: t.unread, text: String(unread) }) : null,
  el("strong", { text: t.inbox_name }), el("span", { class: "role", text: t.inbox_role }));
}

function renderInbox() {
  const s = ui.state;
  const t = s.texts;
  const mails = s.inbox.mails;
  ui.seenMail = mails.reduce((n, m) => Math.max(n, m.id), ui.seenMail);
  const open = mails.find((m) => m.id === ui.mail) || mails[0];
  $("mails").replaceChildren(el("div", { class: "day" }, el("span", { text: `${t.inbox_title} · ${s.inbox.address}` })),
    ...mails.map((m) => el("button", { type: "button", "data-mail": m.id, class: open && m.id === open.id ? "active" : "",
      onclick: () => { ui.mail = m.id; render(); } }, el("strong", { text: m.subject }),
    el("span", { class: "sub", text: `${m.from} · ${m.at || ""}` }))));
  if (!open) {
    $("mail").replaceChildren(el("p", { class: "empty", text: t.inbox_empty }));
    return;
  }
  $("mail").replaceChildren(el("h2", { text: open.subject }),
    el("div", { class: "head" }, el("div", { text: `${t.inbox_from}: ${open.from}` }),
      el("div", { text: `${t.inbox_to}: ${open.to}` }), el("div", { text: open.at || "" })),
    open.link ? el("a", { class: "open", id: "open-answer", href: open.link, target: "_blank", rel: "noopener noreferrer" },
      t.inbox_open) : "",  // replaceChildren would print a null as the word "null"
    el("div", { class: "body" }, plain(open.text, true)));
}

function openPerson(q) {
  ui.inbox = false;
  ui.person = q.key;
  $("commands").hidden = true;
  $("note").hidden = true;
  const open = q.chats.find((c) => c.id === ui.chat[q.key]) || q.chats[0];
  if (!unreadIn(q, open)) {  // the badge leads to where the unread messages are (a group, say)
    const waiting = q.chats.find((c) => unreadIn(q, c) > 0);
    if (waiting) ui.chat[q.key] = waiting.id;
  }
  render();
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
      const first = ui.state === null;
      ui.state = await res.json();
      ui.version = ui.state.version;
      if (first) restore();
      render();
    } catch (err) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

// --- the composer: Enter sends, Shift+Enter makes a new line; nothing over Telegram's limit is cut silently ---
function submitText() {
  const box = $("text");
  const text = box.value.trim();
  if (!text || !ui.state) return;
  const limit = ui.state.limits.text;
  if (text.length > limit) { note(fill(ui.state.texts.too_long, { length: text.length, limit })); return; }
  send(text);
  box.value = "";
  grow();
}

function grow() {
  const box = $("text");
  box.style.height = "auto";
  box.style.height = Math.min(box.scrollHeight + 2, 160) + "px";
  box.style.overflowY = box.scrollHeight + 2 > 160 ? "auto" : "hidden";
}

function onPaste(e) {
  if (!ui.state) return;
  const box = $("text");
  const pasted = (e.clipboardData || window.clipboardData).getData("text");
  const length = box.value.length - (box.selectionEnd - box.selectionStart) + pasted.length;
  const limit = ui.state.limits.text;
  if (length > limit) {
    e.preventDefault();
    note(fill(ui.state.texts.paste_too_long, { length, limit }));
  }
}

function upload(file) {
  const s = ui.state;
  const p = person();
  const kind = /^image\/(jpeg|png|webp|gif)$/.test(file.type) ? "photo" : "document";
  const limit = kind === "photo" ? s.limits.photo : s.limits.document;
  const caption = $("text").value.trim();
  if (file.size > limit) { note(fill(s.texts.file_too_large, { name: file.name, limit: limit / 1048576 })); return; }
  if (caption.length > s.limits.caption) {
    note(fill(s.texts.caption_too_long, { length: caption.length, limit: s.limits.caption }));
    return;
  }
  const chat = chatOf(p).id;
  const reader = new FileReader();
  reader.onload = () => {
    const data = String(reader.result).split(",", 2)[1] || "";
    post("/api/upload", { person: p.key, chat, kind, name: file.name, mime: file.type, caption, data });
    $("text").value = "";
    grow();
  };
  reader.readAsDataURL(file);
}

document.addEventListener("DOMContentLoaded", () => {
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); submitText(); });
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitText(); }
  });
  $("text").addEventListener("input", () => { $("note").hidden = true; grow(); });
  grow();
  $("text").addEventListener("paste", onPaste);
  $("attach").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    if (file && ui.state) upload(file);
    $("file").value = "";
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
