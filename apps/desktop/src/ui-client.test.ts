/**
 * The UI's typed client against the daemon: every route it calls exists with that method
 * (its types come from the same TypeBox schemas, checked by `tsc -p ui/tsconfig.json`), and the
 * built UI is served with its security headers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../ui/src/routes.js';
import { type Daemon, startDaemon } from './daemon.js';

const silent = silentLogger();

let daemon: Daemon;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-ui-'));
  const uiDir = join(dir, 'ui');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Murmur</title>');
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'export {};');
  daemon = await startDaemon(
    { dataDir: join(dir, 'data'), port: 0, uiDir },
    { crypto: await loadCrypto(), logger: silent, fetch: globalThis.fetch },
  );
});

afterAll(async () => {
  await daemon?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the UI client and the daemon', () => {
  it('every route the UI calls exists with its method', () => {
    expect(ROUTES.length).toBeGreaterThan(20);
    for (const [method, url] of ROUTES) {
      expect(daemon.app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
    }
  });

  it('serves the UI with a strict CSP, and never a file outside it', async () => {
    const page = await fetch(`${daemon.origin}conversations/some/where`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Murmur</title>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const script = await fetch(`${daemon.origin}assets/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const path of [
      '/../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/../../data/desktop.json',
    ]) {
      const answer = await fetch(`${daemon.origin.slice(0, -1)}${path}`);
      expect(await answer.text(), path).toContain('<title>Murmur</title>');
    }
  });
});
