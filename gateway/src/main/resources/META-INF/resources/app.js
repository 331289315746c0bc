'use strict';
// TinyIM web client (PROTOCOL.md). What other people wrote is always put on the page with textContent,
// never as HTML. The timeline is the truth: pushes are shown at once, and a gap or a reconnect is healed
// with msg.sync from the last seq seen.

const $ = (id) => document.getElementById(id);
const KICK_REASONS = {
  same_device_login: 'You were signed out: this account signed in on another web browser.',
  logout: 'You are logged out.',
  replaced: 'This session was opened again elsewhere (another tab?).',
};
const state = {
  token: null, me: null, ws: null, nextId: 0, pending: new Map(),
  lastSeq: 0, backoff: 500, ended: false, syncing: null,
  names: new Map(), groups: new Map(), current: null, oldest: null, refreshTimer: null,
  settings: new Map(), typingTimer: null, typingSentAt: 0, peerRead: new Map(), presence: new Map(),
};
const RECALL_WINDOW_MS = 120 * 1000; // tinyim.chat.recall-window's default (PROTOCOL.md 7.4)
const EDIT_WINDOW_MS = 24 * 3600 * 1000; // tinyim.chat.edit-window's default

// ---------------------------------------------------------------- plumbing
function show(el, visible) { el.hidden = !visible; }
function banner(text) { $('banner').textContent = text || ''; show($('banner'), !!text); }
function notice(text) { // a passing notice: gone after a few seconds unless something else replaced it
  banner(text);
  setTimeout(() => { if ($('banner').textContent === text) banner(''); }, 6000);
}
function appError(e) { $('app-error').textContent = e ? (e.message || String(e)) : ''; }
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

// ---------------------------------------------------------------- connection
async function connect() {
  let url;
  try {
    const r = await fetch('/api/v1/dispatch');
    if (!r.ok) throw new Error('no gateway available');
    url = (await r.json()).url;
  } catch (e) { scheduleReconnect('No server available; retrying...'); return; }
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = async () => {
    try {
      const auth = await cmd('auth', { token: state.token });
      state.backoff = 500;
      setOnline(true);
      banner('');
      if (state.lastSeq === 0) state.lastSeq = auth.maxSeq; // lists and history come from conv.list / msg.history
      await syncTimeline();
      await refreshAll();
    } catch (e) { appError(e); }
  };
  ws.onmessage = (event) => onFrame(JSON.parse(event.data));
  ws.onclose = (event) => { if (state.ws === ws) onClose(event.code); };
}

function setOnline(online) {
  $('connection').textContent = online ? 'online' : 'offline';
  $('connection').className = online ? 'online' : 'offline';
}

function onClose(code) {
  setOnline(false);
  state.pending.forEach((p) => p.reject(new Error('connection closed (' + code + ')')));
  state.pending.clear();
  if (state.ended) return;
  if (code === 4001 || code === 4003) { signedOut(code === 4003 ? 'Your session is no longer valid; please log in again.' : 'You were signed out.'); return; }
  scheduleReconnect(code === 1012 ? 'Server restarting; reconnecting...' : 'Connection lost; reconnecting...');
}

function scheduleReconnect(message) {
  banner(message);
  const delay = state.backoff + Math.random() * state.backoff / 2;
  state.backoff = Math.min(state.backoff * 2, 30000);
  setTimeout(() => { if (!state.ended) connect(); }, delay);
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
    case 'reconnect': banner('Server restarting; reconnecting...'); break;
    default: break;
  }
}

// ---------------------------------------------------------------- timeline
function onMessage(m) {
  if (m.seq <= state.lastSeq) return; // already seen
  if (m.seq > state.lastSeq + 1) { syncTimeline(); return; } // missed something: sync is the truth
  state.lastSeq = m.seq;
  showIfCurrent(m);
  scheduleConversationRefresh();
}

