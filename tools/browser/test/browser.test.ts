/**
 * The packages in a browser: `src/entry.ts` (the WebAssembly crypto backend, wire, onion layers
 * both ways, and two clients exchanging a message through onion paths on the client's in-memory
 * network) bundled by esbuild for `platform: 'browser'` from the packages' sources, served on
 * loopback and run in headless Chromium (Debian's `chromium`, driven by playwright-core).
 *
 * Chromium missing is a failure, not a skip: `.ci/run` installs it (`apt-get install -y
 * chromium`); set MURMUR_CHROMIUM to use another binary.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserCheckResult } from '../src/entry.js';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { MURMUR_CHROMIUM } = process.env;
const CHROMIUM = MURMUR_CHROMIUM ?? '/usr/bin/chromium';

let bundle = '';
let server: Server;
let browser: Browser;
const warnings: string[] = [];

beforeAll(async () => {
  // The client's in-memory network is test support (never published): found through the
  // declared dependency on @murmur/client, not by a path into another workspace.
  const clientDir = dirname(require.resolve('@murmur/client/package.json'));
  const output = await build({
    entryPoints: [join(here, '..', 'src', 'entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    // Bundle the TypeScript sources (each package's `source` export condition).
    conditions: ['source'],
    alias: {
      '@murmur/client/test-support/fake-network': join(
        clientDir,
        'src',
        'test-support',
        'fake-network.ts',
      ),
    },
    // Node-only code the packages load lazily, only where it exists (sodium-native,
    // node:crypto): left out of the bundle, so importing it fails in the browser as designed.
    external: ['sodium-native', 'node:*'],
    logLevel: 'silent',
  });
  for (const warning of output.warnings) warnings.push(warning.text);
  bundle = output.outputFiles[0]?.text ?? '';

  server = createServer((request, response) => {
    if (request.url === '/bundle.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(bundle);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(
      '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set MURMUR_CHROMIUM)`,
    );
  }
  // playwright-core gives the browser a fresh temporary profile of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the packages in Chromium', () => {
  it('bundle for the browser with no Node built-in inside', () => {
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(warnings).toEqual([]);
    // Node-only modules stay dynamic imports the code reaches only on Node.
    expect(bundle).not.toMatch(/\brequire\(["']node:/);
  });

  it('run: WebAssembly crypto, the Session Protocol, onion layers and two clients', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.murmurBrowserCheck?.done === true, undefined, {
      timeout: 120_000,
    });
    const result = (await page.evaluate(() => window.murmurBrowserCheck)) as BrowserCheckResult;
    expect({ ...result, pageErrors }).toEqual({
      done: true,
      backend: 'wasm',
      aesGcm: 'webcrypto',
      checks: {
        'session-protocol': 'ok',
        'onion-aes-gcm': 'ok',
        'onion-xchacha20': 'ok',
        'client-exchange': 'ok',
      },
      pageErrors: [],
    });
  }, 180_000);
});
