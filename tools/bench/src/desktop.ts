/**
 * Desktop client benchmark (`pnpm --filter @murmur/bench run bench:desktop`): the figures of the
 * desktop issue, against a real `murmur-desktop` process (the built `apps/desktop/dist/cli.js`)
 * on a local network of real processes (`@murmur/testnet`), measured in Debian's Chromium
 * through playwright-core:
 *
 * - **first paint and time to interactive** of the UI, each of `--loads` fresh page loads:
 *   first contentful paint, and the `murmur-interactive` mark the UI sets once the conversation
 *   list from the daemon is on screen;
 * - **a conversation of 1,000 messages** (written into the account's SQLite storage before the
 *   daemon starts): time from the click to the newest page on screen, until the oldest message
 *   is on screen by scrolling up (the UI loads older pages as it goes), how many message rows
 *   the DOM holds then (all of them without a windowed list), and `End` back to the newest;
 * - **daemon idle RSS**, client included, once the client is ready and after `--idle` seconds
 *   of rest (target < 120 MB), as shipped and, in the same run, with V8's default heap settings
 *   (`MURMUR_DESKTOP_V8_FLAGS` empty: what `cli.ts`'s tuning saves);
 * - **JS bundle size (gzip)** of the UI against a Session-desktop-like baseline measured in the
 *   same run: the UI framework core of session-desktop 1.16.11 (React 18.3.1 + ReactDOM, Redux
 *   toolkit + react-redux, styled-components) bundled and minified the same way
 *   (`desktop-baseline/entry.js`).
 *
 * Build first: `pnpm build`. Flags: `--nodes N` (8), `--loads N` (7), `--idle S` (15).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createSqliteStorage } from '@murmur/client/sqlite';
import { loadCrypto } from '@murmur/crypto';
import { devnetPrograms } from '@murmur/devnet';
import { startTestnet } from '@murmur/testnet';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { positiveInteger, positiveNumber, scriptArgs } from './args.js';
import { percentile } from './stats.js';

/** The page's document, as the callbacks of `page.evaluate` (run in the browser) read it. */
declare const document: {
  querySelector(selector: string): { scrollTop: number } | null;
  querySelectorAll(
    selector: string,
  ): ArrayLike<{ textContent: string | null }> & Iterable<{ textContent: string | null }>;
};

const RSS_TARGET_MB = 120;
const MESSAGES = 1_000;
const DESKTOP = fileURLToPath(new URL('../../../apps/desktop/', import.meta.url));
const CLI = join(DESKTOP, 'dist', 'cli.js');
const UI = join(DESKTOP, 'dist', 'ui', 'assets');
const CHROMIUM = process.env['MURMUR_CHROMIUM'] ?? '/usr/bin/chromium';

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    nodes: { type: 'string', default: '8' },
    loads: { type: 'string', default: '7' },
    idle: { type: 'string', default: '15' },
  },
});
const nodes = positiveInteger('--nodes', values.nodes);
const loads = positiveInteger('--loads', values.loads);
const idleSeconds = positiveNumber('--idle', values.idle);
if (!existsSync(CLI) || !existsSync(UI)) {
  throw new Error(
    `build the desktop app first: pnpm --filter @murmur/desktop build (missing ${CLI} or ${UI})`,
  );
}

const gzipBytes = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

// --- Bundle sizes -----------------------------------------------------------------------------
const ui = { js: 0, jsGzip: 0, css: 0, cssGzip: 0 };
for (const file of readdirSync(UI)) {
  const bytes = readFileSync(join(UI, file));
  if (file.endsWith('.js')) {
    ui.js += bytes.length;
    ui.jsGzip += gzipBytes(bytes);
  } else if (file.endsWith('.css')) {
    ui.css += bytes.length;
    ui.cssGzip += gzipBytes(bytes);
  }
}
const baselineBuild = await build({
  entryPoints: [fileURLToPath(new URL('./desktop-baseline/entry.js', import.meta.url))],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
});
const baselineJs = baselineBuild.outputFiles[0]?.contents ?? new Uint8Array();
const baseline = { js: baselineJs.length, jsGzip: gzipBytes(baselineJs) };

// --- Network and daemon -----------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-desktop-'));
const testnet = await startTestnet({
  programs: devnetPrograms(),
  dir: join(dir, 'net'),
  nodes,
  blockTimeMs: 250,
  pooledEvery: 0,
  fresh: true,
});
let daemon: { child: ChildProcess; url: string } | undefined;
const dataDir = join(dir, 'desktop');

