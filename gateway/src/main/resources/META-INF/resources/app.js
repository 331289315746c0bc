'use strict';
// TinyIM web client (PROTOCOL.md). What other people wrote is always put on the page with textContent,
// never as HTML. The timeline is the truth: pushes are shown at once, and a gap or a reconnect is healed
// with msg.sync from the last seq seen. Own messages show at once as "sending…", then "sent" with the
// server's seq, then "read" once the peer's read position passes them (7.3); a failed send keeps its
// clientMsgId, so "Retry" cannot store it twice.

const $ = (id) => document.getElementById(id);
const KICK_REASONS = {
  same_device_login: 'You were signed out: this account signed in on another web browser.',
  logout: 'You are logged out.',
  replaced: 'This session was opened again elsewhere (another tab?).',
};
const state = {
  token: null, me: null, ws: null, nextId: 0, pending: new Map(),
  lastSeq: 0, backoff: 500, ended: false, syncing: null, countdown: null,
  names: new Map(), groups: new Map(), convs: new Map(), current: null, oldest: null, hasMore: false,
  refreshTimer: null, groupsTimer: null, typingTimer: null, typingSentAt: 0,
  peerRead: new Map(), presence: new Map(), editing: null,
};
const RECALL_WINDOW_MS = 120 * 1000; // tinyim.chat.recall-window's default (PROTOCOL.md 7.4)
const EDIT_WINDOW_MS = 24 * 3600 * 1000; // tinyim.chat.edit-window's default
const PAGE = 30;

// ---------------------------------------------------------------- plumbing
function show(e, visible) { e.hidden = !visible; }
function banner(text) { $('banner').textContent = text || ''; show($('banner'), !!text); }
function notice(text) { // a passing notice: gone after a few seconds unless something else replaced it
  banner(text);
  setTimeout(() => { if ($('banner').textContent === text) banner(''); }, 6000);
}
function appError(e) { // a toast that stays 8 s unless something replaced it
  const text = e ? (e.message || String(e)) : '';
  $('app-error').textContent = text;
  if (text) setTimeout(() => { if ($('app-error').textContent === text) $('app-error').textContent = ''; }, 8000);
}
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
function clientMsgId() {
  return (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));
}
function pairConversation(a, b) {
  const [x, y] = [BigInt(a), BigInt(b)];
  return 'p:' + (x < y ? x : y) + ':' + (x < y ? y : x);
}
function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
function hue(key) { // FNV-1a: neighbouring ids get far-apart colours
  let h = 0x811c9dc5;
  for (const c of String(key)) h = Math.imul(h ^ c.codePointAt(0), 16777619);
  return (h >>> 0) % 360;
}
function initials(name) {
  const parts = String(name || '?').match(/[\p{L}\p{N}]+/gu) || ['?'];
  const letters = parts.length > 1 ? [Array.from(parts[0])[0], Array.from(parts[1])[0]] : Array.from(parts[0] || '?').slice(0, 1);
  return letters.join('').toUpperCase();
}
function peerKey(peer) { return peer.type === 'group' ? 'g' + peer.id : peer.id; }
function avatar(key, name, options = {}) { // initials on a colour derived from the id; a presence dot for people
  const a = el('span', 'avatar' + (options.small ? ' small' : '') + (options.group ? ' group' : ''), initials(name));
  a.style.setProperty('--hue', hue(key));
  a.setAttribute('aria-hidden', 'true');
  if (options.presenceOf) a.append(presenceDot(options.presenceOf));
  return a;
}
function clock(ms) { return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }
function dayKey(ms) { const d = new Date(ms); return d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate(); }
function dayLabel(ms) {
  const today = new Date(); today.setHours(0, 0, 0, 0);
  const d = new Date(ms); d.setHours(0, 0, 0, 0);
  const days = Math.round((today - d) / 86400000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  const o = { weekday: 'short', day: 'numeric', month: 'short' };
  if (d.getFullYear() !== today.getFullYear()) o.year = 'numeric';
  return d.toLocaleDateString([], o);
}
function shortWhen(ms) { return dayKey(ms) === dayKey(Date.now()) ? clock(ms) : new Date(ms).toLocaleDateString([], { day: 'numeric', month: 'short' }); }

async function rest(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(path, { method: 'POST', headers, body: body ? JSON.stringify(body) : undefined });
  if (r.status === 204) return {};
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.error ? j.error.message + ' (' + j.error.code + ')' : 'HTTP ' + r.status);
  return j;
}

function cmd(type, data = {}) {
  return new Promise((resolve, reject) => {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) { reject(new Error('not connected')); return; }
    const id = 'w' + (++state.nextId);
    state.pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ type, id, data }));
  });
}

// ---------------------------------------------------------------- connection, shown as it is
function setConnection(kind, text) {
  $('connection').className = kind;
  $('connection').textContent = text;
}

