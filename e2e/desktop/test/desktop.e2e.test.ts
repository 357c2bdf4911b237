/**
 * Two desktop daemons (real `murmur-desktop` processes) on a real devnet, each driven in its own
 * Chromium browser context: create and restore, adding a contact by pasting an ID (and a bad
 * one), messages both ways, a daemon restarted (history and queued messages intact), a
 * disappearing message gone on both sides, a local edit, the paths screen with three hops,
 * refused requests, axe-core on every screen (no serious or critical violation), nothing
 * overflowing at 360 px. Screenshots of every screen go to `apps/desktop/test-results/screenshots/` (or MURMUR_SCREENSHOTS_DIR).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { createFakeNetwork } from '@murmur/client/test-support/fake-network';
import { loadCrypto } from '@murmur/crypto';
import { startDaemon } from '@murmur/desktop';
import { silentLogger } from '@murmur/wire';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/** `murmur-desktop`, the program of the declared @murmur/desktop (vitest.config.ts names it). */
function desktopCli(): string {
  const cli = process.env['MURMUR_DESKTOP_CLI'];
  if (cli === undefined)
    throw new Error('MURMUR_DESKTOP_CLI is not set: run the suite with its vitest.config.ts');
  return cli;
}
const CLI = desktopCli();
// Test artifacts (ignored by git), so that a test run leaves the tree clean; the committed
// copies in apps/desktop/screenshots/ are refreshed with MURMUR_SCREENSHOTS_DIR=<that folder>.
const SHOTS =
  process.env['MURMUR_SCREENSHOTS_DIR'] ??
  fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const CHROMIUM = process.env['MURMUR_CHROMIUM'] ?? '/usr/bin/chromium';
const WAIT = 90_000;

/** The page's document, as the callbacks of `page.evaluate` (run in the browser) read it. */
declare const document: {
  documentElement: {
    scrollWidth: number;
    clientWidth: number;
    getAttribute(name: string): string | null;
  };
};

interface Desktop {
  name: string;
  dataDir: string;
  child: ChildProcess;
  url: string;
  output: string[];
}

let dir: string;
let browser: Browser;
const desktops = new Map<string, Desktop>();
const contexts = new Map<string, BrowserContext>();
const pages = new Map<string, Page>();
let failed = false;

function startDesktop(name: string, dataDir: string): Promise<Desktop> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      '--data-dir',
      dataDir,
      '--no-open',
      '--network',
      inject('seedUrl'),
      '--dev-timers',
      '--poll-interval-ms',
      '500',
      '--log-file',
      join(dir, `${name}.log`),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} printed no URL: ${output.join('')}`)),
      30_000,
    );
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      const match = output
        .join('')
        .match(/serving (http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64})/);
      if (match !== null) {
        clearTimeout(timer);
        const desktop = { name, dataDir, child, url: match[1] as string, output };
        desktops.set(name, desktop);
        resolve(desktop);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}): ${output.join('')}`));
    });
  });
}

function stopDesktop(name: string, signal: NodeJS.Signals): Promise<void> {
  const desktop = desktops.get(name);
  if (desktop === undefined || desktop.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    desktop.child.once('exit', () => resolve());
    desktop.child.kill(signal);
  });
}

/**
 * A browser context whose waits (locators, clicks) give up after {@link WAIT} rather than
 * Playwright's 30 s: a hang guard for a busy machine, not a timing assertion.
 */
async function newContext(options: Parameters<Browser['newContext']>[0]): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(WAIT);
  return context;
}

async function openPage(name: string, width = 1100): Promise<Page> {
  const desktop = desktops.get(name) as Desktop;
  let context = contexts.get(name);
  if (context === undefined) {
    context = await newContext({ viewport: { width, height: 760 } });
    contexts.set(name, context);
  }
  const page = pages.get(name) ?? (await context.newPage());
  pages.set(name, page);
  page.on('pageerror', (error) => console.log(`${name} page error: ${error.message}`));
  await page.goto(desktop.url);
  return page;
}

/** A GET to a daemon's API with its token (from the URL it printed). */
async function daemonApi(
  name: string,
  path: string,
): Promise<{ accounts: { id: string; sessionId: string }[] }> {
  const desktop = desktops.get(name) as Desktop;
  const url = new URL(desktop.url);
  const response = await fetch(`${url.origin}${path}`, {
    headers: { 'x-murmur-token': url.hash.slice('#token='.length) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { accounts: { id: string; sessionId: string }[] };
}

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
  expect(bad, `${screen}: ${bad.join('; ')}`).toEqual([]);
  expect(result.passes.length, `${screen}: axe ran rules`).toBeGreaterThan(10);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function noOverflow(page: Page, screen: string): Promise<void> {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(widths.scroll, `${screen} overflows at ${widths.client} px`).toBeLessThanOrEqual(
    widths.client,
  );
}

async function openConversation(page: Page, label: RegExp): Promise<void> {
  await page.locator('.conversation-item', { hasText: label }).first().click();
  await page.getByRole('log', { name: 'Messages' }).waitFor();
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByTestId('message').filter({ hasText: text }).first().waitFor();
}

/** The focused element, as a person would name it. */
interface Focused {
  tag: string;
  label: string;
  name: string;
  text: string;
}

function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(`(() => {
    const e = document.activeElement;
    if (e === null || e === document.body) return null;
    return {
      tag: e.tagName.toLowerCase(),
      label: e.getAttribute('aria-label') ?? '',
      name: e.getAttribute('name') ?? '',
      text: (e.textContent ?? '').trim().slice(0, 60),
    };
  })()`) as Promise<Focused | null>;
}

/** Presses Tab until `wanted` holds for the focused element; how many presses it took. */
async function tabTo(page: Page, wanted: (element: Focused) => boolean, what: string) {
  const seen: string[] = [];
  for (let presses = 1; presses <= 60; presses++) {
    await page.keyboard.press('Tab');
    const element = await focused(page);
    if (element !== null && wanted(element)) return presses;
    seen.push(element === null ? '(body)' : `${element.tag}[${element.label || element.text}]`);
  }
  throw new Error(`Tab never reached ${what}; focus went through ${seen.join(', ')}`);
}

function message(page: Page, text: string) {
  return page.getByTestId('message').filter({ hasText: text });
}

async function ownId(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'New conversation' }).click();
  const id = (await page.getByTestId('own-id').textContent())?.trim() ?? '';
  expect(id).toMatch(/^05[0-9a-f]{64}$/);
  return id;
}