function startDaemon(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      '--data-dir',
      dataDir,
      '--no-open',
      '--network',
      testnet.seedUrl,
      '--log-level',
      'warn',
      '--log-file',
      join(dir, 'desktop.log'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = output.match(/serving (\S+)/);
      if (match !== null) resolve({ child, url: match[1] as string });
    });
    child.once('exit', (code) => reject(new Error(`murmur-desktop exited (${code}): ${output}`)));
  });
}

async function stopDaemon(): Promise<void> {
  const current = daemon;
  daemon = undefined;
  if (current === undefined || current.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    current.child.once('exit', () => resolve());
    current.child.kill('SIGTERM');
  });
}

async function api<T>(
  url: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const base = new URL(url);
  const token = base.hash.slice('#token='.length);
  const response = await fetch(new URL(path, base), {
    method: init.method ?? 'GET',
    headers: {
      'x-murmur-token': token,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kbValue = Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? Number.NaN);
  return kbValue / 1024;
}

try {
  await testnet.waitForActive();
  const crypto = await loadCrypto();
  daemon = await startDaemon();
  const { account } = await api<{ account: { id: string; sessionId: string } }>(
    daemon.url,
    '/api/accounts',
    {
      method: 'POST',
      body: { displayName: 'Bench' },
    },
  );
  const peer = crypto.generateIdentity().sessionId;
  await api(daemon.url, `/api/accounts/${account.id}/contacts`, {
    method: 'POST',
    body: { sessionId: peer, nickname: 'Peer' },
  });
  await stopDaemon();

  // 1,000 messages over five days, both ways, as the client stores them.
  const storage = createSqliteStorage({ path: join(dataDir, 'accounts', account.id, 'client.db') });
  const start = Date.now() - 5 * 86_400_000;
  for (let i = 0; i < MESSAGES; i++) {
    const outgoing = i % 3 === 0;
    await storage.insertMessage({
      id: Buffer.from(crypto.randomBytes(32)).toString('base64url'),
      conversationId: peer,
      direction: outgoing ? 'outgoing' : 'incoming',
      sender: outgoing ? account.sessionId : peer,
      text: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 4))}`,
      sentAt: start + i * 432_000,
      receivedAt: start + i * 432_000 + 800,
      namespace: 0,
      read: true,
      ...(outgoing ? { state: 'sent' as const } : {}),
    });
  }
  await storage.close();

  /** Waits until the account's client is healthy, rests, and gives the median of 5 RSS samples. */
  const idleRssOf = async (url: string, pid: number): Promise<number> => {
    const readyAt = performance.now();
    for (;;) {
      const view = await api<{ health: { summary: string } | null }>(
        url,
        `/api/accounts/${account.id}/network`,
      );
      if (view.health?.summary === 'healthy') break;
      if (performance.now() - readyAt > 120_000)
        throw new Error("the daemon's client did not become healthy in 120 s");
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const rssSamples: number[] = [];
    for (let i = 0; i < 5; i++) {
      rssSamples.push(rssMb(pid));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return percentile(rssSamples, 50);
  };

  // The same daemon with V8's default heap settings (MURMUR_DESKTOP_V8_FLAGS empty), then as
  // shipped (cli.ts tunes the heap); the browser measures run against the second.
  daemon = await startDaemon({ ...process.env, MURMUR_DESKTOP_V8_FLAGS: '' });
  const defaultRss = await idleRssOf(daemon.url, daemon.child.pid as number);
  await stopDaemon();
  daemon = await startDaemon();
  const url = daemon.url;
  const idleRss = await idleRssOf(url, daemon.child.pid as number);

  // --- Browser ----------------------------------------------------------------------------------
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const firstPaint: number[] = [];
  const interactive: number[] = [];
  const firstPage: number[] = [];
  const allRendered: number[] = [];
  const domRows: number[] = [];
  const backToNewest: number[] = [];
  try {
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(
        () => performance.getEntriesByName('murmur-interactive').length > 0,
        undefined,
        {
          timeout: 60_000,
        },
      );
      const marks = await page.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        tti: performance.getEntriesByName('murmur-interactive')[0]?.startTime ?? Number.NaN,
      }));
      firstPaint.push(marks.fcp);
      interactive.push(marks.tti);

      process.stderr.write(`load ${i + 1}: interactive; opening the conversation\n`);
      const clicked = await page.evaluate(() => performance.now());
      await page.locator('.conversation-item', { hasText: 'Peer' }).click();
      await page.waitForFunction(
        () => performance.getEntriesByName('murmur-conversation-shown').length > 0,
      );
      const shown = await page.evaluate(
        () => performance.getEntriesByName('murmur-conversation-shown')[0]?.startTime ?? Number.NaN,
      );
      firstPage.push(shown - clicked);
      // Scroll up until the oldest message is on screen (older pages load at the top; a
      // windowed list renders only the rows near the viewport, so the DOM never holds all).
      await page.waitForFunction(
        () => {
          const list = document.querySelector('.messages');
          if (list !== null) list.scrollTop = 0;
          return [...document.querySelectorAll('[data-testid="message"]')].some((node) =>
            (node.textContent ?? '').startsWith('message 0:'),
          );
        },
        undefined,
        { timeout: 180_000, polling: 50 },
      );
      const done = await page.evaluate(() => performance.now());
      allRendered.push(done - clicked);
      process.stderr.write(`load ${i + 1}: the oldest message reached\n`);
      domRows.push(
        await page.evaluate(() => document.querySelectorAll('[data-testid="message"]').length),
      );
      // Keyboard and screen readers: the newest message again with End, and how long that takes.
      const endPressed = await page.evaluate(() => performance.now());
      await page.locator('.messages').focus({ timeout: 10_000 });
      await page.keyboard.press('End');
      const back = await page
        .waitForFunction(
          (last) =>
            [...document.querySelectorAll('[data-testid="message"]')].some((node) =>
              (node.textContent ?? '').startsWith(`message ${last}:`),
            ),
          MESSAGES - 1,
          { timeout: 30_000, polling: 50 },
        )
        .then(
          () => true,
          () => false,
        );
      if (!back) {
        const where = await page.evaluate(() => {
          const list = document.querySelector('.messages');
          const rows = document.querySelectorAll('[data-testid="message"]');
          return {
            scrollTop: list?.scrollTop,
            rows: rows.length,
            first: rows[0]?.textContent?.slice(0, 14),
            focused: (document as unknown as { activeElement: { className: string } | null })
              .activeElement?.className,
          };
        });
        throw new Error(`End did not bring the newest message back: ${JSON.stringify(where)}`);
      }
      backToNewest.push((await page.evaluate(() => performance.now())) - endPressed);
      await context.close();
    }
  } finally {
    await browser.close();
  }

  const median = (list: number[]) => percentile(list, 50);
  console.log(
    '\nmurmur-desktop (measured on a shared, busy 2-core machine: ratios in this run are what count)',
  );
  console.log(
    `  UI first contentful paint         median ${ms(median(firstPaint))}  (p90 ${ms(percentile(firstPaint, 90))}, ${loads} loads)`,
  );
  console.log(
    `  UI time to interactive            median ${ms(median(interactive))}  (p90 ${ms(percentile(interactive, 90))}; conversation list from the daemon on screen)`,
  );
  console.log(
    `  1,000-message conversation        newest page ${ms(median(firstPage))}, scrolled up to the oldest ${ms(median(allRendered))} (medians; ${median(domRows)} message rows in the DOM there), End back to the newest ${ms(median(backToNewest))}`,
  );
  console.log(
    `  daemon idle RSS (client included) ${idleRss.toFixed(1)} MB  (target < ${RSS_TARGET_MB} MB: ${idleRss < RSS_TARGET_MB ? 'met' : 'NOT met'}; ${(idleRss / RSS_TARGET_MB).toFixed(2)} of target)`,
  );
  console.log(
    `  same, V8's default heap settings  ${defaultRss.toFixed(1)} MB  (MURMUR_DESKTOP_V8_FLAGS empty; tuned is ${(idleRss / defaultRss).toFixed(2)} of it)`,
  );
  console.log(
    `  UI JS bundle                      ${kb(ui.jsGzip)} gzip (${kb(ui.js)} minified), CSS ${kb(ui.cssGzip)} gzip`,
  );
  console.log(
    `  baseline: session-desktop's UI core (React 18 + ReactDOM + Redux toolkit + react-redux + styled-components)`,
  );
  console.log(
    `                                    ${kb(baseline.jsGzip)} gzip (${kb(baseline.js)} minified): Murmur's whole UI is ${(ui.jsGzip / baseline.jsGzip).toFixed(2)} of it`,
  );
  console.log(
    JSON.stringify({
      firstPaintMs: median(firstPaint),
      interactiveMs: median(interactive),
      conversationFirstPageMs: median(firstPage),
      conversationOldestMs: median(allRendered),
      conversationDomRows: median(domRows),
      conversationBackToNewestMs: median(backToNewest),
      idleRssMb: idleRss,
      idleRssDefaultV8Mb: defaultRss,
      uiJsGzipBytes: ui.jsGzip,
      baselineJsGzipBytes: baseline.jsGzip,
    }),
  );
} finally {
  await stopDaemon();
  await testnet.stop();
  rmSync(dir, { recursive: true, force: true });
}