async function connect() {
  setConnection('connecting', 'connecting…');
  let url;
  try {
    const r = await fetch('/api/v1/dispatch');
    if (!r.ok) throw new Error('no gateway available');
    url = (await r.json()).url;
  } catch (e) { scheduleReconnect('No server available; retrying.'); return; }
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = async () => {
    try {
      const auth = await cmd('auth', { token: state.token });
      state.backoff = 500;
      setConnection('online', 'online');
      banner('');
      if (state.lastSeq === 0) state.lastSeq = auth.maxSeq; // lists and history come from conv.list / msg.history
      await syncTimeline();
      await refreshAll();
    } catch (e) { appError(e); }
  };
  ws.onmessage = (event) => onFrame(JSON.parse(event.data));
  ws.onclose = (event) => { if (state.ws === ws) onClose(event.code); };
}

function onClose(code) {
  setConnection('offline', 'offline');
  state.pending.forEach((p) => p.reject(new Error('connection closed (' + code + ')')));
  state.pending.clear();
  if (state.ended) return;
  if (code === 4001 || code === 4003) { signedOut(code === 4003 ? 'Your session is no longer valid; please log in again.' : 'You were signed out.'); return; }
  scheduleReconnect(code === 1012 ? 'The server is restarting.' : 'The connection was lost.');
}

function scheduleReconnect(why) { // exponential backoff with jitter, and a countdown that says when
  const delay = state.backoff + Math.random() * state.backoff / 2;
  state.backoff = Math.min(state.backoff * 2, 30000);
  const at = Date.now() + delay;
  const tick = () => {
    const s = Math.ceil((at - Date.now()) / 1000);
    setConnection('reconnecting', s > 0 ? 'reconnecting in ' + s + ' s' : 'reconnecting…');
  };
  banner(why + ' Reconnecting…');
  clearInterval(state.countdown);
  tick();
  state.countdown = setInterval(tick, 250);
  setTimeout(() => { clearInterval(state.countdown); if (!state.ended) connect(); }, delay);
}

function onFrame(f) {
  if (f.type === 'result') {
    const p = state.pending.get(f.id);
    if (p) {
      state.pending.delete(f.id);
      if (f.ok) p.resolve(f.data); else p.reject(new Error(f.error.message + ' (' + f.error.code + ')'));
    }
    return;
  }
  switch (f.type) {
    case 'msg': onMessage(f.data); break;
    case 'friend.request': notice('Friend request from ' + f.data.from.username); refreshRequests(); break;
    case 'friend.accepted': notice(f.data.friend.username + ' accepted your friend request'); refreshFriends(); refreshRequests(); break;
    case 'friend.rejected': refreshRequests(); break;
    case 'conv.read': scheduleConversationRefresh(); break;
    case 'conv.updated': onConversationSettings(f.data); scheduleConversationRefresh(); break;
    case 'typing': onTyping(f.data); break;
    case 'conv.peer_read': onPeerRead(f.data); break;
    case 'presence': onPresence(f.data); break;
    case 'kicked': state.ended = true; signedOut(KICK_REASONS[f.data.reason] || 'You were signed out (' + f.data.reason + ').'); break;
    case 'reconnect': banner('The server is restarting; reconnecting…'); break;
    default: break;
  }
}

// ---------------------------------------------------------------- timeline
function onMessage(m) {
  if (m.seq <= state.lastSeq) return; // already seen
  if (m.seq > state.lastSeq + 1) { syncTimeline(); return; } // missed something: sync is the truth
  state.lastSeq = m.seq;
  arrived(m);
  scheduleConversationRefresh();
}

function arrived(m) {
  if (m.content.type === 'system') scheduleGroupsRefresh(); // a member count, a name or an owner changed
  showIfCurrent(m);
}

function syncTimeline() {
  if (state.syncing) return state.syncing;
  state.syncing = (async () => {
    try {
      let page;
      do {
        page = await cmd('msg.sync', { afterSeq: state.lastSeq, limit: 500 });
        page.messages.forEach((m) => { if (m.seq === state.lastSeq + 1) { state.lastSeq = m.seq; arrived(m); } });
      } while (page.hasMore);
      if (state.lastSeq > 0) await cmd('msg.ack', { seq: state.lastSeq });
      scheduleConversationRefresh();
    } catch (e) { /* a reconnect syncs again */ } finally { state.syncing = null; }
  })();
  return state.syncing;
}

function showIfCurrent(m) {
  if (!state.current || m.conversationId !== state.current.conversationId) return;
  if (m.content.type === 'recall' || m.content.type === 'edit') { amendShown(m.content); return; }
  if (m.from !== state.me.userId) hideTyping(); // the message they were typing arrived
  const follow = nearBottom();
  placeMessage(m);
  if (follow || m.from === state.me.userId) scrollToBottom();
  markRead(m.conversationId, m.seq);
}

// The read position moves on the server; the list follows from the result (a list fetched a moment before
// would otherwise keep counting the message as unread).
function markRead(conversationId, seq) {
  return cmd('conv.read', { conversationId, seq }).then((r) => {
    const known = state.convs.get(conversationId);
    if (known) Object.assign(known, { readSeq: r.readSeq, unread: r.unread });
    scheduleConversationRefresh();
  }, () => {});
}