/** A POST to a daemon's API with its token; the answer's status and body. */
async function daemonPost(
  name: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const desktop = desktops.get(name) as Desktop;
  const url = new URL(desktop.url);
  const response = await fetch(`${url.origin}${path}`, {
    method: 'POST',
    headers: {
      'x-murmur-token': url.hash.slice('#token='.length),
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Watches the browser's Notification API without replacing it: `window.Notification` becomes a
 * subclass of the real one that records each notification the page created (after the real
 * constructor accepted it). The page's visibility and focus can be set by the test
 * (`window.__view`), as a window in the background would report them.
 */
const NOTIFICATION_SPY = `
  window.__notices = [];
  window.__view = { hidden: false, focused: true };
  const Real = window.Notification;
  class Watched extends Real {
    static get permission() { return Real.permission; }
    static requestPermission(...args) { return Real.requestPermission(...args); }
    constructor(title, options) {
      super(title, options);
      window.__notices.push({ title, body: options?.body ?? '' });
      window.__lastNotice = this;
    }
  }
  window.Notification = Watched;
  Object.defineProperty(Document.prototype, 'hidden', {
    configurable: true,
    get() { return window.__view.hidden; },
  });
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true,
    get() { return window.__view.hidden ? 'hidden' : 'visible'; },
  });
  Document.prototype.hasFocus = function () { return window.__view.focused; };
`;

interface Notice {
  title: string;
  body: string;
}

function notices(page: Page): Promise<Notice[]> {
  return page.evaluate('window.__notices') as Promise<Notice[]>;
}

/** Sets what the page reports of its visibility and focus, as the browser would. */
async function view(page: Page, state: { hidden: boolean; focused: boolean }): Promise<void> {
  await page.evaluate(
    `window.__view = ${JSON.stringify(state)}; document.dispatchEvent(new Event('visibilitychange'));`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-e2e-run-'));
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  await startDesktop('alice', join(dir, 'alice'));
  await startDesktop('bob', join(dir, 'bob'));
});

afterAll(async () => {
  await browser?.close();
  for (const name of desktops.keys()) await stopDesktop(name, 'SIGTERM');
  if (failed) console.log(`desktop e2e: daemon logs kept in ${dir}`);
  else if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('two desktop clients on a devnet', () => {
  let aliceId = '';
  let bobId = '';
  const track = (passed: () => Promise<void>) => async () => {
    try {
      await passed();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  it(
    'creates an account (24 words, then the confirm step)',
    track(async () => {
      const page = await openPage('alice');
      await page.getByRole('button', { name: 'Create account' }).waitFor();
      await accessible(page, 'welcome');
      await shot(page, '01-welcome');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByLabel(/^Display name/).fill('Alice');
      await accessible(page, 'create');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByTestId('phrase-word').first().waitFor();
      const words = await page.getByTestId('phrase-word').allTextContents();
      expect(words).toHaveLength(24);
      await accessible(page, 'phrase');
      await shot(page, '02-phrase');
      await page.getByRole('button', { name: 'I wrote them down' }).click();
      const inputs = await page.locator('input[name^="word-"]').all();
      expect(inputs).toHaveLength(3);
      // A wrong word first: a clear error, still on the confirm step.
      await inputs[0]?.fill('notaword');
      for (const input of inputs.slice(1)) {
        const position = Number((await input.getAttribute('name'))?.slice(5));
        await input.fill(words[position - 1] as string);
      }
      await page.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/does not match/);
      await accessible(page, 'confirm');
      await shot(page, '03-confirm');
      for (const input of inputs) {
        const position = Number((await input.getAttribute('name'))?.slice(5));
        await input.fill(words[position - 1] as string);
      }
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
      aliceId = await ownId(page);
    }),
  );

  it(
    'restores an account from its phrase (a wrong word count is refused first)',
    track(async () => {
      const crypto = await loadCrypto();
      const identity = crypto.generateIdentity();
      const phrase = crypto.phraseFromSeed(identity.seed);
      const page = await openPage('bob');
      await page.getByRole('button', { name: 'Restore from recovery phrase' }).click();
      await page.getByLabel(/^Recovery phrase/).fill(phrase.split(' ').slice(0, 13).join(' '));
      await page.getByLabel(/^Display name/).fill('Bob');
      await page.getByRole('button', { name: 'Restore', exact: true }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toMatch(/12 or 24 words; this has 13/);
      await accessible(page, 'restore');
      await shot(page, '04-restore');
      await page.getByLabel(/^Recovery phrase/).fill(phrase);
      await page.getByRole('button', { name: 'Restore', exact: true }).click();
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
      bobId = await ownId(page);
      expect(bobId).toBe(identity.sessionId);
    }),
  );

  it(
    'adds a contact by pasting an ID; a bad ID gets a clear error',
    track(async () => {
      const page = pages.get('alice') as Page;
      await page.getByRole('button', { name: 'New conversation' }).click();
      const input = page.getByLabel('Their Session ID');
      await input.fill('05abc');
      await expect
        .poll(() => page.locator('#id-problem').textContent())
        .toMatch(/Too short: 5 of 66/);
      await input.fill(`05${'z'.repeat(64)}`);
      await expect
        .poll(() => page.locator('#id-problem').textContent())
        .toMatch(/only the digits 0-9/);
      // Well formed but not a valid key: the daemon says so.
      await input.fill(`05${'a'.repeat(64)}`);
      await page.getByRole('button', { name: 'Start conversation' }).click();
      await expect
        .poll(() => page.getByTestId('add-error').textContent())
        .toMatch(/not a valid key/);
      // Their own ID as a QR code too (the daemon's SVG, drawn).
      const qr = page.getByRole('img', { name: /^QR code of your Session ID/ });
      await qr.waitFor();
      expect(
        await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await accessible(page, 'new conversation');
      await shot(page, '05-new-conversation');
      await input.fill(` ${bobId} `);
      await page.getByLabel(/^Nickname/).fill('Bobby');
      await page.getByRole('button', { name: 'Start conversation' }).click();
      await page.getByRole('log', { name: 'Messages' }).waitFor();
      await expect
        .poll(() => page.locator('.conversation-item').first().textContent())
        .toMatch(/Bobby/);
    }),
  );

  it(
    'exchanges messages both ways; states, unread counts, the conversation list',
    track(async () => {
      const alice = pages.get('alice') as Page;
      const bob = pages.get('bob') as Page;
      await send(alice, 'hello Bob, from the desktop');
      await expect
        .poll(() => message(alice, 'hello Bob, from the desktop').getAttribute('data-state'), {
          timeout: WAIT,
        })
        .toBe('sent');
      const item = bob.locator('.conversation-item', { hasText: /Alice/ });
      await item.waitFor({ timeout: WAIT });
      expect(await item.getByTestId('unread').textContent()).toBe('1');
      await accessible(bob, 'conversation list');
      await shot(bob, '06-conversation-list');
      await openConversation(bob, /Alice/);
      expect(await bob.locator('.panel-head .sub').first().getAttribute('title')).toBe(aliceId);
      await message(bob, 'hello Bob, from the desktop').waitFor();
      // How it came (circuit or poll: whichever won) and how it was sealed, both shown.
      const received = message(bob, 'hello Bob, from the desktop');
      expect(['circuit', 'poll']).toContain(
        await received.getByTestId('via').getAttribute('data-via'),
      );
      expect(await received.getByTestId('via').textContent()).toMatch(
        /delivered live over a circuit|fetched from the swarm/,
      );
      expect(await received.getByTestId('protocol').getAttribute('aria-label')).toMatch(
        /forward-secret/i,
      );
      await send(bob, 'hi Alice! no node saw both of us');
      await message(alice, 'hi Alice! no node saw both of us').waitFor({ timeout: WAIT });
      expect(await alice.locator('.day').first().textContent()).toBe('Today');
      await accessible(alice, 'conversation');
      await shot(alice, '07-conversation');
      // Search filters the list.
      await alice.getByLabel('Search conversations').fill('no such name');
      await expect.poll(() => alice.locator('.conversation-item').count()).toBe(0);
      await alice.getByLabel('Search conversations').fill('bob');
      await expect.poll(() => alice.locator('.conversation-item').count()).toBe(1);
    }),
  );

  it(
    'edits a local copy: shown as edited here, unchanged there',
    track(async () => {
      const alice = pages.get('alice') as Page;
      const bob = pages.get('bob') as Page;
      const original = message(alice, 'hello Bob, from the desktop');
      await original.getByRole('button', { name: 'Edit local copy' }).click();
      await alice.getByLabel(/^Local copy/).fill('hello Bob (my copy, edited)');
      await alice.getByRole('button', { name: 'Save local copy' }).click();
      const edited = message(alice, 'hello Bob (my copy, edited)');
      await edited.waitFor();
      expect(await edited.textContent()).toMatch(/edited locally/);
      await shot(alice, '08-local-edit');
      expect(await message(bob, 'hello Bob, from the desktop').count()).toBe(1);
      expect(await message(bob, 'my copy, edited').count()).toBe(0);
    }),
  );

  it(
    'a disappearing message vanishes on both sides',
    track(async () => {
      const alice = pages.get('alice') as Page;
      const bob = pages.get('bob') as Page;
      // Only Alice sets the timer (Session's flow): Bob's conversation follows her timer
      // update, and her message carries the timer itself, so Bob's copy goes on it.
      await alice.getByRole('button', { name: 'Disappearing' }).click();
      await alice.getByLabel('Disappear after send').check();
      await alice.getByLabel('Timer').selectOption('10');
      await accessible(alice, 'disappearing timer');
      await shot(alice, '09-disappearing');
      await alice.getByRole('button', { name: 'Set', exact: true }).click();
      await alice.getByTestId('timer-badge').waitFor();
      await bob.getByTestId('timer-badge').waitFor({ timeout: WAIT });
      await send(alice, 'this message self-destructs');
      await message(bob, 'this message self-destructs').waitFor({ timeout: WAIT });
      // Bob's copy expires on the timer written in the message: 10 s after it was sent.
      const aliceId = (await daemonApi('alice', '/api/accounts')).accounts[0]?.sessionId;
      const bobAccount = (await daemonApi('bob', '/api/accounts')).accounts[0]?.id;
      const carried = (await daemonApi(
        'bob',
        `/api/accounts/${bobAccount}/conversations/${aliceId}/messages`,
      )) as unknown as { messages: { text: string; sentAt: number; expiresAt?: number }[] };
      const copy = carried.messages.find((m) => m.text === 'this message self-destructs');
      expect(copy?.expiresAt).toBe((copy?.sentAt ?? 0) + 10_000);
      for (const page of [alice, bob]) {
        await expect
          .poll(() => message(page, 'self-destructs').count(), { timeout: 60_000 })
          .toBe(0);
      }
      // The earlier messages stay.
      expect(await message(bob, 'hello Bob, from the desktop').count()).toBe(1);
      // Alice turns it off; Bob's conversation follows again.
      await alice.getByRole('button', { name: 'Disappearing' }).click();
      await alice.getByLabel('Off').check();
      await alice.getByRole('button', { name: 'Set', exact: true }).click();
      for (const page of [alice, bob]) {
        await expect.poll(() => page.getByTestId('timer-badge').count(), { timeout: WAIT }).toBe(0);
      }
    }),
  );

  it(
    'restarting a daemon keeps the history and the queued messages',
    track(async () => {
      const alice = pages.get('alice') as Page;
      const bob = pages.get('bob') as Page;
      // Bob queues a message and his daemon dies at once (SIGKILL: no clean stop).
      await bob.getByLabel('Message', { exact: true }).fill('queued just before a crash');
      await bob.getByRole('button', { name: 'Send' }).click();
      await message(bob, 'queued just before a crash').waitFor();
      await stopDesktop('bob', 'SIGKILL');
      // Alice writes while Bob is away.
      await send(alice, 'written while you were away');
      await expect
        .poll(() => message(alice, 'written while you were away').getAttribute('data-state'), {
          timeout: WAIT,
        })
        .toBe('sent');
      // Bob again: same data directory, a new port and token.
      await startDesktop('bob', join(dir, 'bob'));
      const again = await openPage('bob');
      await openConversation(again, /Alice/);
      for (const text of [
        'hello Bob, from the desktop',
        'hi Alice! no node saw both of us',
        'queued just before a crash',
      ]) {
        await message(again, text).waitFor({ timeout: WAIT });
      }
      await message(again, 'written while you were away').waitFor({ timeout: WAIT });
      await expect
        .poll(() => message(again, 'queued just before a crash').getAttribute('data-state'), {
          timeout: WAIT,
        })
        .toBe('sent');
      await message(alice, 'queued just before a crash').waitFor({ timeout: WAIT });
    }),
  );

  it(
    'the network screen shows onion paths of three hops, the time offset and the swarm',
    track(async () => {
      const page = pages.get('alice') as Page;
      await page.getByRole('button', { name: 'Network' }).click();
      const path = page.getByTestId('path').first();
      await path.waitFor({ timeout: WAIT });
      expect(await path.getByTestId('hop').count()).toBe(3);
      await expect.poll(() => page.getByTestId('time-offset').textContent()).toMatch(/ms$/);
      await page.getByTestId('swarm').waitFor({ timeout: WAIT });
      expect(await page.getByTestId('swarm').locator('li').count()).toBeGreaterThan(0);
      await accessible(page, 'network');
      await shot(page, '10-network');
      await page.getByRole('button', { name: 'Rebuild paths' }).click();
      await expect
        .poll(async () => page.getByTestId('path').first().getByTestId('hop').count(), {
          timeout: WAIT,
        })
        .toBe(3);
    }),
  );

  it(
    'settings: theme, the phrase behind a confirmation; dark theme is accessible too',
    track(async () => {
      const page = pages.get('alice') as Page;
      await page.getByRole('button', { name: 'Settings' }).click();
      await accessible(page, 'settings');
      await shot(page, '11-settings');
      await page.getByRole('button', { name: 'Reveal recovery phrase…' }).click();
      const reveal = page.getByRole('button', { name: 'Reveal', exact: true });
      expect(await reveal.isDisabled()).toBe(true);
      await page.getByLabel(/Nobody is looking/).check();
      await reveal.click();
      await expect
        .poll(
          async () =>
            ((await page.getByTestId('revealed-phrase').textContent()) ?? '').split(' ').length,
        )
        .toBe(24);
      await page.getByRole('button', { name: 'Hide' }).click();
      // The radio follows the saved setting: click, then wait for the theme to apply.
      await page.getByLabel('Dark').click();
      await expect
        .poll(() => page.evaluate(() => document.documentElement.getAttribute('data-theme')))
        .toBe('dark');
      await accessible(page, 'settings (dark)');
      // Escape closes the settings (the Back button shows only below 720 px: waiting for it
      // here only waited out the timeout).
      await page.keyboard.press('Escape');
      await page.getByRole('heading', { name: 'Settings' }).waitFor({ state: 'detached' });
      await openConversation(page, /Bobby/);
      await accessible(page, 'conversation (dark)');
      await shot(page, '12-conversation-dark');
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByLabel('System').click();
      await expect.poll(() => page.getByLabel('System').isChecked()).toBe(true);
    }),
  );

  it(
    'nothing overflows at 360 px, one pane at a time',
    track(async () => {
      const context = await newContext({ viewport: { width: 360, height: 740 } });
      try {
        const page = await context.newPage();
        await page.goto((desktops.get('alice') as Desktop).url);
        await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
        await noOverflow(page, 'list');
        await accessible(page, 'list at 360 px');
        await shot(page, '13-narrow-list');
        await openConversation(page, /Bobby/);
        await noOverflow(page, 'conversation');
        await shot(page, '14-narrow-conversation');
        await page.getByRole('button', { name: 'Back to conversations' }).click();
        for (const screen of ['Network', 'Settings']) {
          await page.getByRole('button', { name: screen }).click();
          await page.getByRole('heading', { name: screen }).waitFor();
          await noOverflow(page, screen);
          await accessible(page, `${screen} at 360 px`);
          await page.getByRole('button', { name: 'Back to conversations' }).click();
        }
        await page.getByRole('button', { name: 'New conversation' }).click();
        await noOverflow(page, 'new conversation');
      } finally {
        await context.close();
      }
    }),
  );

  it(
    'the real daemons refuse foreign origins and requests without the token, and bad input',
    track(async () => {
      const desktop = desktops.get('alice') as Desktop;
      const origin = new URL(desktop.url).origin;
      const token = new URL(desktop.url).hash.slice('#token='.length);
      const context = contexts.get('alice') as BrowserContext;
      const noToken = await context.request.get(`${origin}/api/accounts`);
      expect(noToken.status()).toBe(401);
      const foreign = await context.request.post(`${origin}/api/accounts`, {
        headers: { origin: 'http://evil.example', 'x-murmur-token': token },
        data: {},
      });
      expect(foreign.status()).toBe(403);
      const before = await (
        await context.request.get(`${origin}/api/accounts`, {
          headers: { 'x-murmur-token': token },
        })
      ).json();
      const bad = await context.request.post(`${origin}/api/accounts`, {
        headers: { 'x-murmur-token': token },
        data: { displayName: '' },
      });
      expect(bad.status()).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'INVALID_INPUT' });
      const after = await (
        await context.request.get(`${origin}/api/accounts`, {
          headers: { 'x-murmur-token': token },
        })
      ).json();
      expect(after).toEqual(before);
    }),
  );

  it(
    'keyboard only: Tab to New conversation, paste an ID, Enter, write, Enter; Escape closes screens',
    track(async () => {
      const crypto = await loadCrypto();
      const carol = crypto.generateIdentity().sessionId;
      const page = pages.get('alice') as Page;
      // A fresh load (not a same-document hash change): nothing open.
      await page.goto('about:blank');
      await page.goto((desktops.get('alice') as Desktop).url);
      await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
      const newButton = (element: Focused) => element.label === 'New conversation';
      const start = await focused(page);
      expect(start === null || !newButton(start)).toBe(true);
      await tabTo(page, newButton, 'the New conversation button');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'New conversation' }).waitFor();
      // The ID field has the focus as the screen opens; Escape closes the screen.
      await expect.poll(async () => (await focused(page))?.name).toBe('sessionId');
      await page.keyboard.press('Escape');
      await expect
        .poll(() => page.getByRole('heading', { name: 'New conversation' }).count())
        .toBe(0);
      await page.getByText('Choose a conversation, or start a new one.').waitFor();
      // Again, and this time paste an ID (half of it first: the hint says what is wrong).
      await tabTo(page, newButton, 'the New conversation button again');
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await focused(page))?.name).toBe('sessionId');
      await page.keyboard.insertText(carol.slice(0, 30));
      await expect
        .poll(() => page.locator('#id-problem').textContent())
        .toMatch(/Too short: 30 of 66/);
      await page.keyboard.insertText(carol.slice(30));
      await expect.poll(() => page.locator('#id-problem').textContent()).toBe('Looks right.');
      await page.keyboard.press('Enter');
      await page.getByRole('log', { name: 'Messages' }).waitFor();
      expect(await page.locator('.panel-head .sub').first().getAttribute('title')).toBe(carol);
      // Tab to the composer, write, Enter sends.
      await tabTo(page, (element) => element.label === 'Message', 'the message field');
      await page.keyboard.type('typed and sent without a mouse');
      await page.keyboard.press('Enter');
      const typed = message(page, 'typed and sent without a mouse');
      await typed.waitFor();
      expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
      await expect.poll(() => typed.getAttribute('data-state'), { timeout: WAIT }).toBe('sent');
      // Escape closes the conversation too; the new one is in the list.
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByRole('log', { name: 'Messages' }).count()).toBe(0);
      await expect
        .poll(() => page.locator('.conversation-item', { hasText: 'typed and sent' }).count())
        .toBe(1);
    }),
  );

  it(
    "the network screen shows each path's hops, state, failures and age; Rebuild gives new paths",
    track(async () => {
      const page = pages.get('alice') as Page;
      await page.getByRole('button', { name: 'Network' }).click();
      const cards = page.getByTestId('path-card');
      await cards.first().waitFor({ timeout: WAIT });
      const count = await cards.count();
      expect(count).toBeGreaterThan(0);
      for (let i = 0; i < count; i++) {
        const card = cards.nth(i);
        const hops = await card.getByTestId('hop').allTextContents();
        expect(hops).toHaveLength(3);
        expect(hops.map((hop) => hop.split(' ')[0])).toEqual(['Guard', 'Relay', 'Relay']);
        expect(['ready', 'failing']).toContain(await card.getByTestId('path-state').textContent());
        expect(await card.getByTestId('path-failures').textContent()).toMatch(
          /^\d+ since the last success \(rebuilt at \d+\)/,
        );
        expect(await card.getByTestId('path-age').textContent()).toMatch(
          /^built \d+ (s|min|h|d) ago; (no request through it yet|last success \d+ (s|min|h|d) ago)$/,
        );
        expect(await card.getByRole('list').getAttribute('aria-label')).toMatch(
          /^Path \d: (ready|failing), guard, relay, relay$/,
        );
      }
      // The daemon's view behind it: the same paths, with their health fields.
      const desktop = desktops.get('alice') as Desktop;
      const origin = new URL(desktop.url).origin;
      const headers = { 'x-murmur-token': new URL(desktop.url).hash.slice('#token='.length) };
      const context = contexts.get('alice') as BrowserContext;
      const accounts = (await (
        await context.request.get(`${origin}/api/accounts`, { headers })
      ).json()) as { accounts: { id: string }[] };
      const account = accounts.accounts[0]?.id as string;
      const viewOf = async () =>
        (await (
          await context.request.get(`${origin}/api/accounts/${account}/network`, { headers })
        ).json()) as {
          now: number;
          paths: { id: string; builtAt: number; failures: number; nodes: unknown[] }[];
        };
      const before = await viewOf();
      expect(before.paths.length).toBe(count);
      for (const path of before.paths) expect(path.nodes).toHaveLength(3);
      await accessible(page, 'network with path health');
      // Rebuild: new paths, built after the click, each of three hops with no failures yet.
      const clickedAt = before.now;
      await page.getByRole('button', { name: 'Rebuild paths' }).click();
      await expect
        .poll(
          async () => {
            const view = await viewOf();
            return view.paths.length > 0 && view.paths.every((path) => path.builtAt >= clickedAt);
          },
          { timeout: WAIT },
        )
        .toBe(true);
      await expect
        .poll(
          () => page.getByTestId('path-card').first().getByTestId('path-failures').textContent(),
          {
            timeout: WAIT,
          },
        )
        .toMatch(/^0 since the last success/);
      for (const path of (await viewOf()).paths) expect(path.nodes).toHaveLength(3);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('path-card').count()).toBe(0);
    }),
  );

  it(
    'a message that failed for good shows Retry; the button sends it once the swarm answers',
    track(async () => {
      // An in-process daemon whose client runs on the client's fake network, where the
      // recipient's swarm refuses every connection until the test lets it answer.
      const crypto = await loadCrypto();
      const network = createFakeNetwork({ crypto, nodeCount: 16 });
      const silent = silentLogger();
      const daemon = await startDaemon(
        {
          dataDir: join(dir, 'retry'),
          port: 0,
          devTimers: true,
          sweepIntervalMs: 3_600_000,
          network: { seeds: [network.seedUrl] },
          clientInit: {
            push: false,
            pollIntervalMs: 200,
            requestTimeoutMs: 2_000,
            outbox: { maxAttempts: 2, initialBackoffMs: 20, maxBackoffMs: 100 },
            paths: { retryInitialMs: 20, retryMaxMs: 200, guardTestTimeoutMs: 1_000 },
          },
        },
        { crypto, logger: silent, fetch: network.fetch },
      );
      const context = await newContext({ viewport: { width: 1100, height: 760 } });
      try {
        const origin = `http://127.0.0.1:${daemon.port}`;
        const created = await fetch(`${origin}/api/accounts`, {
          method: 'POST',
          headers: { 'x-murmur-token': daemon.token, origin, 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: 'Dora' }),
        });
        expect(created.status).toBe(200);
        const erin = crypto.generateIdentity().sessionId;
        const swarm = network.swarmOf(erin);
        for (const node of swarm) node.unreachable = true;
        const page = await context.newPage();
        // Counts the retry answers the page has read, one task after it read each one: by then
        // the UI's handler of that answer (a chain of microtasks) has run and rendered.
        await page.addInitScript({
          content: `
            window.__retryAnswers = 0;
            const original = window.fetch.bind(window);
            window.fetch = async (input, init) => {
              const response = await original(input, init);
              if (!String(input).endsWith('/retry')) return response;
              const json = response.json.bind(response);
              response.json = async () => {
                const value = await json();
                setTimeout(() => { window.__retryAnswers++; }, 0);
                return value;
              };
              return response;
            };`,
        });
        await page.goto(`${origin}/#token=${daemon.token}`);
        await page.getByRole('navigation', { name: 'Conversations' }).waitFor({ timeout: WAIT });
        await page.getByRole('button', { name: 'New conversation' }).click();
        await page.getByLabel('Their Session ID').fill(erin);
        await page.getByRole('button', { name: 'Start conversation' }).click();
        await page.getByRole('log', { name: 'Messages' }).waitFor();
        await send(page, 'refused by the swarm at first');
        const sent = message(page, 'refused by the swarm at first');
        await expect.poll(() => sent.getAttribute('data-state'), { timeout: WAIT }).toBe('failed');
        expect(network.messagesOf(erin)).toHaveLength(0);
        await accessible(page, 'a failed message');
        // The swarm answers again; the Retry button of that message sends it. Its HTTP answer (a
        // `queued` snapshot) is held until the event stream has shown `sent`: the order a busy
        // machine gives at times, and the late answer must not undo what the stream said.
        for (const node of swarm) node.unreachable = false;
        let release = (): void => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        await page.route(
          (url) => url.pathname.endsWith('/retry'),
          async (route) => {
            const response = await route.fetch();
            await released;
            await route.fulfill({ response });
          },
        );
        await sent.getByRole('button', { name: 'Retry' }).click();
        await expect.poll(() => sent.getAttribute('data-state'), { timeout: WAIT }).toBe('sent');
        release();
        await expect
          .poll(() => page.evaluate('window.__retryAnswers'), {
            timeout: WAIT,
          })
          .toBe(1);
        expect(await sent.getAttribute('data-state')).toBe('sent');
        expect(await sent.getByRole('button', { name: 'Retry' }).count()).toBe(0);
        expect(network.messagesOf(erin)).toHaveLength(1);
      } finally {
        await context.close();
        await daemon.close();
      }
    }),
  );
  it(
    'notifications: shown when permitted and the conversation is not in view; none when off or denied',
    track(async () => {
      const aliceUrl = (desktops.get('alice') as Desktop).url;
      const aliceSession = (await daemonApi('alice', '/api/accounts')).accounts[0]?.sessionId;
      const bobAccount = (await daemonApi('bob', '/api/accounts')).accounts[0]?.id;
      const fromBob = async (text: string) => {
        const sent = await daemonPost(
          'bob',
          `/api/accounts/${bobAccount}/conversations/${aliceSession}/messages`,
          { text },
        );
        expect(sent.status).toBe(200);
      };
      /** The conversation list shows `text` as Bobby's last message: the event was handled. */
      const listed = (page: Page, text: string) =>
        page
          .locator('.conversation-item', { hasText: 'Bobby' })
          .filter({ hasText: text })
          .waitFor({ timeout: WAIT });
      // A browser whose person was never asked: turning notifications on asks, and the
      // (headless) browser refuses; the setting is saved, the page says the browser denies.
      const denied = await newContext({ viewport: { width: 1100, height: 760 } });
      const granted = await newContext({
        viewport: { width: 1100, height: 760 },
        permissions: ['notifications'],
      });
      try {
        await denied.addInitScript({ content: NOTIFICATION_SPY });
        await granted.addInitScript({ content: NOTIFICATION_SPY });
        const d = await denied.newPage();
        await d.goto(aliceUrl);
        await d.getByRole('button', { name: 'Settings' }).click();
        await d.getByText('Browser permission: default').waitFor();
        const box = d.getByLabel('Show a notification for new messages');
        expect(await box.isChecked()).toBe(false);
        // The box follows the saved setting (click, then wait for the daemon's answer).
        await box.click();
        await d
          .getByRole('status')
          .filter({ hasText: 'Notifications on (browser permission: denied)' })
          .waitFor();
        await d.keyboard.press('Escape');
        await fromBob('notice 0: the browser denies');
        await listed(d, 'notice 0');
        expect(await notices(d)).toEqual([]);

        // A browser that permits them; the setting is on (the denied page turned it on).
        const g = await granted.newPage();
        await g.goto(aliceUrl);
        await g.getByRole('button', { name: 'Settings' }).click();
        await g.getByText('Browser permission: granted').waitFor();
        expect(await g.getByLabel('Show a notification for new messages').isChecked()).toBe(true);
        await accessible(g, 'settings with notifications');
        await shot(g, '15-notifications');
        await g.keyboard.press('Escape');
        // No conversation open: a notification titled with the conversation's name.
        await fromBob('notice 1: the list is open');
        await expect
          .poll(() => notices(g), { timeout: WAIT })
          .toEqual([{ title: 'Bobby', body: 'notice 1: the list is open' }]);
        await listed(d, 'notice 1');
        expect(await notices(d)).toEqual([]);
        // Clicking it opens the conversation.
        await g.evaluate(`window.__lastNotice.dispatchEvent(new Event('click'))`);
        await g.getByRole('region', { name: 'Conversation with Bobby' }).waitFor();
        await message(g, 'notice 1: the list is open').waitFor();
        // That conversation in view, the page visible and focused: no notification.
        await fromBob('notice 2: in view');
        await message(g, 'notice 2: in view').waitFor({ timeout: WAIT });
        expect(await notices(g)).toHaveLength(1);
        // The page hidden (another tab or a minimised window): a notification.
        await view(g, { hidden: true, focused: false });
        await fromBob('notice 3: page hidden');
        await expect.poll(async () => (await notices(g)).length, { timeout: WAIT }).toBe(2);
        expect((await notices(g))[1]).toEqual({ title: 'Bobby', body: 'notice 3: page hidden' });
        // Visible but another window has the focus: a notification.
        await view(g, { hidden: false, focused: false });
        await fromBob('notice 4: window unfocused');
        await expect.poll(async () => (await notices(g)).length, { timeout: WAIT }).toBe(3);
        expect((await notices(g))[2]).toEqual({
          title: 'Bobby',
          body: 'notice 4: window unfocused',
        });
        await view(g, { hidden: false, focused: true });
        // Off in the settings: none, though the browser permits them.
        await g.getByRole('button', { name: 'Settings' }).click();
        await g.getByLabel('Show a notification for new messages').click();
        await g.getByRole('status').filter({ hasText: 'Notifications off' }).waitFor();
        await g.keyboard.press('Escape');
        await fromBob('notice 5: turned off');
        await listed(g, 'notice 5');
        await listed(d, 'notice 5');
        expect(await notices(g)).toHaveLength(3);
        expect(await notices(d)).toEqual([]);
      } finally {
        await denied.close();
        await granted.close();
      }
    }),
  );
  it(
    'onboarding with a passphrase at 360 px; after a restart the unlock screen (a wrong passphrase refused)',
    track(async () => {
      // An in-process daemon without a network: accounts, sealing and unlocking need none.
      const crypto = await loadCrypto();
      const silent = silentLogger();
      const dataDir = join(dir, 'sealed');
      const start = () =>
        startDaemon(
          { dataDir, port: 0, sweepIntervalMs: 3_600_000 },
          { crypto, logger: silent, fetch: globalThis.fetch },
        );
      let daemon = await start();
      const context = await newContext({ viewport: { width: 360, height: 740 } });
      try {
        const page = await context.newPage();
        // The first answer of the accounts list is held until the page shows the welcome from
        // the event stream's snapshot alone (the order a loaded machine gives at times): the
        // answer is then dropped as older, and onboarding must still run to the phrase.
        let release = (): void => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        const accountsList = (url: URL) => url.pathname === '/api/accounts';
        await page.route(accountsList, async (route) => {
          if (route.request().method() !== 'GET') return route.fallback();
          const response = await route.fetch();
          await released;
          await route.fulfill({ response });
        });
        await page.goto(`http://127.0.0.1:${daemon.port}/#token=${daemon.token}`);
        await page.getByRole('button', { name: 'Create account' }).waitFor({ timeout: WAIT });
        release();
        await page.waitForResponse(
          (response) =>
            new URL(response.url()).pathname === '/api/accounts' &&
            response.request().method() === 'GET',
          { timeout: WAIT },
        );
        await page.unroute(accountsList);
        await noOverflow(page, 'welcome');
        await accessible(page, 'welcome at 360 px');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.getByLabel(/^Display name/).fill('Sealed Sam');
        await page.getByLabel(/^Passphrase to lock/).fill('correct horse battery staple');
        await noOverflow(page, 'create');
        await accessible(page, 'create at 360 px');
        await page.getByRole('button', { name: 'Create', exact: true }).click();
        await page.getByTestId('phrase-word').first().waitFor({ timeout: WAIT });
        expect(await page.getByTestId('phrase-word').count()).toBe(24);
        await noOverflow(page, 'phrase');
        await accessible(page, 'phrase at 360 px');
        // The seed on disk is sealed: no phrase word, no seed in clear.
        const listed = (await (
          await fetch(`http://127.0.0.1:${daemon.port}/api/accounts`, {
            headers: { 'x-murmur-token': daemon.token },
          })
        ).json()) as { accounts: { sealed: boolean; locked: boolean }[] };
        expect(listed.accounts).toMatchObject([{ sealed: true, locked: false }]);
        // The daemon restarts: the account is locked until its passphrase is given.
        await daemon.close();
        daemon = await start();
        await page.goto(`http://127.0.0.1:${daemon.port}/#token=${daemon.token}`);
        await page.getByRole('heading', { name: 'Unlock Sealed Sam' }).waitFor({ timeout: WAIT });
        await noOverflow(page, 'unlock');
        await accessible(page, 'unlock at 360 px');
        await page.setViewportSize({ width: 1100, height: 760 });
        await accessible(page, 'unlock');
        await shot(page, '16-unlock');
        await page.getByLabel('Passphrase').fill('wrong horse');
        await page.getByRole('button', { name: 'Unlock' }).click();
        await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/passphrase/i);
        await shot(page, '17-unlock-wrong');
        await page.getByRole('heading', { name: 'Unlock Sealed Sam' }).waitFor();
        await page.getByLabel('Passphrase').fill('correct horse battery staple');
        await page.getByRole('button', { name: 'Unlock' }).click();
        await page.getByRole('navigation', { name: 'Conversations' }).waitFor({ timeout: WAIT });
        expect(await page.getByRole('heading', { name: /^Unlock/ }).count()).toBe(0);
      } finally {
        await context.close();
        await daemon.close();
      }
    }),
  );
  it(
    'the remaining screens are accessible too: local edit and nickname forms, the page without a token',
    track(async () => {
      const page = pages.get('alice') as Page;
      await page.goto('about:blank');
      await page.goto((desktops.get('alice') as Desktop).url);
      await openConversation(page, /Bobby/);
      // The local edit form, open on a message.
      const first = page.getByTestId('message').first();
      await first.waitFor({ timeout: WAIT });
      await first.getByRole('button', { name: 'Edit local copy' }).click();
      await page.getByLabel(/^Local copy/).waitFor();
      await accessible(page, 'local edit form');
      await page.getByRole('button', { name: 'Cancel' }).click();
      // The nickname form.
      await page.getByRole('button', { name: 'Nickname', exact: true }).click();
      await page.getByLabel(/^Nickname \(only on this computer/).waitFor();
      await accessible(page, 'nickname form');
      await shot(page, '18-nickname');
      await page.getByRole('button', { name: 'Nickname', exact: true }).click();
      // The UI opened without its token (a bookmark, another tab): it says what to open.
      const context = await newContext({ viewport: { width: 360, height: 740 } });
      try {
        const bare = await context.newPage();
        await bare.goto(new URL((desktops.get('alice') as Desktop).url).origin);
        await bare.getByText(/This page needs the address/).waitFor();
        await noOverflow(bare, 'no token');
        await accessible(bare, 'no token');
        await shot(bare, '19-no-token');
      } finally {
        await context.close();
      }
    }),
  );
  it(
    "a late answer never brings back an unread count that was read (the list's answers in order)",
    track(async () => {
      const aliceUrl = (desktops.get('alice') as Desktop).url;
      const aliceSession = (await daemonApi('alice', '/api/accounts')).accounts[0]?.sessionId;
      const bobAccount = (await daemonApi('bob', '/api/accounts')).accounts[0]?.id;
      // Alice's other page leaves (an open conversation there would read the message at once).
      await (pages.get('alice') as Page).goto('about:blank');
      const context = await newContext({ viewport: { width: 1100, height: 760 } });
      try {
        // Notes when the page has read the held answer (marked by the route below), one task
        // after it read it: by then the UI's handler of that answer has run and rendered.
        await context.addInitScript({
          content: `
            window.__heldRead = false;
            const original = window.fetch.bind(window);
            window.fetch = async (input, init) => {
              const response = await original(input, init);
              if (response.headers.get('x-murmur-test-held') !== 'yes') return response;
              const json = response.json.bind(response);
              response.json = async () => {
                const value = await json();
                setTimeout(() => { window.__heldRead = true; }, 0);
                return value;
              };
              return response;
            };`,
        });
        const page = await context.newPage();
        await page.goto(aliceUrl);
        const item = page.locator('.conversation-item', { hasText: 'Bobby' });
        await item.waitFor({ timeout: WAIT });
        // The next fetch of the list (the one a new message starts) is answered by the daemon at
        // once but held on its way to the page until the read is shown.
        let armed = false;
        let held = false;
        let heldUnread: number | undefined;
        let release = (): void => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let arrived = (): void => undefined;
        const holding = new Promise<void>((resolve) => {
          arrived = resolve;
        });
        await page.route(
          (url) => url.pathname.endsWith('/conversations'),
          async (route) => {
            if (!armed || held || route.request().method() !== 'GET') {
              await route.continue();
              return;
            }
            held = true;
            const response = await route.fetch();
            const list = (await response.json()) as {
              conversations: { nickname?: string; unreadCount: number }[];
            };
            heldUnread = list.conversations.find((c) => c.nickname === 'Bobby')?.unreadCount;
            arrived();
            await released;
            await route.fulfill({
              response,
              headers: { ...response.headers(), 'x-murmur-test-held': 'yes' },
            });
          },
        );
        // The page has loaded its list (the stream is open): the next fetch is the message's.
        await page
          .getByRole('status')
          .filter({ hasText: /^connected$/ })
          .waitFor();
        armed = true;
        const sent = await daemonPost(
          'bob',
          `/api/accounts/${bobAccount}/conversations/${aliceSession}/messages`,
          { text: 'race: unread, then read' },
        );
        expect(sent.status).toBe(200);
        // The daemon answered the held fetch with an unread count of 1.
        await holding;
        expect(heldUnread).toBe(1);
        // Reading the conversation: a later fetch of the list shows it read.
        await item.click();
        await message(page, 'race: unread, then read').waitFor({ timeout: WAIT });
        await expect
          .poll(() => item.textContent(), { timeout: WAIT })
          .toMatch(/race: unread, then read/);
        expect(await item.getByTestId('unread').count()).toBe(0);
        // Now the stale answer reaches the page: it must not bring the count back.
        release();
        await expect.poll(() => page.evaluate('window.__heldRead'), { timeout: WAIT }).toBe(true);
        // Two frames more: whatever that answer changed is on screen.
        await page.evaluate(
          'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))',
        );
        expect(await item.getByTestId('unread').count()).toBe(0);
        expect(await item.textContent()).toMatch(/race: unread, then read/);
      } finally {
        await context.close();
      }
    }),
  );
  it(
    'a long conversation: the newest page first, older history loaded by scrolling up',
    track(async () => {
      const crypto = await loadCrypto();
      const network = createFakeNetwork({ crypto, nodeCount: 16 });
      const silent = silentLogger();
      const daemon = await startDaemon(
        {
          dataDir: join(dir, 'long'),
          port: 0,
          sweepIntervalMs: 3_600_000,
          network: { seeds: [network.seedUrl] },
          clientInit: { push: false, pollIntervalMs: 1_000, requestTimeoutMs: 2_000 },
        },
        { crypto, logger: silent, fetch: network.fetch },
      );
      const context = await newContext({ viewport: { width: 1100, height: 760 } });
      try {
        const origin = `http://127.0.0.1:${daemon.port}`;
        const post = async (path: string, body: unknown) => {
          const response = await fetch(`${origin}${path}`, {
            method: 'POST',
            headers: { 'x-murmur-token': daemon.token, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          expect(response.status, path).toBe(200);
          return (await response.json()) as { account?: { id: string } };
        };
        const account = (await post('/api/accounts', { displayName: 'Lena' })).account?.id;
        const fay = crypto.generateIdentity().sessionId;
        await post(`/api/accounts/${account}/contacts`, { sessionId: fay, nickname: 'Fay' });
        const COUNT = 120;
        for (let i = 1; i <= COUNT; i++) {
          await post(`/api/accounts/${account}/conversations/${fay}/messages`, {
            text: `long history ${String(i).padStart(3, '0')}`,
          });
        }
        const page = await context.newPage();
        await page.goto(`${origin}/#token=${daemon.token}`);
        await openConversation(page, /Fay/);
        await message(page, 'long history 120').waitFor({ timeout: WAIT });
        // The newest page only: the oldest is not loaded yet, and few rows are in the DOM.
        expect(await message(page, 'long history 001').count()).toBe(0);
        expect(await page.getByTestId('message').count()).toBeLessThan(COUNT);
        // Scrolling up loads older pages until the first message shows.
        const log = page.getByRole('log', { name: 'Messages' });
        await expect
          .poll(
            async () => {
              await log.evaluate((element) => {
                element.scrollTop = 0;
              });
              return message(page, 'long history 001').count();
            },
            { timeout: WAIT },
          )
          .toBe(1);
        expect(await page.getByRole('button', { name: 'Load older messages' }).count()).toBe(0);
        await accessible(page, 'a long conversation scrolled to its start');
        // The windowed list keeps only the rows near the viewport in the DOM.
        expect(await page.getByTestId('message').count()).toBeLessThan(COUNT);
      } finally {
        await context.close();
        await daemon.close();
      }
    }),
  );
  it(
    'a second window follows the first: the theme and the display name come by the event stream',
    track(async () => {
      const aliceUrl = (desktops.get('alice') as Desktop).url;
      const first = pages.get('alice') as Page;
      await first.goto('about:blank');
      await first.goto(aliceUrl);
      await first.getByRole('navigation', { name: 'Conversations' }).waitFor();
      const context = await newContext({ viewport: { width: 1100, height: 760 } });
      try {
        const second = await context.newPage();
        await second.goto(aliceUrl);
        await second.getByRole('navigation', { name: 'Conversations' }).waitFor();
        const theme = (page: Page) =>
          page.evaluate(() => document.documentElement.getAttribute('data-theme'));
        expect(await theme(second)).toBe('light');
        // The first window sets the dark theme; the second, untouched, follows.
        await first.getByRole('button', { name: 'Settings' }).click();
        await first.getByLabel('Dark').click();
        await expect.poll(() => theme(first)).toBe('dark');
        await expect.poll(() => theme(second)).toBe('dark');
        // A new display name: both windows show it (the daemon streams the accounts).
        await first.getByLabel('Display name').fill('Alice L.');
        await first.getByRole('button', { name: 'Save name' }).click();
        for (const page of [first, second]) {
          await expect.poll(() => page.locator('.me strong').textContent()).toBe('Alice L.');
        }
        // Back as they were, from the second window this time.
        await second.getByRole('button', { name: 'Settings' }).click();
        await second.getByLabel('System').click();
        await expect.poll(() => theme(first)).toBe('light');
        await second.getByLabel('Display name').fill('Alice');
        await second.getByRole('button', { name: 'Save name' }).click();
        for (const page of [first, second]) {
          await expect.poll(() => page.locator('.me strong').textContent()).toBe('Alice');
        }
      } finally {
        await context.close();
      }
    }),
  );
});
