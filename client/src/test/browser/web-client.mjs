// Two people use the gateway's web client in Debian's chromium: they register, befriend, chat (text that looks
// like HTML stays text), page through history, meet in a group, and one is signed out by a second login.
// Run by WebClientBrowserTest inside ./tinyim test; screenshots go to $TINYIM_SCREENSHOTS for review.
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

const browser = await chromium.launch({
  executablePath: process.env.TINYIM_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let step = 0;
async function shot(page, name) { await page.screenshot({ path: `${shots}/${String(++step).padStart(2, '0')}-${name}.png`, fullPage: true }); }
async function open(name) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
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
async function send(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
  await page.locator('#messages li .text', { hasText: text }).last().waitFor(WAIT);
}

try {
  const a = await open('alice');
  const b = await open('bob');
  await shot(a, 'login-page');

  // wrong password: a clear error, still on the login page
  await a.fill('#username', alice);
  await a.fill('#password', 'password1');
  await a.click('#login');
  await a.locator('#auth-error', { hasText: 'unauthorized' }).waitFor(WAIT);

  await register(a, alice);
  await register(b, bob);

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
  const badge = b.locator('#conversations li .badge');
  await badge.waitFor(WAIT);
  assert.equal(await badge.textContent(), '1');
  await shot(b, 'unread-badge');
  await b.click('#conversations li');
  await b.locator('#messages li .text', { hasText: hostile }).waitFor(WAIT);
  assert.equal(await b.locator('#messages img').count(), 0, 'no element was injected');
  await b.locator('#conversations li .badge').waitFor({ state: 'detached', timeout: 15000 }); // read by opening it
  await send(b, 'hi alice');
  await a.locator('#messages li .text', { hasText: 'hi alice' }).waitFor(WAIT); // live into the open conversation
  // read receipts (7.3): bob opened the conversation, so alice's message shows as read on her side
  await a.locator('#messages li.mine .tick', { hasText: 'read' }).first().waitFor(WAIT);

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
  await b.click(`#friends li[data-user="${alice}"] button.block`);
  await b.locator(`#friends li[data-user="${alice}"] button.block`, { hasText: 'Block' }).waitFor(WAIT);
  await a.fill('#text', '');
  // presence (7.1): both online, each sees a green dot on the other (bob's came back with the unblock)
  await a.locator(`#friends li[data-user="${bob}"] .dot.online`).waitFor(WAIT);
  await b.locator(`#friends li[data-user="${alice}"] .dot.online`).waitFor(WAIT);

  // edit and recall (7.4): alice fixes a message, then takes it back; bob's open conversation follows
  await send(a, 'edit me');
  await b.locator('#messages li .text', { hasText: 'edit me' }).waitFor(WAIT);
  await a.locator('#messages li.mine', { hasText: 'edit me' }).locator('button.edit').click();
  await a.fill('#text', 'edited text');
  await a.press('#text', 'Enter');
  await b.locator('#messages li', { hasText: 'edited text' }).locator('.edited', { hasText: 'edited' }).waitFor(WAIT);
  await shot(b, 'edited');
  await a.locator('#messages li.mine', { hasText: 'edited text' }).locator('button.recall').click();
  await b.locator('#messages li.recalled .text', { hasText: 'message recalled' }).waitFor(WAIT);
  await a.locator('#messages li.mine.recalled').waitFor(WAIT);
  await shot(b, 'recalled');

  // history paging: 35 more, then bob opens the conversation afresh and loads the older ones
  for (let i = 1; i <= 35; i++) await send(a, `count ${i}`);
  await b.click(`#friends li[data-user="${alice}"]`);
  await b.locator('#messages li .text', { hasText: 'count 35' }).waitFor(WAIT);
  assert.equal(await b.locator('#messages li').count(), 30);
  assert.equal(await b.isVisible('#older'), true);
  await b.click('#older');
  await b.locator('#messages li .text', { hasText: hostile }).waitFor(WAIT);
  assert.equal(await b.locator('#messages li').count(), 38); // the recalled one among them, its entries not
  assert.equal(await b.isVisible('#older'), false);
  assert.equal(await b.locator('#messages li .text').first().textContent(), hostile, 'oldest at the top');
  await shot(b, 'history-paged');

  // a group: alice creates it, bob joins by its id, both see the join and the member list
  await a.fill('#group-name', 'Team <i>x</i>');
  await a.click('#create-group button');
  const groupItem = a.locator('#groups li').first();
  await groupItem.waitFor(WAIT);
  const groupId = await groupItem.getAttribute('data-group');
  await b.fill('#group-id', groupId);
  await b.click('#join-group button');
  await b.locator(`#groups li[data-group="${groupId}"]`).waitFor(WAIT);
  await a.click(`#groups li[data-group="${groupId}"]`);
  await a.locator('#messages li.system', { hasText: 'joined the group' }).waitFor(WAIT);
  await a.click('#show-members');
  await a.locator('#members li', { hasText: bob }).waitFor(WAIT);
  assert.equal(await a.locator('#members li').count(), 2);
  await b.click(`#groups li[data-group="${groupId}"]`);
  await send(b, 'hello team');
  await a.locator('#messages li .text', { hasText: 'hello team' }).waitFor(WAIT);
  assert.equal(await a.locator('#peer-bar i').count(), 0);
  await shot(a, 'group-chat');
  // group administration (7.5): alice owns the group and renames it; bob sees the system message and the name
  await a.fill('#rename-name', 'Renamed team');
  await a.click('#rename-group button');
  await b.locator('#messages li.system', { hasText: 'renamed the group to "Renamed team"' }).waitFor(WAIT);
  await b.locator(`#groups li[data-group="${groupId}"]`, { hasText: 'Renamed team' }).waitFor(WAIT);
  assert.equal(await b.isVisible('#rename-group'), false, 'only the owner sees the rename form');
  await shot(b, 'group-renamed');

  // bob logs in again in another browser: the first one is told why and shows the login page
  const b2 = await open('bob-again');
  await b2.fill('#username', bob);
  await b2.fill('#password', 'password1');
  await b2.click('#login');
  await b2.locator('#connection.online').waitFor(WAIT);
  await b.locator('#banner', { hasText: 'another web browser' }).waitFor(WAIT);
  await b.locator('#login-view').waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await b.isVisible('#app-view'), false);
  await shot(b, 'kicked');
  // the new session still sees the conversation, with nothing unread
  await b2.locator('#conversations li').first().waitFor(WAIT);
  assert.equal(await b2.locator('#conversations li .badge').count(), 0);

  console.log(`web client: all steps passed; ${step} screenshots in ${shots}`);
} finally {
  await browser.close();
}