const SYSTEM_EVENTS = {
  member_joined: () => ' joined the group',
  member_left: () => ' left the group',
  member_removed: () => ' was removed from the group',
  group_renamed: (c) => ' renamed the group to "' + c.name + '"',
  owner_changed: () => ' is now the owner',
};
function systemText(c) { return (SYSTEM_EVENTS[c.event] || (() => ' (' + c.event + ')'))(c); }

// ---------------------------------------------------------------- messages on the page
function nearBottom() { const s = $('scroller'); return s.scrollHeight - s.scrollTop - s.clientHeight < 80; }
function scrollToBottom() { const s = $('scroller'); s.scrollTop = s.scrollHeight; }
function isGroupOpen() { return !!state.current && state.current.peer.type === 'group'; }
function findMessage(attribute, value) { return $('messages').querySelector('li.msg[' + attribute + '="' + CSS.escape(String(value)) + '"]'); }

function messageElement(m) {
  const mine = m.from === state.me.userId;
  const li = el('li', 'msg');
  li.dataset.from = m.from;
  li.dataset.sentAt = m.sentAt;
  if (m.clientMsgId) li.dataset.clientMsgId = m.clientMsgId;
  const bubble = el('div', 'bubble');
  if (m.content.type === 'system') {
    li.classList.add('system');
    const who = el('span', 'who', 'user ' + m.content.userId);
    nameInto(who, m.content.userId);
    bubble.append(who, document.createTextNode(systemText(m.content)), el('span', 'time', ' · ' + clock(m.sentAt)));
    li.append(bubble);
    return li;
  }
  if (mine) li.classList.add('mine');
  if (isGroupOpen() && !mine) { // groups: who said it, with an initials avatar
    const slot = el('span', 'avatar-slot');
    const from = el('span', 'from', 'user ' + m.from);
    from.style.setProperty('--hue', hue(m.from));
    nameOf(m.from).then((name) => { from.textContent = name; slot.replaceChildren(avatar(m.from, name, { small: true })); });
    li.append(slot);
    bubble.append(from);
  }
  const meta = el('div', 'meta');
  meta.append(el('span', 'edited'), el('time', 'time', clock(m.sentAt)));
  if (mine && state.current.peer.type === 'user') meta.append(el('span', 'status'));
  bubble.append(el('span', 'text'), meta);
  if (mine) bubble.onclick = (e) => { if (e.target.tagName !== 'BUTTON') li.classList.toggle('selected'); }; // touch: shows Edit/Recall
  li.append(bubble);
  showContent(li, m.content, m.editedAt);
  return li;
}

function setSeq(li, m) { // the server's identity of a shown message: its seq, msgId and time
  li.dataset.seq = m.seq;
  li.dataset.msgId = m.msgId;
  li.dataset.sentAt = m.sentAt;
  li.classList.remove('pending');
  const time = li.querySelector('time.time');
  if (time) time.textContent = clock(m.sentAt);
  if (li.classList.contains('mine') && m.content.type === 'text' && !li.querySelector('button.amend')) addAmendButtons(li, m.sentAt);
  setStatus(li, 'sent');
}

function setStatus(li, status) {
  const s = li.querySelector('.status');
  if (!s) return;
  const upTo = state.current ? state.peerRead.get(state.current.conversationId) || 0 : 0;
  if (status === 'sent' && li.dataset.seq && Number(li.dataset.seq) <= upTo) status = 'read';
  s.className = 'status ' + status;
  s.textContent = { sending: 'sending…', sent: 'sent', read: 'read', failed: 'not sent' }[status];
  s.setAttribute('aria-label', { sending: 'sending', sent: 'sent', read: 'read by them', failed: 'not sent' }[status]);
}

// A message from history, sync or a push goes where its seq says; one's own message that is still shown as
// "sending…" is completed in place (same clientMsgId), not shown twice.
function placeMessage(m) {
  if (m.content.type === 'recall' || m.content.type === 'edit') return; // history: already shown on the message
  if (findMessage('data-seq', m.seq)) return;
  let li = m.clientMsgId && m.from === state.me.userId ? findMessage('data-client-msg-id', m.clientMsgId) : null;
  if (li) li.remove(); else li = messageElement(m);
  setSeq(li, m);
  insertBySeq(li);
  decorate();
}

function insertBySeq(li) {
  const seq = Number(li.dataset.seq);
  const later = Array.from($('messages').querySelectorAll('li.msg')).find((o) => !o.dataset.seq || Number(o.dataset.seq) > seq);
  $('messages').insertBefore(li, later || null);
}