function syncTimeline() {
  if (state.syncing) return state.syncing;
  state.syncing = (async () => {
    try {
      let page;
      do {
        page = await cmd('msg.sync', { afterSeq: state.lastSeq, limit: 500 });
        page.messages.forEach((m) => { if (m.seq === state.lastSeq + 1) { state.lastSeq = m.seq; showIfCurrent(m); } });
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
  appendMessage(m, false);
  cmd('conv.read', { conversationId: m.conversationId, seq: m.seq }).catch(() => {});
}

const SYSTEM_EVENTS = {
  member_joined: () => ' joined the group',
  member_left: () => ' left the group',
  member_removed: () => ' was removed from the group',
  group_renamed: (c) => ' renamed the group to "' + c.name + '"',
  owner_changed: () => ' is now the owner',
};
function systemText(c) { return (SYSTEM_EVENTS[c.event] || (() => ' (' + c.event + ')'))(c); }

function appendMessage(m, atTop) {
  if (m.content.type === 'recall' || m.content.type === 'edit') return; // history: already shown on the message
  const list = $('messages');
  if (list.querySelector('li[data-seq="' + m.seq + '"]')) return;
  const li = el('li');
  li.dataset.seq = m.seq;
  li.dataset.msgId = m.msgId;
  const time = el('span', 'time', new Date(m.sentAt).toLocaleTimeString());
  if (m.content.type === 'system') {
    li.className = 'system';
    const who = el('span', 'who', 'user ' + m.content.userId);
    nameInto(who, m.content.userId);
    li.append(who, document.createTextNode(systemText(m.content)), time);
    if (atTop === false) refreshGroups().then(showGroupAdmin).catch(() => {}); // name, owner or members changed
  } else {
    if (m.from === state.me.userId) li.className = 'mine';
    const from = el('span', 'from', 'user ' + m.from);
    nameInto(from, m.from);
    li.append(from, el('span', 'text'), el('span', 'edited'), time);
    showContent(li, m.content, m.editedAt);
    if (m.from === state.me.userId && m.content.type === 'text') addAmendButtons(li, m.sentAt);
  }
  if (atTop) list.prepend(li); else { list.append(li); list.scrollTop = list.scrollHeight; }
  showReadTicks();
}

// recall and edit (PROTOCOL.md 7.4): one's own text messages, within the windows
function showContent(li, content, editedAt) {
  const recalled = content.type === 'recalled';
  li.classList.toggle('recalled', recalled);
  li.querySelector('.text').textContent = recalled ? 'message recalled' : content.text;
  li.querySelector('.edited').textContent = !recalled && editedAt ? ' (edited)' : '';
  if (recalled) li.querySelectorAll('button.amend').forEach((b) => b.remove());
}
function amendShown(c) {
  const li = $('messages').querySelector('li[data-msg-id="' + c.msgId + '"]');
  if (!li) return;
  if (c.type === 'recall') showContent(li, { type: 'recalled' }, 0); else showContent(li, { type: 'text', text: c.text }, 1);
}
function addAmendButtons(li, sentAt) {
  const age = Date.now() - sentAt;
  if (age < EDIT_WINDOW_MS) {
    const edit = el('button', 'amend edit', 'Edit');
    edit.onclick = () => { // the text goes back into the box; sending it saves the edit
      state.editing = li;
      $('text').value = li.querySelector('.text').textContent;
      $('send').textContent = 'Save edit';
      $('text').focus();
    };
    li.append(edit);
  }
  if (age < RECALL_WINDOW_MS) {
    const recall = el('button', 'amend recall', 'Recall');
    recall.onclick = async () => {
      try { await cmd('msg.recall', { msgId: li.dataset.msgId }); showContent(li, { type: 'recalled' }, 0); appError(null); } catch (e) { appError(e); }
    };
    setTimeout(() => recall.remove(), RECALL_WINDOW_MS - age);
    li.append(recall);
  }
}

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
function showPresence() {
  document.querySelectorAll('[data-presence-of]').forEach((dot) => {
    const p = state.presence.get(dot.dataset.presenceOf);
    dot.classList.toggle('online', !!(p && p.online));
    dot.title = !p ? '' : p.online ? 'online (' + p.devices.join(', ') + ')'
      : p.lastSeenAt ? 'last seen ' + new Date(p.lastSeenAt).toLocaleString() : 'offline';
  });
}
function presenceDot(userId) {
  const dot = el('span', 'dot');
  dot.dataset.presenceOf = userId;
  return dot;
}

// read receipts (PROTOCOL.md 7.3): "✓ read" on one's own 1:1 messages up to the peer's read position
function showReadTicks() {
  if (!state.current || state.current.peer.type !== 'user') return;
  const upTo = state.peerRead.get(state.current.conversationId) || 0;
  document.querySelectorAll('#messages li.mine').forEach((li) => {
    const read = Number(li.dataset.seq) <= upTo;
    if (read && !li.querySelector('.tick')) li.append(el('span', 'tick', '✓ read'));
  });
}
function onPeerRead(d) {
  state.peerRead.set(d.conversationId, Math.max(state.peerRead.get(d.conversationId) || 0, d.seq));
  showReadTicks();
}

async function nameInto(span, userId) {
  span.textContent = await nameOf(userId);
}

async function nameOf(userId) {
  if (userId === state.me.userId) return state.me.username;
  if (!state.names.has(userId)) {
    try { const p = await cmd('user.get', { userId }); state.names.set(userId, p.nickname); } catch (e) { return 'user ' + userId; }
  }
  return state.names.get(userId);
}

// ---------------------------------------------------------------- lists
async function refreshAll() {
  await Promise.all([refreshFriends(), refreshRequests(), refreshGroups()]);
  await refreshConversations();
}

function scheduleConversationRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refreshConversations, 100);
}

async function refreshConversations() {
  let data;
  try { data = await cmd('conv.list', { limit: 100 }); } catch (e) { return; }
  const items = await Promise.all(data.conversations.map(async (c) => {
    const li = el('li', 'clickable');
    li.dataset.conversation = c.conversationId;
    if (state.current && state.current.conversationId === c.conversationId) li.classList.add('active');
    const title = c.peer.type === 'group' ? groupTitle(c.peer.id) : await nameOf(c.peer.id);
    const last = c.lastMessage;
    const preview = last.content.type === 'system' ? 'someone' + systemText(last.content)
      : last.content.type === 'recalled' ? 'message recalled' : last.content.text;
    const text = el('span', 'name');
    text.append(el('div', null, title), el('div', 'preview', preview));
    if (c.peer.type === 'user') li.append(presenceDot(c.peer.id));
    li.append(text);
    if (c.pinned) li.append(el('span', 'mark pinned', 'pinned'));
    if (c.muted) li.append(el('span', 'mark muted', 'muted'));
    if (c.unread > 0) li.append(el('span', c.muted ? 'badge quiet' : 'badge', String(c.unread)));
    state.settings.set(c.conversationId, { muted: c.muted, pinned: c.pinned });
    if (c.peerReadSeq !== undefined) onPeerRead({ conversationId: c.conversationId, seq: c.peerReadSeq });
    if (state.current && state.current.conversationId === c.conversationId) showSettings();
    li.onclick = () => openConversation(c.conversationId, c.peer, title);
    return li;
  }));
  $('conversations').replaceChildren(...items);
  showPresence();
}

async function refreshFriends() {
  const [{ friends }, { users }] = await Promise.all([cmd('friend.list'), cmd('user.blocked')]);
  const blocked = new Set(users.map((u) => u.userId));
  $('friends').replaceChildren(...friends.map((f) => {
    state.names.set(f.userId, f.nickname);
    const li = el('li', 'clickable');
    li.dataset.user = f.username;
    li.append(presenceDot(f.userId), el('span', 'name', f.nickname === f.username ? f.username : f.nickname + ' (' + f.username + ')'));
    // blocking (PROTOCOL.md 7.6): they can no longer message you or see you typing; you still can
    const isBlocked = blocked.has(f.userId);
    if (isBlocked) li.classList.add('blocked');
    const button = el('button', 'block', isBlocked ? 'Unblock' : 'Block');
    button.onclick = async (e) => {
      e.stopPropagation();
      try { await cmd(isBlocked ? 'user.unblock' : 'user.block', { userId: f.userId }); appError(null); await refreshFriends(); } catch (err) { appError(err); }
    };
    li.append(button);
    li.onclick = () => openConversation(pairConversation(state.me.userId, f.userId), { type: 'user', id: f.userId }, f.nickname);
    return li;
  }));
  loadPresence(friends.map((f) => f.userId));
}

async function refreshRequests() {
  const { incoming, outgoing } = await cmd('friend.requests');
  const items = incoming.map((r) => {
    const li = el('li');
    li.dataset.from = r.from.username;
    const text = el('span', 'name');
    text.append(el('div', null, r.from.username), el('div', 'preview', r.remark || ''));
    const accept = el('button', 'accept', 'Accept');
    accept.onclick = () => answer('friend.accept', r.requestId);
    const reject = el('button', 'reject', 'Reject');
    reject.onclick = () => answer('friend.reject', r.requestId);
    li.append(text, accept, reject);
    return li;
  });
  outgoing.forEach((r) => items.push(el('li', 'outgoing', 'to ' + r.to.username + ' (waiting)')));
  $('requests').replaceChildren(...items);
}

async function answer(type, requestId) {
  try { await cmd(type, { requestId }); appError(null); await Promise.all([refreshRequests(), refreshFriends()]); } catch (e) { appError(e); }
}

function groupTitle(groupId) {
  const g = state.groups.get(groupId);
  return g ? g.name + ' #' + groupId : '#' + groupId;
}

async function refreshGroups() {
  const { groups } = await cmd('group.list');
  state.groups = new Map(groups.map((g) => [g.groupId, g]));
  $('groups').replaceChildren(...groups.map((g) => {
    const li = el('li', 'clickable');
    li.dataset.group = g.groupId;
    li.append(el('span', 'name', g.name + ' #' + g.groupId), el('span', 'preview', g.memberCount + ' members'));
    li.onclick = () => openConversation('g:' + g.groupId, { type: 'group', id: g.groupId }, groupTitle(g.groupId));
    return li;
  }));
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
function onConversationSettings(c) { state.settings.set(c.conversationId, { muted: c.muted, pinned: c.pinned }); showSettings(); }
function showSettings() {
  if (!state.current) return;
  const s = state.settings.get(state.current.conversationId) || { muted: false, pinned: false };
  $('pin').textContent = s.pinned ? 'Unpin' : 'Pin';
  $('mute').textContent = s.muted ? 'Unmute' : 'Mute';
  show($('pin'), true); show($('mute'), true);
}
async function toggleSetting(field) {
  const current = state.current;
  const s = state.settings.get(current.conversationId) || { muted: false, pinned: false };
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
async function openConversation(conversationId, peer, title) {
  state.current = { conversationId, peer, title };
  state.typingSentAt = 0;
  stopEditing();
  hideTyping();
  showSettings();
  state.oldest = null;
  $('peer-title').textContent = title;
  $('messages').replaceChildren();
  show($('members'), false);
  show($('compose'), true);
  show($('show-members'), peer.type === 'group');
  showGroupAdmin();
  document.querySelectorAll('#conversations li').forEach((li) => li.classList.toggle('active', li.dataset.conversation === conversationId));
  await loadOlder();
  const newest = $('messages').lastElementChild;
  if (newest) {
    await cmd('conv.read', { conversationId, seq: Number(newest.dataset.seq) }).catch(() => {});
    scheduleConversationRefresh();
  }
  $('text').focus();
}

async function loadOlder() {
  const current = state.current;
  const request = { conversationId: current.conversationId, limit: 30 };
  if (state.oldest !== null) request.beforeSeq = state.oldest;
  let page;
  try { page = await cmd('msg.history', request); } catch (e) { appError(e); return; }
  if (state.current !== current) return;
  page.messages.forEach((m) => appendMessage(m, true)); // newest first: each older one goes on top
  if (page.messages.length) state.oldest = page.messages[page.messages.length - 1].seq;
  show($('older'), page.hasMore);
  if (request.beforeSeq === undefined) $('messages').scrollTop = $('messages').scrollHeight;
}

// ---------------------------------------------------------------- sign in and out
function signedIn(login, username) {
  state.token = login.token;
  state.me = { userId: login.userId, username };
  state.ended = false;
  state.lastSeq = 0;
  $('me').textContent = username;
  $('auth-error').textContent = '';
  show($('login-view'), false);
  show($('app-view'), true);
  connect();
}

function signedOut(message) {
  state.ended = true;
  if (state.ws) state.ws.close();
  state.ws = null;
  state.current = null;
  banner(message);
  show($('app-view'), false);
  show($('login-view'), true);
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

// ---------------------------------------------------------------- forms
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
$('older').onclick = () => loadOlder();
$('pin').onclick = () => toggleSetting('pinned');
$('mute').onclick = () => toggleSetting('muted');
$('text').oninput = () => typingNow();
$('show-members').onclick = async () => {
  if (!$('members').hidden) { show($('members'), false); return; }
  try {
    await showMembers();
  } catch (err) { appError(err); }
};
$('rename-group').onsubmit = async (e) => {
  e.preventDefault();
  try {
    await cmd('group.update', { groupId: state.current.peer.id, name: $('rename-name').value });
    $('rename-name').value = ''; appError(null); await refreshGroups(); retitle();
  } catch (err) { appError(err); }
};

// group administration (PROTOCOL.md 7.5): the owner renames, removes members and hands the group over
function isOwnerOfCurrent() {
  if (!state.current || state.current.peer.type !== 'group') return false;
  const g = state.groups.get(state.current.peer.id);
  return !!g && g.ownerId === state.me.userId;
}
function showGroupAdmin() { show($('rename-group'), isOwnerOfCurrent()); retitle(); }
function retitle() {
  if (state.current && state.current.peer.type === 'group') $('peer-title').textContent = groupTitle(state.current.peer.id);
}
async function showMembers() {
  const groupId = state.current.peer.id;
  const { members } = await cmd('group.members', { groupId });
  const owner = isOwnerOfCurrent();
  $('members').replaceChildren(...members.map((m) => {
    const li = el('li', null, m.nickname + ' (' + m.username + ')');
    li.dataset.member = m.username;
    if (owner && m.userId !== state.me.userId) {
      const remove = el('button', 'remove', 'Remove');
      remove.onclick = () => administer('group.remove', { groupId, userId: m.userId });
      const transfer = el('button', 'transfer', 'Make owner');
      transfer.onclick = () => administer('group.transfer', { groupId, userId: m.userId });
      li.append(remove, transfer);
    }
    return li;
  }));
  show($('members'), true);
}
async function administer(type, data) {
  try { await cmd(type, data); appError(null); await refreshGroups(); showGroupAdmin(); await showMembers(); } catch (err) { appError(err); }
}
function stopEditing() { state.editing = null; $('send').textContent = 'Send'; }
$('compose').onsubmit = async (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (state.editing) {
    const li = state.editing;
    try { await cmd('msg.edit', { msgId: li.dataset.msgId, text }); showContent(li, { type: 'text', text }, 1); $('text').value = ''; appError(null); } catch (err) { appError(err); }
    stopEditing();
    return;
  }
  const current = state.current;
  try {
    const r = await cmd('msg.send', { to: current.peer, clientMsgId: clientMsgId(), content: { type: 'text', text } });
    $('text').value = '';
    appError(null);
    if (r.seq === state.lastSeq + 1) state.lastSeq = r.seq; // else a sync fills in what came before it
    if (state.current === current) {
      appendMessage({ seq: r.seq, msgId: r.msgId, conversationId: r.conversationId, from: state.me.userId, to: current.peer,
        content: { type: 'text', text }, sentAt: r.sentAt }, false);
    }
    scheduleConversationRefresh();
  } catch (err) { appError(err); }
};
