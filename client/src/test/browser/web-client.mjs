// Two people use the gateway's web client in Debian's chromium: they register, befriend, chat (text that looks
// like HTML stays text), see their own messages go from "sending…" to "sent" to "read", lose the connection
// and retry, page through history, meet in a group, search, use the keyboard, and one is signed out by a
// second login; then the same client at a phone's width (two screens with a back button) and in dark mode.
// Run by WebClientBrowserTest inside ./tinyim test; a screenshot of each state goes to $TINYIM_SCREENSHOTS.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

const base = process.env.TINYIM_WEB_URL;
const shots = process.env.TINYIM_SCREENSHOTS || 'target/browser';
if (!base) throw new Error('TINYIM_WEB_URL is not set');
mkdirSync(shots, { recursive: true });
const WAIT = { timeout: 15000 };
const suffix = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
const alice = 'alice_' + suffix;
const bob = 'bob_' + suffix;
const DESKTOP = { width: 1100, height: 760 };
const PHONE = { width: 390, height: 844 };

const browser = await chromium.launch({
  executablePath: process.env.TINYIM_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let step = 0;
async function shot(page, name) { await page.screenshot({ path: `${shots}/${String(++step).padStart(2, '0')}-${name}.png` }); }
async function open(name, viewport = DESKTOP, colorScheme = 'light') {
  const context = await browser.newContext({ viewport, colorScheme, hasTouch: viewport === PHONE, isMobile: viewport === PHONE });
  const page = await context.newPage();
  page.on('dialog', () => { throw new Error(name + ': a dialog opened (injected script?)'); });
  page.on('pageerror', (e) => console.error(name + ': page error: ' + e.message));
  await page.goto(base + '/');
  return page;
}
async function register(page, username) {
  await page.fill('#username', username);
  await page.fill('#password', 'password1');
  await page.click('#register');
  await page.locator('#connection.online').waitFor(WAIT);
  assert.equal(await page.textContent('#me'), username);
}
async function login(page, username) {
  await page.fill('#username', username);
  await page.fill('#password', 'password1');
  await page.click('#login');
  await page.locator('#connection.online').waitFor(WAIT);
}
async function send(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
  await page.locator('#messages li.msg[data-seq] .text', { hasText: text }).last().waitFor(WAIT);
}
const box = async (locator) => { const b = await locator.boundingBox(); assert.ok(b, 'no box'); return b; };
// every visible control has a name a screen reader can say: its text, an aria-label or a <label>
async function assertLabelled(page, where) {
  const unnamed = await page.evaluate(() => Array.from(document.querySelectorAll('button, input, textarea'))
    .filter((e) => e.offsetParent !== null)
    .filter((e) => !(e.getAttribute('aria-label') || (e.labels && e.labels.length) || e.textContent.trim()))
    .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], where + ': controls without an accessible name');
}
async function background(page) {
  const rgb = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  return rgb.match(/\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
}

try {
  const a = await open('alice');
  const b = await open('bob');
  await shot(a, 'login-page');
  assert.ok(await background(a) > 600, 'light theme by default');

  // wrong password: a clear error, still on the login page
  await a.fill('#username', alice);
  await a.fill('#password', 'password1');
  await a.click('#login');
  await a.locator('#auth-error', { hasText: 'unauthorized' }).waitFor(WAIT);

  await register(a, alice);
  await register(b, bob);
  await assertLabelled(a, 'signed in');

  // friend request with a remark that looks like HTML
  await a.fill('#add-username', bob);
  await a.fill('#add-remark', 'hi <b>bob</b>');
  await a.click('#add-friend button');
  await a.locator('#requests li.outgoing', { hasText: bob }).waitFor(WAIT);
  const request = b.locator(`#requests li[data-from="${alice}"]`);
  await request.waitFor(WAIT); // arrived live, without a reload
  assert.equal(await request.locator('.preview').textContent(), 'hi <b>bob</b>');
  assert.equal(await b.locator('#requests b').count(), 0, 'the remark is text, not markup');
  await shot(b, 'friend-request-arrives');
  await request.locator('button.accept').click();
  await a.locator(`#friends li[data-user="${bob}"]`).waitFor(WAIT); // friend.accepted, live
  await b.locator(`#friends li[data-user="${alice}"]`).waitFor(WAIT);

  // a message that would run script if it were rendered as HTML
  await a.click(`#friends li[data-user="${bob}"]`);
  const hostile = 'hello <img src=x onerror=alert(1)>';
  await send(a, hostile);
  const mine = a.locator('#messages li.msg.mine', { hasText: hostile });
  await mine.locator('.status', { hasText: 'sent' }).waitFor(WAIT);
  // own messages on the right, a day separator above the first message
  const list = await box(a.locator('#messages'));
  const bubble = await box(mine);
  assert.ok(Math.abs(bubble.x + bubble.width - (list.x + list.width)) < 3, 'own message on the right');
  assert.equal(await a.locator('#messages li').first().getAttribute('class'), 'day');
  assert.equal(await a.locator('#messages li.day').first().textContent(), 'Today');
  const badge = b.locator('#conversations li .badge');
  await badge.waitFor(WAIT);
  assert.equal(await badge.textContent(), '1');
  await shot(b, 'unread-badge');

  // the connection drops while a send is on its way: "sending…", the countdown, "not sent", Retry; the retry
  // keeps the clientMsgId, so the message is there once
  await a.evaluate(() => { // this one msg.send frame is lost on the way
    const ws = state.ws; const real = ws.send.bind(ws);
    ws.send = (frame) => { if (JSON.parse(frame).type !== 'msg.send') real(frame); };
  });
  await a.fill('#text', 'lost on the way');
  await a.press('#text', 'Enter');
  const lost = a.locator('#messages li.msg.mine.pending', { hasText: 'lost on the way' });
  await lost.locator('.status', { hasText: 'sending…' }).waitFor(WAIT);
  await shot(a, 'sending');
  await a.evaluate(() => state.ws.close());
  await a.locator('#connection.reconnecting', { hasText: /reconnecting/ }).waitFor(WAIT);
  await lost.locator('.status', { hasText: 'not sent' }).waitFor(WAIT);
  await shot(a, 'reconnecting-not-sent');
  await a.locator('#connection.online').waitFor(WAIT);
  await lost.locator('button.retry').click();
  await a.locator('#messages li.msg.mine[data-seq]', { hasText: 'lost on the way' }).locator('.status', { hasText: 'sent' }).waitFor(WAIT);
  await b.locator('#conversations li .badge', { hasText: '2' }).waitFor(WAIT);

  // bob opens the conversation: "New messages" above the first unread one; opening it reads it
  await b.click('#conversations li');
  await b.locator('#messages li.msg .text', { hasText: hostile }).waitFor(WAIT);
  assert.equal(await b.locator('#messages li.msg', { hasText: 'lost on the way' }).count(), 1, 'the retried message is there once');
  assert.equal(await b.locator('#messages img').count(), 0, 'no element was injected');
  const marker = b.locator('#messages li.new-marker');
  await marker.waitFor(WAIT);
  assert.equal(await b.evaluate(() => document.querySelector('#messages li.new-marker').nextElementSibling.querySelector('.text').textContent), hostile);
  const theirs = await box(b.locator('#messages li.msg', { hasText: hostile }));
  const bList = await box(b.locator('#messages'));
  assert.ok(Math.abs(theirs.x - bList.x) < 3, 'their message on the left');
  await shot(b, 'new-messages-marker');
  await b.locator('#conversations li .badge').waitFor({ state: 'detached', timeout: 15000 }); // read by opening it
  await send(b, 'hi alice');
  await a.locator('#messages li .text', { hasText: 'hi alice' }).waitFor(WAIT); // live into the open conversation
  // read receipts (7.3): bob opened the conversation, so alice's messages show as read on her side
  await mine.locator('.status.read', { hasText: 'read' }).waitFor(WAIT);
  await shot(a, 'read');

  // typing (PROTOCOL.md 7.2): alice types in the open conversation, bob sees "typing…" there; the client sends
  // at most one typing command every 2 s, so a few keystrokes over some seconds are what it takes
  let sawTyping = false;
  for (let i = 0; i < 8 && !sawTyping; i++) {
    await a.type('#text', 'x');
    sawTyping = await b.locator('#typing', { hasText: 'is typing' }).waitFor({ timeout: 2500 }).then(() => true, () => false);
  }
  assert.ok(sawTyping, 'bob saw alice typing');
  await a.fill('#text', '');
  // pin and mute (7.7): marks in bob's list, buttons that say what they will do next
  await b.click('#pin');
  await b.locator('#conversations li .mark.pinned').waitFor(WAIT);
  assert.equal(await b.textContent('#pin'), 'Unpin');
  await b.click('#mute');
  await b.locator('#conversations li .mark.muted').waitFor(WAIT);
  await shot(b, 'typing-pinned-muted');
  await b.click('#mute');
  await b.locator('#conversations li .mark.muted').waitFor({ state: 'detached', timeout: 15000 });
  // blocking (7.6): bob blocks alice from his friends list, her message is refused, then he unblocks her
  await b.click(`#friends li[data-user="${alice}"] button.block`);
  await b.locator(`#friends li.blocked[data-user="${alice}"] button.block`, { hasText: 'Unblock' }).waitFor(WAIT);
  await a.fill('#text', 'are you there?');
  await a.press('#text', 'Enter');
  await a.locator('#app-error', { hasText: 'you cannot message this user' }).waitFor(WAIT);
  await a.locator('#messages li.msg.mine', { hasText: 'are you there?' }).locator('.status', { hasText: 'not sent' }).waitFor(WAIT);
  await b.click(`#friends li[data-user="${alice}"] button.block`);
  await b.locator(`#friends li[data-user="${alice}"] button.block`, { hasText: 'Block' }).waitFor(WAIT);
  // presence (7.1): both online, each sees a green dot on the other (bob's came back with the unblock)
  await a.locator(`#friends li[data-user="${bob}"] .dot.online`).waitFor(WAIT);
  await b.locator(`#friends li[data-user="${alice}"] .dot.online`).waitFor(WAIT);
  await a.locator('#peer-sub', { hasText: 'online' }).waitFor(WAIT);

  // edit and recall (7.4): alice fixes a message, then takes it back; bob's open conversation follows
  await send(a, 'edit me');
  await b.locator('#messages li .text', { hasText: 'edit me' }).waitFor(WAIT);
  await a.locator('#messages li.mine', { hasText: 'edit me' }).locator('button.edit').click();
  assert.equal(await a.isVisible('#editing'), true, 'the composer says it is editing');
  await a.fill('#text', 'edited text');
  await a.press('#text', 'Enter');
  await b.locator('#messages li', { hasText: 'edited text' }).locator('.edited', { hasText: 'edited' }).waitFor(WAIT);
  await shot(b, 'edited');
  await a.locator('#messages li.mine', { hasText: 'edited text' }).locator('button.recall').click();
  await b.locator('#messages li.recalled .text', { hasText: 'message recalled' }).waitFor(WAIT);
  await a.locator('#messages li.mine.recalled').waitFor(WAIT);
  await shot(b, 'recalled');

  // history paging: 35 more, then bob opens the conversation afresh and loads the older ones; what was on
  // screen stays where it was
  for (let i = 1; i <= 35; i++) await send(a, `count ${i}`);
  await b.click(`#friends li[data-user="${alice}"]`);
  await b.locator('#messages li .text', { hasText: 'count 35' }).waitFor(WAIT);
  assert.equal(await b.locator('#messages li.msg').count(), 30);
  assert.equal(await b.isVisible('#older'), true);
  await b.evaluate(() => { document.getElementById('scroller').scrollTop = 0; });
  const top = b.locator('#messages li.msg').first();
  const topSeq = await top.getAttribute('data-seq');
  const before = await box(top);
  await b.click('#older');
  await b.locator('#messages li .text', { hasText: hostile }).waitFor(WAIT);
  const after = await box(b.locator(`#messages li.msg[data-seq="${topSeq}"]`));
  assert.ok(Math.abs(after.y - before.y) < 3, `the message that was on top stayed in place (${before.y} -> ${after.y})`);
  assert.equal(await b.locator('#messages li.msg').count(), 39); // the recalled one among them, its entries not
  assert.equal(await b.isVisible('#older'), false);
  assert.equal(await b.locator('#messages li.msg .text').first().textContent(), hostile, 'oldest at the top');
  await shot(b, 'history-paged');

  // a group: alice creates it ("1 member"), bob joins by its id, alice's list says "2 members" at once
  await a.fill('#group-name', 'Team <i>x</i>');
  await a.click('#create-group button');
  const groupItem = a.locator('#groups li').first();
  await groupItem.waitFor(WAIT);
  const groupId = await groupItem.getAttribute('data-group');
  await a.locator(`#groups li[data-group="${groupId}"] .preview`, { hasText: /· 1 member$/ }).waitFor(WAIT);
  await a.click(`#groups li[data-group="${groupId}"]`);
  await b.fill('#group-id', groupId);
  await b.click('#join-group button');
  await b.locator(`#groups li[data-group="${groupId}"]`).waitFor(WAIT);
  await a.locator('#messages li.system', { hasText: 'joined the group' }).waitFor(WAIT);
  await a.locator(`#groups li[data-group="${groupId}"] .preview`, { hasText: /· 2 members$/ }).waitFor(WAIT);
  await a.locator('#peer-sub', { hasText: '2 members' }).waitFor(WAIT);
  await a.click('#show-members');
  await a.locator('#members li', { hasText: bob }).waitFor(WAIT);
  assert.equal(await a.locator('#members li').count(), 2);
  await b.click(`#groups li[data-group="${groupId}"]`);
  await send(b, 'hello team');
  // in a group, other people's messages carry their name and an initials avatar; system messages are centred
  const fromBob = a.locator('#messages li.msg', { hasText: 'hello team' });
  await fromBob.waitFor(WAIT);
  await fromBob.locator('.from', { hasText: bob }).waitFor(WAIT);
  await fromBob.locator('.avatar', { hasText: ('B' + suffix[0]).toUpperCase() }).waitFor(WAIT);
  const system = await box(a.locator('#messages li.system').first());
  const aList = await box(a.locator('#messages'));
  assert.ok(Math.abs(system.x + system.width / 2 - (aList.x + aList.width / 2)) < 3, 'system message centred');
  assert.equal(await a.locator('#peer-bar i').count(), 0);
  await shot(a, 'group-chat');
  // group administration (7.5): alice owns the group and renames it; bob sees the system message and the name
  await a.fill('#rename-name', 'Renamed team');
  await a.click('#rename-group button');
  await b.locator('#messages li.system', { hasText: 'renamed the group to "Renamed team"' }).waitFor(WAIT);
  await b.locator(`#groups li[data-group="${groupId}"]`, { hasText: 'Renamed team' }).waitFor(WAIT);
  assert.equal(await b.isVisible('#rename-group'), false, 'only the owner sees the rename form');
  await shot(b, 'group-renamed');

  // search as you type: bob's name finds him among friends and conversations, not the group
  await a.fill('#search', bob.slice(0, 8));
  await a.locator(`#groups li[data-group="${groupId}"]`).waitFor({ state: 'hidden', timeout: 15000 });
  assert.equal(await a.isVisible(`#friends li[data-user="${bob}"]`), true);
  assert.ok(await a.locator('#conversations li:visible').count() >= 1);
  await shot(a, 'search');
  await a.fill('#search', 'no such thing ' + suffix);
  await a.locator('#no-match').waitFor(WAIT);
  await a.fill('#search', '');
  await a.locator(`#groups li[data-group="${groupId}"]`).waitFor(WAIT);
  // the keyboard: Tab reaches the rows, Enter opens one, Escape closes it
  const bobRow = a.locator('#conversations li', { hasText: bob }).locator('button.open');
  await bobRow.focus();
  await a.keyboard.press('Enter');
  await a.locator('#peer-title', { hasText: bob }).waitFor(WAIT);
  await a.waitForFunction(() => document.activeElement && document.activeElement.id === 'text'); // the composer
  await a.keyboard.press('Escape');
  await a.locator('#empty').waitFor(WAIT);
  await assertLabelled(a, 'desktop');

  // bob logs in again in another browser (dark mode): the first one is told why and shows the login page
  const b2 = await open('bob-again', DESKTOP, 'dark');
  assert.ok(await background(b2) < 150, 'dark theme follows the system setting');
  await login(b2, bob);
  await b.locator('#banner', { hasText: 'another web browser' }).waitFor(WAIT);
  await b.locator('#login-view').waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await b.isVisible('#app-view'), false);
  await shot(b, 'kicked');
  // the new session still sees the conversations, with nothing unread
  await b2.locator('#conversations li').first().waitFor(WAIT);
  assert.equal(await b2.locator('#conversations li .badge').count(), 0);
  await b2.click(`#conversations li[data-conversation="g:${groupId}"]`);
  await b2.locator('#messages li .text', { hasText: 'hello team' }).waitFor(WAIT);
  await shot(b2, 'dark-desktop');

  // a phone: the list and the conversation are two screens with a back button, nothing wider than the screen
  const p = await open('alice-phone', PHONE);
  await login(p, alice);
  await p.locator('#conversations li').first().waitFor(WAIT);
  assert.equal(await p.isVisible('#conversation'), false, 'the list is the first screen');
  await shot(p, 'phone-list');
  await p.locator('#conversations li', { hasText: bob }).locator('button.open').tap();
  await p.locator('#messages li .text', { hasText: 'count 35' }).waitFor(WAIT);
  assert.equal(await p.isVisible('#sidebar'), false, 'the conversation is the second screen');
  assert.equal(await p.isVisible('#back'), true);
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'no sideways scrolling');
  await send(p, 'from my phone');
  await assertLabelled(p, 'phone');
  await shot(p, 'phone-conversation');
  await p.tap('#back');
  await p.locator('#sidebar').waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await p.isVisible('#conversation'), false);
  await b2.locator('#conversations li', { hasText: alice }).locator('.badge', { hasText: '1' }).waitFor(WAIT);

  console.log(`web client: all steps passed; ${step} screenshots in ${shots}`);
} finally {
  await browser.close();
}