// Day separators, the "new messages" marker and runs of one sender are derived from the messages shown,
// so paging in older history or a late result keeps them right.
function decorate() {
  const list = $('messages');
  list.querySelectorAll('li.day, li.new-marker').forEach((x) => x.remove());
  let lastDay = null; let lastFrom = null; let lastAt = 0; let marked = false;
  const firstUnreadAfter = state.current ? state.current.unreadAfter : null;
  list.querySelectorAll('li.msg').forEach((li) => {
    const at = Number(li.dataset.sentAt);
    const day = dayKey(at);
    if (day !== lastDay) { list.insertBefore(el('li', 'day', dayLabel(at)), li); lastDay = day; lastFrom = null; }
    if (!marked && firstUnreadAfter !== null && li.dataset.seq && Number(li.dataset.seq) > firstUnreadAfter
        && li.dataset.from !== state.me.userId) {
      const marker = el('li', 'new-marker', 'New messages');
      marker.setAttribute('role', 'separator');
      list.insertBefore(marker, li);
      marked = true; lastFrom = null;
    }
    const system = li.classList.contains('system');
    li.classList.toggle('cont', !system && li.dataset.from === lastFrom && at - lastAt < 5 * 60000);
    lastFrom = system ? null : li.dataset.from; lastAt = at;
  });
  showReadStatus();
}

// recall and edit (PROTOCOL.md 7.4): one's own text messages, within the windows
function showContent(li, content, editedAt) {
  const recalled = content.type === 'recalled';
  li.classList.toggle('recalled', recalled);
  li.querySelector('.text').textContent = recalled ? 'message recalled' : content.text;
  li.querySelector('.edited').textContent = !recalled && editedAt ? 'edited' : '';
  if (recalled) li.querySelectorAll('button.amend').forEach((b) => b.remove());
}
function amendShown(c) {
  const li = findMessage('data-msg-id', c.msgId);
  if (!li) return;
  if (c.type === 'recall') showContent(li, { type: 'recalled' }, 0); else showContent(li, { type: 'text', text: c.text }, 1);
}
function addAmendButtons(li, sentAt) {
  const age = Date.now() - sentAt;
  const meta = li.querySelector('.meta');
  if (age < EDIT_WINDOW_MS) {
    const edit = el('button', 'amend edit', 'Edit');
    edit.type = 'button';
    edit.setAttribute('aria-label', 'Edit this message');
    edit.onclick = () => startEditing(li);
    meta.prepend(edit);
  }
  if (age < RECALL_WINDOW_MS) {
    const recall = el('button', 'amend recall', 'Recall');
    recall.type = 'button';
    recall.setAttribute('aria-label', 'Recall this message');
    recall.onclick = async () => {
      try { await cmd('msg.recall', { msgId: li.dataset.msgId }); showContent(li, { type: 'recalled' }, 0); appError(null); } catch (e) { appError(e); }
    };
    setTimeout(() => recall.remove(), RECALL_WINDOW_MS - age);
    meta.prepend(recall);
  }
}
function startEditing(li) { // the text goes back into the box; sending it saves the edit
  state.editing = li;
  $('text').value = li.querySelector('.text').textContent;
  $('send').textContent = 'Save';
  show($('editing'), true);
  $('text').focus();
}
function stopEditing() { state.editing = null; $('send').textContent = 'Send'; show($('editing'), false); }

// presence (PROTOCOL.md 7.1): a dot on friends and 1:1 conversations, kept current by presence events
function onPresence(p) { state.presence.set(p.userId, p); showPresence(); }
async function loadPresence(userIds) {
  for (let i = 0; i < userIds.length; i += 200) {
    try {
      const { presence } = await cmd('presence.get', { userIds: userIds.slice(i, i + 200) });
      presence.forEach((p) => state.presence.set(p.userId, p));
    } catch (e) { /* shown as unknown */ }
  }
  showPresence();
}
function presenceText(p) {
  if (!p) return '';
  if (p.online) return 'online';
  return p.lastSeenAt ? 'last seen ' + dayLabel(p.lastSeenAt).replace('Today', 'today').replace('Yesterday', 'yesterday') + ' at ' + clock(p.lastSeenAt) : 'offline';
}
function showPresence() {
  document.querySelectorAll('[data-presence-of]').forEach((dot) => {
    const p = state.presence.get(dot.dataset.presenceOf);
    dot.classList.toggle('online', !!(p && p.online));
    dot.title = p && p.online ? 'online (' + p.devices.join(', ') + ')' : presenceText(p);
  });
  showPeerSubtitle();
}
function presenceDot(userId) {
  const dot = el('span', 'dot');
  dot.dataset.presenceOf = userId;
  return dot;
}

// read receipts (PROTOCOL.md 7.3): "read" on one's own 1:1 messages up to the peer's read position
function showReadStatus() {
  if (!state.current || state.current.peer.type !== 'user') return;
  document.querySelectorAll('#messages li.mine[data-seq] .status.sent').forEach((s) => setStatus(s.closest('li'), 'sent'));
}
function onPeerRead(d) {
  state.peerRead.set(d.conversationId, Math.max(state.peerRead.get(d.conversationId) || 0, d.seq));
  showReadStatus();
}

async function nameInto(span, userId) { span.textContent = await nameOf(userId); }
async function nameOf(userId) {
  if (userId === state.me.userId) return state.me.username;
  if (!state.names.has(userId)) {
    try { const p = await cmd('user.get', { userId }); state.names.set(userId, p.nickname); } catch (e) { return 'user ' + userId; }
  }
  return state.names.get(userId);
}

// ---------------------------------------------------------------- the lists
async function refreshAll() {
  await Promise.all([refreshFriends(), refreshRequests(), refreshGroups()]);
  await refreshConversations();
}
function scheduleConversationRefresh() { clearTimeout(state.refreshTimer); state.refreshTimer = setTimeout(refreshConversations, 100); }
function scheduleGroupsRefresh() {
  clearTimeout(state.groupsTimer);
  state.groupsTimer = setTimeout(() => refreshGroups().then(showGroupAdmin).catch(() => {}), 100);
}

// One row: a button that opens it (so it is reachable and usable by keyboard) and what belongs beside it.
function row(search, opener, label, parts) {
  const li = el('li');
  li.dataset.search = search.toLowerCase();
  const open = el('button', 'open');
  open.type = 'button';
  open.setAttribute('aria-label', label);
  open.append(...parts);
  open.onclick = opener;
  li.append(open);
  return li;
}
function rowText(name, preview) {
  const t = el('span', 'text');
  t.append(el('span', 'name', name), el('span', 'preview', preview));
  return t;
}

async function refreshConversations() {
  let data;
  try { data = await cmd('conv.list', { limit: 100 }); } catch (e) { return; }
  const items = await Promise.all(data.conversations.map(async (c) => {
    state.convs.set(c.conversationId, c);
    const group = c.peer.type === 'group';
    const title = group ? groupName(c.peer.id) : await nameOf(c.peer.id);
    const last = c.lastMessage || { from: '0', content: { type: 'text', text: '' }, sentAt: Date.now() };
    let preview = last.content.type === 'system' ? (await nameOf(last.content.userId)) + systemText(last.content)
      : last.content.type === 'recalled' ? 'message recalled' : last.content.text || '';
    if (last.from === state.me.userId && last.content.type !== 'system') preview = 'You: ' + preview;
    const side = el('span', 'side');
    const flags = el('span', 'flags');
    if (c.pinned) flags.append(el('span', 'mark pinned', 'pinned'));
    if (c.muted) flags.append(el('span', 'mark muted', 'muted'));
    if (c.unread > 0) flags.append(el('span', c.muted ? 'badge quiet' : 'badge', String(c.unread)));
    side.append(el('span', 'when', shortWhen(last.sentAt)), flags);
    const label = title + (c.unread > 0 ? ', ' + plural(c.unread, 'unread message') : '') + (c.pinned ? ', pinned' : '') + (c.muted ? ', muted' : '');
    const li = row(title + ' ' + preview, () => openConversation(c.conversationId, c.peer, title), label,
      [avatar(peerKey(c.peer), title, group ? { group: true } : { presenceOf: c.peer.id }), rowText(title, preview), side]);
    li.dataset.conversation = c.conversationId;
    if (state.current && state.current.conversationId === c.conversationId) li.classList.add('active');
    if (c.peerReadSeq !== undefined) onPeerRead({ conversationId: c.conversationId, seq: c.peerReadSeq });
    return li;
  }));
  $('conversations').replaceChildren(...items);
  if (state.current) showSettings();
  showPresence();
  applySearch();
}

async function refreshFriends() {
  const [{ friends }, { users }] = await Promise.all([cmd('friend.list'), cmd('user.blocked')]);
  const blocked = new Set(users.map((u) => u.userId));
  $('friends').replaceChildren(...friends.map((f) => {
    state.names.set(f.userId, f.nickname);
    const name = f.nickname;
    const li = row(f.nickname + ' ' + f.username, () => openConversation(pairConversation(state.me.userId, f.userId), { type: 'user', id: f.userId }, name),
      'Chat with ' + name, [avatar(f.userId, name, { presenceOf: f.userId }), rowText(name, f.nickname === f.username ? '' : f.username)]);
    li.dataset.user = f.username;
    // blocking (PROTOCOL.md 7.6): they can no longer message you or see you typing; you still can
    const isBlocked = blocked.has(f.userId);
    li.classList.toggle('blocked', isBlocked);
    const button = el('button', 'block', isBlocked ? 'Unblock' : 'Block');
    button.type = 'button';
    button.setAttribute('aria-label', (isBlocked ? 'Unblock ' : 'Block ') + name);
    button.onclick = async () => {
      try { await cmd(isBlocked ? 'user.unblock' : 'user.block', { userId: f.userId }); appError(null); await refreshFriends(); } catch (err) { appError(err); }
    };
    li.append(button);
    return li;
  }));
  applySearch();
  loadPresence(friends.map((f) => f.userId));
}

async function refreshRequests() {
  const { incoming, outgoing } = await cmd('friend.requests');
  const items = incoming.map((r) => {
    const li = el('li', 'member');
    li.dataset.from = r.from.username;
    li.append(avatar(r.from.userId, r.from.username, { small: true }), rowText(r.from.username, r.remark || ''));
    const accept = el('button', 'accept', 'Accept');
    accept.setAttribute('aria-label', 'Accept the friend request from ' + r.from.username);
    accept.onclick = () => answer('friend.accept', r.requestId);
    const reject = el('button', 'reject', 'Reject');
    reject.setAttribute('aria-label', 'Reject the friend request from ' + r.from.username);
    reject.onclick = () => answer('friend.reject', r.requestId);
    li.append(accept, reject);
    return li;
  });
  outgoing.forEach((r) => items.push(el('li', 'outgoing', 'to ' + r.to.username + ' (waiting)')));
  if (!items.length) items.push(el('li', 'hint', 'none'));
  $('requests').replaceChildren(...items);
}

async function answer(type, requestId) {
  try { await cmd(type, { requestId }); appError(null); await Promise.all([refreshRequests(), refreshFriends()]); } catch (e) { appError(e); }
}

function groupName(groupId) { const g = state.groups.get(groupId); return g ? g.name : 'group #' + groupId; }
function groupFacts(groupId) { const g = state.groups.get(groupId); return '#' + groupId + (g ? ' · ' + plural(g.memberCount, 'member') : ''); }

async function refreshGroups() {
  const { groups } = await cmd('group.list');
  state.groups = new Map(groups.map((g) => [g.groupId, g]));
  $('groups').replaceChildren(...groups.map((g) => {
    const li = row(g.name + ' ' + g.groupId, () => openConversation('g:' + g.groupId, { type: 'group', id: g.groupId }, g.name),
      'Open the group ' + g.name + ', ' + plural(g.memberCount, 'member'),
      [avatar(peerKey({ type: 'group', id: g.groupId }), g.name, { group: true }), rowText(g.name, groupFacts(g.groupId))]);
    li.dataset.group = g.groupId;
    return li;
  }));
  applySearch();
  showPeerSubtitle();
}

// search as you type over conversations, friends and groups (names, usernames, last messages)
function applySearch() {
  const q = $('search').value.trim().toLowerCase();
  let shown = 0;
  ['conversations', 'friends', 'groups'].forEach((id) => $(id).querySelectorAll('li[data-search]').forEach((li) => {
    li.hidden = !!q && !li.dataset.search.includes(q);
    if (!li.hidden) shown++;
  }));
  show($('no-match'), !!q && shown === 0);
}

// ---------------------------------------------------------------- typing and conversation settings
function onTyping(d) { // "typing…" in the open conversation for about 5 s (PROTOCOL.md 7.2)
  if (!state.current || state.current.conversationId !== d.conversationId) return;
  const current = state.current;
  nameOf(d.userId).then((name) => {
    if (state.current !== current) return;
    $('typing').textContent = name + ' is typing…';
    show($('typing'), true);
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => show($('typing'), false), 5000);
  });
}
function hideTyping() { clearTimeout(state.typingTimer); show($('typing'), false); }
function onConversationSettings(c) {
  const known = state.convs.get(c.conversationId);
  state.convs.set(c.conversationId, Object.assign(known || {}, { conversationId: c.conversationId, muted: c.muted, pinned: c.pinned }));
  showSettings();
}
function showSettings() {
  if (!state.current) return;
  const s = state.convs.get(state.current.conversationId) || { muted: false, pinned: false };
  $('pin').textContent = s.pinned ? 'Unpin' : 'Pin';
  $('mute').textContent = s.muted ? 'Unmute' : 'Mute';
  $('pin').setAttribute('aria-pressed', String(!!s.pinned));
  $('mute').setAttribute('aria-pressed', String(!!s.muted));
  show($('pin'), true); show($('mute'), true);
}
async function toggleSetting(field) {
  const current = state.current;
  const s = state.convs.get(current.conversationId) || { muted: false, pinned: false };
  try {
    const c = await cmd('conv.update', { conversationId: current.conversationId, [field]: !s[field] });
    onConversationSettings(c); appError(null); scheduleConversationRefresh();
  } catch (err) { appError(err); }
}
function typingNow() { // at most one typing command every 2 s while the person types (the server throttles too)
  const now = Date.now();
  if (!state.current || now - (state.typingSentAt || 0) < 2000) return;
  state.typingSentAt = now;
  cmd('typing', { conversationId: state.current.conversationId }).catch(() => {});
}

// ---------------------------------------------------------------- a conversation
function showConversationPane(open) { // the open conversation's parts, or the "pick a conversation" placeholder
  [$('peer-bar'), $('scroller'), $('compose')].forEach((e) => show(e, open));
  show($('group-panel'), false);
  show($('empty'), !open);
}
function setPeerAvatar(peer, name) {
  $('peer-avatar').replaceWith(Object.assign(avatar(peerKey(peer), name,
    peer.type === 'group' ? { group: true } : { presenceOf: peer.id }), { id: 'peer-avatar' }));
}

function showPeerSubtitle() {
  if (!state.current) return;
  const { peer } = state.current;
  if (peer.type === 'group') {
    $('peer-title').textContent = groupName(peer.id);
    $('peer-sub').textContent = groupFacts(peer.id);
    setPeerAvatar(peer, groupName(peer.id));
  } else {
    $('peer-sub').textContent = presenceText(state.presence.get(peer.id));
  }
}

async function openConversation(conversationId, peer, title) {
  const known = state.convs.get(conversationId);
  // the first unread message gets a "New messages" marker while the conversation stays open (not when the
  // conversation that was open is opened again: its messages were read as they came)
  const reopened = !!state.current && state.current.conversationId === conversationId;
  const current = { conversationId, peer, title, unreadAfter: !reopened && known && known.unread > 0 ? known.readSeq : null };
  state.current = current;
  state.typingSentAt = 0;
  stopEditing();
  hideTyping();
  showSettings();
  state.oldest = null;
  state.hasMore = false;
  $('peer-title').textContent = title;
  $('peer-sub').textContent = '';
  setPeerAvatar(peer, title);
  showPresence();
  $('messages').replaceChildren();
  showConversationPane(true);
  $('show-members').setAttribute('aria-expanded', 'false');
  show($('show-members'), peer.type === 'group');
  showGroupAdmin();
  $('layout').className = 'conversation-open';
  document.querySelectorAll('#conversations li').forEach((li) => li.classList.toggle('active', li.dataset.conversation === conversationId));
  await loadOlder();
  // page further back (a few pages at most) until the first unread message is on the page
  for (let i = 0; i < 4 && current.unreadAfter !== null && state.hasMore && state.oldest > current.unreadAfter && state.current === current; i++) await loadOlder();
  if (state.current !== current) return; // another conversation was opened meanwhile
  const marker = $('messages').querySelector('li.new-marker');
  if (marker) $('scroller').scrollTop += marker.getBoundingClientRect().top - $('scroller').getBoundingClientRect().top - 40;
  else scrollToBottom();
  const newest = Array.from($('messages').querySelectorAll('li.msg[data-seq]')).pop();
  if (newest) await markRead(conversationId, Number(newest.dataset.seq));
  $('text').focus();
}

function closeConversation() { // back to the list (on a phone, the other screen); nothing more is marked read
  const active = document.querySelector('#conversations li.active .open');
  state.current = null;
  stopEditing();
  showConversationPane(false);
  document.querySelectorAll('#conversations li.active').forEach((li) => li.classList.remove('active'));
  $('layout').className = 'list-open';
  if (active) active.focus();
}

async function loadOlder() {
  const current = state.current;
  const request = { conversationId: current.conversationId, limit: PAGE };
  if (state.oldest !== null) request.beforeSeq = state.oldest;
  let page;
  try { page = await cmd('msg.history', request); } catch (e) { appError(e); return; }
  if (state.current !== current) return;
  const scroller = $('scroller');
  const fromBottom = scroller.scrollHeight - scroller.scrollTop; // keeps the place of what is on screen
  page.messages.forEach((m) => placeMessage(m));
  if (page.messages.length) state.oldest = page.messages[page.messages.length - 1].seq;
  state.hasMore = page.hasMore;
  show($('older'), page.hasMore);
  scroller.scrollTop = scroller.scrollHeight - fromBottom;
}

// ---------------------------------------------------------------- sending
async function sendText(text) {
  const current = state.current;
  const m = { clientMsgId: clientMsgId(), conversationId: current.conversationId, from: state.me.userId,
    to: current.peer, content: { type: 'text', text }, sentAt: Date.now() };
  const li = messageElement(m);
  li.classList.add('pending');
  setStatus(li, 'sending');
  $('messages').append(li);
  decorate();
  scrollToBottom();
  await deliver(li, m);
}

async function deliver(li, m) {
  li.querySelectorAll('button.retry').forEach((b) => b.remove());
  setStatus(li, 'sending');
  try {
    const r = await cmd('msg.send', { to: m.to, clientMsgId: m.clientMsgId, content: m.content });
    appError(null);
    if (r.seq === state.lastSeq + 1) state.lastSeq = r.seq; // else a sync fills in what came before it
    if (li.isConnected && !li.dataset.seq) {
      li.remove();
      setSeq(li, Object.assign({}, m, r));
      insertBySeq(li);
      decorate();
    }
    scheduleConversationRefresh();
  } catch (err) {
    appError(err);
    setStatus(li, 'failed');
    const retry = el('button', 'retry', 'Retry');
    retry.type = 'button';
    retry.setAttribute('aria-label', 'Send this message again');
    retry.onclick = () => deliver(li, m); // the same clientMsgId: stored at most once
    li.querySelector('.meta').append(retry);
  }
}

// ---------------------------------------------------------------- sign in and out
function signedIn(login, username) {
  state.token = login.token;
  state.me = { userId: login.userId, username };
  state.ended = false;
  state.lastSeq = 0;
  state.backoff = 500;
  $('me').textContent = username;
  $('me-avatar').replaceWith(Object.assign(avatar(login.userId, username), { id: 'me-avatar' }));
  $('auth-error').textContent = '';
  show($('login-view'), false);
  show($('app-view'), true);
  $('layout').className = 'list-open';
  connect();
}

function signedOut(message) {
  state.ended = true;
  clearInterval(state.countdown);
  if (state.ws) state.ws.close();
  state.ws = null;
  state.current = null;
  setConnection('offline', 'signed out');
  banner(message);
  show($('app-view'), false);
  show($('login-view'), true);
  showConversationPane(false);
}

$('auth-form').onsubmit = async (e) => {
  e.preventDefault();
  const username = $('username').value.trim();
  try { signedIn(await rest('/api/v1/auth/login', { username, password: $('password').value, deviceType: 'web' }), username); } catch (err) { $('auth-error').textContent = err.message; }
};
$('register').onclick = async () => {
  const username = $('username').value.trim();
  try {
    await rest('/api/v1/auth/register', { username, password: $('password').value });
    signedIn(await rest('/api/v1/auth/login', { username, password: $('password').value, deviceType: 'web' }), username);
  } catch (err) { $('auth-error').textContent = err.message; }
};
$('logout').onclick = async () => {
  state.ended = true;
  try { await rest('/api/v1/auth/logout', null, state.token); } catch (e) { /* the session may already be gone */ }
  signedOut('You are logged out.');
};

// ---------------------------------------------------------------- forms and keys
$('add-friend').onsubmit = async (e) => {
  e.preventDefault();
  try {
    const user = await cmd('user.find', { username: $('add-username').value.trim() });
    const data = { userId: user.userId };
    if ($('add-remark').value) data.remark = $('add-remark').value;
    await cmd('friend.request', data);
    $('add-username').value = ''; $('add-remark').value = '';
    appError(null);
    await refreshRequests();
  } catch (err) { appError(err); }
};
$('create-group').onsubmit = async (e) => {
  e.preventDefault();
  try { await cmd('group.create', { name: $('group-name').value }); $('group-name').value = ''; appError(null); await refreshGroups(); } catch (err) { appError(err); }
};
$('join-group').onsubmit = async (e) => {
  e.preventDefault();
  try { await cmd('group.join', { groupId: $('group-id').value.trim() }); $('group-id').value = ''; appError(null); await refreshGroups(); } catch (err) { appError(err); }
};
$('search').oninput = () => applySearch();
$('older').onclick = () => loadOlder();
$('back').onclick = () => closeConversation();
$('pin').onclick = () => toggleSetting('pinned');
$('mute').onclick = () => toggleSetting('muted');
$('cancel-edit').onclick = () => { stopEditing(); $('text').value = ''; };
$('text').oninput = () => typingNow();
$('text').onkeydown = (e) => { // Enter sends, Shift+Enter starts a new line
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('compose').requestSubmit(); }
};
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || $('app-view').hidden || e.target === $('search')) return;
  if (state.editing) { stopEditing(); $('text').value = ''; } else if ($('layout').className === 'conversation-open') closeConversation();
});
$('show-members').onclick = async () => {
  const open = $('group-panel').hidden;
  $('show-members').setAttribute('aria-expanded', String(open));
  if (!open) { show($('group-panel'), false); return; }
  try { await showMembers(); } catch (err) { appError(err); }
};
$('rename-group').onsubmit = async (e) => {
  e.preventDefault();
  try {
    await cmd('group.update', { groupId: state.current.peer.id, name: $('rename-name').value });
    $('rename-name').value = ''; appError(null); await refreshGroups();
  } catch (err) { appError(err); }
};

// group administration (PROTOCOL.md 7.5): the owner renames, removes members and hands the group over
function isOwnerOfCurrent() {
  if (!isGroupOpen()) return false;
  const g = state.groups.get(state.current.peer.id);
  return !!g && g.ownerId === state.me.userId;
}
function showGroupAdmin() { show($('rename-group'), isOwnerOfCurrent()); showPeerSubtitle(); }
async function showMembers() {
  const groupId = state.current.peer.id;
  const { members } = await cmd('group.members', { groupId });
  const owner = isOwnerOfCurrent();
  const g = state.groups.get(groupId);
  $('members').replaceChildren(...members.map((m) => {
    const li = el('li', 'member');
    li.dataset.member = m.username;
    li.append(avatar(m.userId, m.nickname, { small: true, presenceOf: m.userId }), el('span', 'name', m.nickname === m.username ? m.username : m.nickname + ' (' + m.username + ')'));
    if (g && g.ownerId === m.userId) li.append(el('span', 'mark', 'owner'));
    if (owner && m.userId !== state.me.userId) {
      const remove = el('button', 'remove', 'Remove');
      remove.setAttribute('aria-label', 'Remove ' + m.nickname + ' from the group');
      remove.onclick = () => administer('group.remove', { groupId, userId: m.userId });
      const transfer = el('button', 'transfer', 'Make owner');
      transfer.setAttribute('aria-label', 'Make ' + m.nickname + ' the owner');
      transfer.onclick = () => administer('group.transfer', { groupId, userId: m.userId });
      li.append(remove, transfer);
    }
    return li;
  }));
  show($('group-panel'), true);
  showPresence();
}
async function administer(type, data) {
  try { await cmd(type, data); appError(null); await refreshGroups(); showGroupAdmin(); await showMembers(); } catch (err) { appError(err); }
}
$('compose').onsubmit = async (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim()) return;
  if (state.editing) {
    const li = state.editing;
    try { await cmd('msg.edit', { msgId: li.dataset.msgId, text }); showContent(li, { type: 'text', text }, 1); $('text').value = ''; appError(null); } catch (err) { appError(err); }
    stopEditing();
    return;
  }
  $('text').value = '';
  await sendText(text);
};
