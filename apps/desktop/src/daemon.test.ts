/**
 * The daemon over real HTTP on loopback: the API's input checks (bad input → 4xx and nothing
 * stored), the Host/Origin/token checks, file modes, sealed seeds, the phrase steps, local
 * edits and disappearing messages (with an unreachable network: messages wait in the outbox).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClientInit, type PushBatch, type PushSource, sealTextMessage } from '@murmur/client';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { silentLogger } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Daemon, startDaemon } from './daemon.js';
import { daemonsAndDirs } from './test-support/daemons.js';

const silent = silentLogger();
// A network nobody answers on: clients start, stay offline, and keep messages queued.
const OFFLINE_SEED = 'http://127.0.0.1:9/json_rpc';
const FAST_SEAL = { opsLimit: 1, memLimit: 8192 * 8 };

let crypto: MurmurCrypto;
const { daemons, dirs } = daemonsAndDirs();

beforeAll(async () => {
  crypto = await loadCrypto();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-desktop-test-'));
  dirs.push(dir);
  return join(dir, 'data');
}

async function start(
  dataDir = tempDir(),
  options: {
    passphrase?: string;
    clock?: { now(): number };
    network?: boolean;
    clientInit?: Partial<ClientInit>;
  } = {},
): Promise<Daemon> {
  const daemon = await startDaemon(
    {
      dataDir,
      port: 0,
      devTimers: true,
      seedLimits: FAST_SEAL,
      sweepIntervalMs: 3_600_000,
      ...(options.network === false ? {} : { network: { seeds: [OFFLINE_SEED] } }),
      ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
      ...(options.clientInit === undefined ? {} : { clientInit: options.clientInit }),
    },
    {
      crypto,
      logger: silent,
      fetch: globalThis.fetch,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    },
  );
  daemons.push(daemon);
  return daemon;
}

interface Body {
  error?: string;
  message?: unknown;
  text?: string;
  messages?: unknown;
  health?: unknown;
  [key: string]: unknown;
}

interface Answer {
  status: number;
  body: Body;
}

/** A request with full control over the headers (fetch forbids setting Host and Origin). */
function call(
  daemon: Daemon,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: daemon.port,
        method,
        path,
        headers: {
          host: `127.0.0.1:${daemon.port}`,
          'x-murmur-token': daemon.token,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Body = {};
          try {
            parsed = JSON.parse(text) as Body;
          } catch {
            parsed = { text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function createAccount(daemon: Daemon, body: Record<string, unknown> = {}) {
  const answer = await call(daemon, 'POST', '/api/accounts', body);
  expect(answer.status).toBe(200);
  return answer.body as { account: { id: string; sessionId: string }; phrase: string };
}

/** Polls `check` until it holds; the 60 s limit is a hang guard, not a timing assertion. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('requests from elsewhere are refused', () => {
  it('a foreign Host (DNS rebinding), a foreign Origin, a missing or wrong token', async () => {
    const daemon = await start();
    expect((await call(daemon, 'GET', '/api/accounts')).status).toBe(200);

    const rebinding = await call(daemon, 'GET', '/api/accounts', undefined, {
      host: `evil.example:${daemon.port}`,
    });
    expect(rebinding).toMatchObject({ status: 403, body: { error: 'HOST_REFUSED' } });
    // Even the UI and /health answer only to the daemon's own names.
    expect((await call(daemon, 'GET', '/health', undefined, { host: 'evil.example' })).status).toBe(
      403,
    );

    const foreign = await call(
      daemon,
      'POST',
      '/api/accounts',
      {},
      {
        origin: 'http://evil.example',
      },
    );
    expect(foreign).toMatchObject({ status: 403, body: { error: 'ORIGIN_REFUSED' } });
    const crossSite = await call(daemon, 'GET', '/api/accounts', undefined, {
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);

    const noToken = await call(daemon, 'POST', '/api/accounts', {}, { 'x-murmur-token': '' });
    expect(noToken).toMatchObject({ status: 401, body: { error: 'TOKEN_REQUIRED' } });
    const wrongToken = await call(daemon, 'GET', '/api/accounts', undefined, {
      'x-murmur-token': 'a'.repeat(64),
    });
    expect(wrongToken.status).toBe(401);
    const metrics = await call(daemon, 'GET', '/metrics', undefined, { 'x-murmur-token': 'x' });
    expect(metrics.status).toBe(401);
    // Nothing was created by the refused POSTs.
    expect((await call(daemon, 'GET', '/api/accounts')).body).toEqual({ accounts: [] });

    // The same origin with the token passes, and Bearer works too.
    const own = await call(daemon, 'GET', '/api/accounts', undefined, {
      origin: `http://127.0.0.1:${daemon.port}`,
      'x-murmur-token': '',
      authorization: `Bearer ${daemon.token}`,
    });
    expect(own.status).toBe(200);
    const refusedCount = await call(daemon, 'GET', '/metrics');
    expect(String(refusedCount.body.text)).toMatch(
      /murmur_desktop_refused_requests_total\{reason="HOST_REFUSED"\} 2/,
    );
  });

  it('the event stream needs the token and the own origin', async () => {
    const daemon = await start();
    const open = (protocols: string[], origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${daemon.port}/api/events`, protocols, { origin });
        ws.on('message', (data) => {
          resolve(`message ${String(data)}`);
          ws.close();
        });
        ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
        ws.on('error', () => undefined);
      });
    const own = `http://127.0.0.1:${daemon.port}`;
    expect(await open(['murmur.v1'], own)).toBe('refused 401');
    expect(await open(['murmur.v1', 'murmur-token.wrong'], own)).toBe('refused 401');
    expect(await open(['murmur.v1', `murmur-token.${daemon.token}`], 'http://evil.example')).toBe(
      'refused 403',
    );
    expect(await open(['murmur.v1', `murmur-token.${daemon.token}`], own)).toBe(
      'message {"type":"accounts","accounts":[]}',
    );
  });

  it('streams every change of the accounts and of the settings (the UI takes it as the last word)', async () => {
    const daemon = await start();
    const events: { type: string; [key: string]: unknown }[] = [];
    const ws = new WebSocket(
      `ws://127.0.0.1:${daemon.port}/api/events`,
      ['murmur.v1', `murmur-token.${daemon.token}`],
      { origin: `http://127.0.0.1:${daemon.port}` },
    );
    ws.on('message', (data) => events.push(JSON.parse(String(data))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const accountsEvents = () =>
      events.filter((event) => event.type === 'accounts') as unknown as {
        accounts: { id: string; displayName?: string; phraseConfirmed: boolean }[];
      }[];
    try {
      await waitUntil(async () => accountsEvents().length === 1, 'the accounts at connection');
      const { account, phrase } = await createAccount(daemon, { displayName: 'Ann' });
      await waitUntil(async () => accountsEvents().length === 2, 'the new account streamed');
      const words = phrase.split(' ');
      const confirmed = await call(daemon, 'POST', `/api/accounts/${account.id}/confirm-phrase`, {
        words: [1, 2, 3].map((position) => ({ position, word: words[position - 1] })),
      });
      expect(confirmed.status).toBe(200);
      await waitUntil(
        async () => accountsEvents().at(-1)?.accounts[0]?.phraseConfirmed === true,
        'the confirmed phrase streamed',
      );
      const named = await call(daemon, 'PUT', `/api/accounts/${account.id}/display-name`, {
        displayName: 'Ann B.',
      });
      expect(named.status).toBe(200);
      await waitUntil(
        async () => accountsEvents().at(-1)?.accounts[0]?.displayName === 'Ann B.',
        'the display name streamed',
      );
      const restored = await call(daemon, 'POST', '/api/accounts/restore', {
        phrase: crypto.phraseFromSeed(crypto.generateIdentity().seed),
      });
      expect(restored.status).toBe(200);
      const restoredId = (restored.body['account'] as { id: string }).id;
      // The last word on the restored account says what its answer says: nothing to confirm.
      await waitUntil(
        async () =>
          Boolean(
            accountsEvents()
              .at(-1)
              ?.accounts.find((item) => item.id === restoredId)?.phraseConfirmed,
          ),
        'the restored account streamed as confirmed',
      );
      // Settings: each change is streamed with the whole settings.
      expect((await call(daemon, 'PUT', '/api/settings', { theme: 'dark' })).status).toBe(200);
      expect((await call(daemon, 'PUT', '/api/settings', { notifications: true })).status).toBe(
        200,
      );
      await waitUntil(
        async () => events.filter((event) => event.type === 'settings').length === 2,
        'two settings events',
      );
      expect(events.filter((event) => event.type === 'settings').at(-1)).toEqual({
        type: 'settings',
        settings: { theme: 'dark', notifications: true, seeds: [OFFLINE_SEED] },
      });
      // Refused input changes nothing and streams nothing.
      const count = events.length;
      expect((await call(daemon, 'PUT', '/api/settings', { theme: 'pink' })).status).toBe(400);
      expect((await call(daemon, 'GET', '/api/settings')).body).toEqual({
        theme: 'dark',
        notifications: true,
        seeds: [OFFLINE_SEED],
      });
      expect(events.filter((event) => event.type === 'settings')).toHaveLength(2);
      expect(events.length).toBeGreaterThanOrEqual(count);
    } finally {
      ws.close();
    }
  });

  it('refuses to listen beyond loopback unless forced', async () => {
    await expect(
      startDaemon(
        { dataDir: tempDir(), host: '0.0.0.0', port: 0 },
        { crypto, logger: silent, fetch: globalThis.fetch },
      ),
    ).rejects.toThrow(/refusing to listen on 0\.0\.0\.0/);
  });
});

describe('bad input gets a 4xx and stores nothing', () => {
  it('account creation and restore', async () => {
    const dataDir = tempDir();
    const daemon = await start(dataDir);
    const cases: [unknown, number][] = [
      [{ displayName: '' }, 400],
      [{ displayName: 'x'.repeat(65) }, 400],
      [{ displayName: 7 }, 400],
      [{ extra: true }, 400],
      [{ passphrase: '' }, 400],
      ['not an object', 400],
    ];
    for (const [body, status] of cases) {
      const answer = await call(daemon, 'POST', '/api/accounts', body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error).toBe('INVALID_INPUT');
    }
    const badPhrase = await call(daemon, 'POST', '/api/accounts/restore', {
      phrase: 'abandon abandon abandon',
    });
    expect(badPhrase).toMatchObject({ status: 400, body: { error: 'INVALID_PHRASE' } });
    const wrongWord = await call(daemon, 'POST', '/api/accounts/restore', {
      phrase: Array(24).fill('zzzz').join(' '),
    });
    expect(wrongWord.status).toBe(400);
    expect(readdirSync(join(dataDir, 'accounts'))).toEqual([]);
    expect((await call(daemon, 'GET', '/api/accounts')).body).toEqual({ accounts: [] });
    // Malformed JSON and unknown routes.
    const malformed = await new Promise<number>((resolve) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: daemon.port,
          method: 'POST',
          path: '/api/accounts',
          headers: {
            'content-type': 'application/json',
            'x-murmur-token': daemon.token,
          },
        },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.end('{"displayName":');
    });
    expect(malformed).toBe(400);
    expect((await call(daemon, 'GET', '/api/nothing')).status).toBe(404);
    expect((await call(daemon, 'GET', '/api/accounts/NOPE/conversations')).status).toBe(400);
    expect((await call(daemon, 'GET', '/api/accounts/a9/conversations')).status).toBe(404);
  });

  it('contacts, messages, timers and edits', async () => {
    const daemon = await start();
    const { account } = await createAccount(daemon);
    const base = `/api/accounts/${account.id}`;
    const bob = crypto.generateIdentity().sessionId;

    const badIds = [
      '',
      'hello',
      `05${'g'.repeat(64)}`,
      `06${'a'.repeat(64)}`,
      `05${'a'.repeat(63)}`,
    ];
    for (const sessionId of badIds) {
      const answer = await call(daemon, 'POST', `${base}/contacts`, { sessionId });
      expect(answer.status, sessionId).toBe(400);
      expect(['INVALID_SESSION_ID', 'INVALID_INPUT']).toContain(answer.body.error);
    }
    const own = await call(daemon, 'POST', `${base}/contacts`, { sessionId: account.sessionId });
    expect(own.status).toBe(400);
    expect((await call(daemon, 'GET', `${base}/conversations`)).body).toEqual({
      conversations: [],
    });

    const sendPath = `${base}/conversations/${bob}/messages`;
    for (const body of [
      {},
      { text: '' },
      { text: 5 },
      { text: 'x'.repeat(8001) },
      { text: 'a', ttl: 1 },
    ]) {
      expect((await call(daemon, 'POST', sendPath, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (await call(daemon, 'POST', `${base}/conversations/05zz/messages`, { text: 'a' })).status,
    ).toBe(400);
    const history = await call(daemon, 'GET', sendPath);
    expect(history.body).toEqual({ messages: [], more: false });
    for (const query of ['?limit=0', '?limit=201', '?limit=abc', '?before=%20']) {
      expect((await call(daemon, 'GET', `${sendPath}${query}`)).status, query).toBe(400);
    }

    const timerPath = `${base}/conversations/${bob}/disappearing`;
    for (const body of [
      { mode: 'after-send', seconds: 300 }, // an after-read choice only
      { mode: 'after-read', seconds: 7 },
      { mode: 'sometimes', seconds: 60 },
      { mode: 'after-send' },
    ]) {
      expect((await call(daemon, 'PUT', timerPath, body)).status, JSON.stringify(body)).toBe(400);
    }
    const conversations = await call(daemon, 'GET', `${base}/conversations`);
    expect(conversations.body).toEqual({ conversations: [] });

    const missing = `${base}/messages/${'A'.repeat(43)}/local-edit`;
    expect((await call(daemon, 'PUT', missing, { text: 'x' })).status).toBe(404);
    expect((await call(daemon, 'PUT', `${base}/network`, {})).status).toBe(404);
    expect(
      (await call(daemon, 'PUT', '/api/network', { seedUrl: 'ftp://x.example/' })).status,
    ).toBe(400);
    expect((await call(daemon, 'PUT', '/api/network', { devnet: { version: 2 } })).status).toBe(
      400,
    );
    expect((await call(daemon, 'PUT', '/api/settings', { theme: 'pink' })).status).toBe(400);
    expect((await call(daemon, 'GET', '/api/settings')).body).toMatchObject({
      theme: 'system',
      seeds: [OFFLINE_SEED],
    });
  });
});

describe('files', () => {
  it('the data directory is 0700 and every file in it 0600; the database holds no seed', async () => {
    const dataDir = tempDir();
    const daemon = await start(dataDir);
    const { account, phrase } = await createAccount(daemon, { displayName: 'Alice' });
    const accountDir = join(dataDir, 'accounts', account.id);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'accounts'))).toBe(0o700);
    expect(modeOf(accountDir)).toBe(0o700);
    for (const name of readdirSync(accountDir)) {
      expect(modeOf(join(accountDir, name)), name).toBe(0o600);
    }
    expect(readdirSync(accountDir)).toEqual(
      expect.arrayContaining(['seed.json', 'account.json', 'client.db']),
    );
    expect(modeOf(join(dataDir, 'desktop.json'))).toBe(0o600);
    const seedHex = Buffer.from(crypto.seedFromPhrase(phrase)).toString('hex');
    expect(readFileSync(join(accountDir, 'seed.json'), 'utf8')).toContain(seedHex);
    await daemon.close();
    daemons.splice(0);
    for (const name of readdirSync(accountDir).filter((file) => file.startsWith('client.db'))) {
      const bytes = readFileSync(join(accountDir, name));
      expect(bytes.includes(Buffer.from(seedHex, 'hex')), name).toBe(false);
    }
  });

  it('a sealed seed: no seed in clear, locked after a restart, opened by the passphrase', async () => {
    const dataDir = tempDir();
    let daemon = await start(dataDir);
    const { account, phrase } = await createAccount(daemon, { passphrase: 'long enough secret' });
    const seedPath = join(dataDir, 'accounts', account.id, 'seed.json');
    const seedHex = Buffer.from(crypto.seedFromPhrase(phrase)).toString('hex');
    const file = readFileSync(seedPath, 'utf8');
    expect(file).not.toContain(seedHex);
    expect(JSON.parse(file)).toMatchObject({ version: 1, sealed: true });
    await daemon.close();
    daemons.splice(0);

    daemon = await start(dataDir);
    const listed = await call(daemon, 'GET', '/api/accounts');
    expect(listed.body).toMatchObject({
      accounts: [{ id: account.id, locked: true, sealed: true }],
    });
    const base = `/api/accounts/${account.id}`;
    expect((await call(daemon, 'GET', `${base}/conversations`)).status).toBe(403);
    const wrong = await call(daemon, 'POST', `${base}/unlock`, { passphrase: 'guess' });
    expect(wrong).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    const right = await call(daemon, 'POST', `${base}/unlock`, {
      passphrase: 'long enough secret',
    });
    expect(right).toMatchObject({ status: 200, body: { account: { locked: false } } });
    expect((await call(daemon, 'GET', `${base}/conversations`)).status).toBe(200);
    // Revealing the phrase of a sealed account asks for the passphrase again.
    expect((await call(daemon, 'POST', `${base}/reveal-phrase`, { confirm: true })).status).toBe(
      403,
    );
    expect((await call(daemon, 'POST', `${base}/reveal-phrase`, {})).status).toBe(400);
    const revealed = await call(daemon, 'POST', `${base}/reveal-phrase`, {
      confirm: true,
      passphrase: 'long enough secret',
    });
    expect(revealed.body).toEqual({ phrase });
    await daemon.close();
    daemons.splice(0);

    // --passphrase at start opens it at once.
    daemon = await start(dataDir, { passphrase: 'long enough secret' });
    expect((await call(daemon, 'GET', '/api/accounts')).body).toMatchObject({
      accounts: [{ locked: false }],
    });
  });
});

describe('accounts, phrases and messages', () => {
  it('the confirm step checks the words; restore gives the same Session ID', async () => {
    const daemon = await start();
    const { account, phrase } = await createAccount(daemon, { displayName: 'Alice' });
    expect(phrase.split(' ')).toHaveLength(24);
    expect(account).toMatchObject({ phraseConfirmed: false, displayName: 'Alice', locked: false });
    const words = phrase.split(' ');
    const confirm = `/api/accounts/${account.id}/confirm-phrase`;
    const wrong = await call(daemon, 'POST', confirm, {
      words: [
        { position: 1, word: words[0] },
        { position: 2, word: words[1] },
        { position: 3, word: words[0] === 'zoo' ? 'abandon' : 'zoo' },
      ],
    });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'INVALID_INPUT' } });
    const right = await call(daemon, 'POST', confirm, {
      words: [3, 11, 24].map((position) => ({ position, word: words[position - 1] })),
    });
    expect(right).toMatchObject({ status: 200, body: { account: { phraseConfirmed: true } } });

    // The same phrase again here: refused (409), and restored elsewhere: the same ID.
    const again = await call(daemon, 'POST', '/api/accounts/restore', { phrase });
    expect(again).toMatchObject({ status: 409, body: { error: 'ACCOUNT_EXISTS' } });
    const other = await start();
    const restored = await call(other, 'POST', '/api/accounts/restore', {
      phrase,
      displayName: 'A2',
    });
    expect(restored.body).toMatchObject({
      account: { sessionId: account.sessionId, phraseConfirmed: true },
    });
    // 12-word Session phrases restore too.
    const twelve = crypto.phraseFromSeed(crypto.randomBytes(16));
    const fromTwelve = await call(other, 'POST', '/api/accounts/restore', { phrase: twelve });
    expect(fromTwelve.status).toBe(200);
    expect(fromTwelve.body).toMatchObject({
      account: { sessionId: crypto.identityFromSeed(crypto.seedFromPhrase(twelve)).sessionId },
    });
    const qr = await call(other, 'GET', `/api/accounts/${account.id}/qr.svg`);
    expect(String(qr.body.text)).toMatch(/^<svg/);
  });

  it('messages wait in the outbox; local edits show; disappearing messages go', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const dataDir = tempDir();
    let daemon = await start(dataDir, { clock });
    const { account } = await createAccount(daemon);
    const base = `/api/accounts/${account.id}`;
    const bob = crypto.generateIdentity().sessionId;
    const added = await call(daemon, 'POST', `${base}/contacts`, {
      sessionId: `  ${bob.toUpperCase()} `,
      nickname: 'Bob',
    });
    expect(added).toMatchObject({
      status: 200,
      body: { contact: { sessionId: bob, nickname: 'Bob' } },
    });
    const listed = await call(daemon, 'GET', `${base}/conversations`);
    expect(listed.body).toMatchObject({
      conversations: [{ sessionId: bob, nickname: 'Bob', unreadCount: 0 }],
    });

    const path = `${base}/conversations/${bob}/messages`;
    const first = await call(daemon, 'POST', path, { text: 'kept' });
    expect(first.status).toBe(200);
    const kept = first.body.message as { id: string; state: string };
    // `securing` while the client looks for Bob's forward-secrecy keys (the network is offline).
    expect(['securing', 'queued', 'sending']).toContain(kept.state);

    const edit = await call(
      daemon,
      'PUT',
      `${base}/messages/${encodeURIComponent(kept.id)}/local-edit`,
      { text: 'kept (edited)' },
    );
    expect(edit.body).toMatchObject({ message: { text: 'kept (edited)', editedLocally: true } });

    const timer = await call(daemon, 'PUT', `${base}/conversations/${bob}/disappearing`, {
      mode: 'after-send',
      seconds: 10,
    });
    expect(timer.body).toEqual({ mode: 'after-send', seconds: 10 });
    const second = await call(daemon, 'POST', path, { text: 'goes away' });
    const gone = second.body.message as { id: string; expiresAt: number; sentAt: number };
    expect(gone.expiresAt).toBe(gone.sentAt + 10_000);

    let page = await call(daemon, 'GET', `${path}?limit=1`);
    expect(page.body).toMatchObject({ more: true, messages: [{ id: gone.id }] });
    page = await call(daemon, 'GET', `${path}?limit=1&before=${encodeURIComponent(gone.id)}`);
    expect(page.body).toMatchObject({
      more: false,
      messages: [{ id: kept.id, text: 'kept (edited)' }],
    });

    // Past its expiry (sentAt is the client's time, taken when it was sent).
    now = gone.expiresAt + 1_000;
    expect(await daemon.accounts.sweep()).toBe(1);
    page = await call(daemon, 'GET', path);
    const ids = (page.body.messages as { id: string }[]).map((message) => message.id);
    expect(ids).toEqual([kept.id]);
    // Its outbox entry went with it: after a restart only the first message still waits,
    // with its local edit.
    await daemon.close();
    daemons.splice(0);
    daemon = await start(dataDir, { clock });
    const health = (await call(daemon, 'GET', `${base}/network`)).body.health as {
      outboxPending: number;
    };
    // The first message and the timer update announced to Bob wait (the network is offline).
    expect(health.outboxPending).toBe(2);
    page = await call(daemon, 'GET', path);
    expect(page.body).toMatchObject({
      messages: [{ id: kept.id, text: 'kept (edited)', editedLocally: true }],
    });
  });

  it('without a network: accounts work, messaging says what is missing', async () => {
    const dataDir = tempDir();
    const daemon = await start(dataDir, { network: false });
    const { account } = await createAccount(daemon);
    const answer = await call(daemon, 'GET', `/api/accounts/${account.id}/conversations`);
    expect(answer).toMatchObject({ status: 409, body: { error: 'CONFIG_INVALID' } });
    expect(String(answer.body.message)).toMatch(/no network is configured/);
    const set = await call(daemon, 'PUT', '/api/network', {
      devnet: { version: 1, seed: { url: OFFLINE_SEED } },
    });
    expect(set.body).toMatchObject({ seeds: [OFFLINE_SEED] });
    expect((await call(daemon, 'GET', `/api/accounts/${account.id}/conversations`)).status).toBe(
      200,
    );
    expect(existsSync(join(dataDir, 'desktop.json'))).toBe(true);
  });
});

describe('real-time delivery', () => {
  it("applies the sender's carried timer, not its own setting; the conversation follows a timer update", async () => {
    let deliver: ((batch: PushBatch) => void) | undefined;
    const push: PushSource = {
      connected: true,
      async start(onMessages) {
        deliver = onMessages;
      },
      async stop() {
        deliver = undefined;
      },
    };
    let now = Date.now();
    const clock = { now: () => now };
    const daemon = await start(tempDir(), { clock, clientInit: { pushSource: push } });
    const { account } = await createAccount(daemon);
    const carol = crypto.generateIdentity();
    const base = `/api/accounts/${account.id}`;
    const path = `${base}/conversations/${carol.sessionId}/messages`;
    const pushSealed = (content: Parameters<typeof sealTextMessage>[3]) => {
      const sealed = sealTextMessage(crypto, carol, account.sessionId, content);
      deliver?.({
        namespace: 0,
        messages: [
          {
            hash: crypto.messageHash(account.sessionId, 0, sealed.bytes),
            timestamp: content.sentAt,
            expiration: content.sentAt + 86_400_000,
            data: sealed.data,
          },
        ],
      });
    };
    const history = async () =>
      (await call(daemon, 'GET', path)).body.messages as {
        text: string;
        sentAt: number;
        expiresAt?: number;
      }[];
    // Up to 60 s (a hang guard; the assertions after it say what was expected).
    const waitFor = async (check: () => Promise<boolean>) => {
      for (const deadline = Date.now() + 60_000; !(await check()) && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const conversation = async () =>
      (
        (await call(daemon, 'GET', `${base}/conversations`)).body['conversations'] as {
          sessionId: string;
          disappearing: { mode: string; seconds: number };
        }[]
      ).find((item) => item.sessionId === carol.sessionId);
    expect(deliver).toBeTypeOf('function');

    // This side's setting is off; Carol's message carries 30 s after send: it disappears on it.
    const sentAt = Date.now();
    pushSealed({
      text: 'carried timer',
      sentAt,
      expiration: { mode: 'after-send', seconds: 30 },
    });
    await waitFor(async () => (await history()).length === 1);
    expect(await history()).toMatchObject([
      { text: 'carried timer', sentAt, expiresAt: sentAt + 30_000 },
    ]);
    expect((await conversation())?.disappearing).toEqual({ mode: 'off', seconds: 0 });

    // After read: no expiry until read, then counted from the read.
    pushSealed({
      text: 'read first',
      sentAt: sentAt + 1,
      expiration: { mode: 'after-read', seconds: 300 },
    });
    await waitFor(async () => (await history()).length === 2);
    expect((await history()).find((m) => m.text === 'read first')).not.toHaveProperty('expiresAt');
    expect(
      (await call(daemon, 'POST', `${base}/conversations/${carol.sessionId}/read`)).status,
    ).toBe(200);
    expect((await history()).find((m) => m.text === 'read first')?.expiresAt).toBe(now + 300_000);

    // A message without a timer stays, even after the sweep passes the others' expiries.
    pushSealed({ text: 'no timer', sentAt: sentAt + 2 });
    await waitFor(async () => (await history()).length === 3);
    now += 301_000;
    expect(await daemon.accounts.sweep()).toBe(2);
    expect((await history()).map((m) => m.text)).toEqual(['no timer']);

    // Carol's timer update: the conversation's setting follows it, then off again.
    pushSealed({
      text: '',
      sentAt: sentAt + 3,
      timerUpdate: true,
      expiration: { mode: 'after-send', seconds: 43_200 },
    });
    await waitFor(async () => (await conversation())?.disappearing.mode === 'after-send');
    expect((await conversation())?.disappearing).toEqual({ mode: 'after-send', seconds: 43_200 });
    pushSealed({ text: '', sentAt: sentAt + 4, timerUpdate: true });
    await waitFor(async () => (await conversation())?.disappearing.mode === 'off');
    expect((await conversation())?.disappearing).toEqual({ mode: 'off', seconds: 0 });
    // The updates are not history messages.
    expect((await history()).map((m) => m.text)).toEqual(['no timer']);
  });

  it('records which path delivered each message and how it was sealed, across a restart', async () => {
    // The account's push source stands in for the relay circuit (the real one needs relays);
    // what it hands over goes through the client's pipeline, announced with via 'circuit'.
    let deliver: ((batch: PushBatch) => void) | undefined;
    const push: PushSource = {
      connected: true,
      async start(onMessages) {
        deliver = onMessages;
      },
      async stop() {
        deliver = undefined;
      },
    };
    const dataDir = tempDir();
    let daemon = await start(dataDir, { clientInit: { pushSource: push } });
    const { account } = await createAccount(daemon);
    const events: { type: string; message?: Record<string, unknown> }[] = [];
    const stream = new WebSocket(
      `ws://127.0.0.1:${daemon.port}/api/events`,
      ['murmur.v1', `murmur-token.${daemon.token}`],
      { origin: `http://127.0.0.1:${daemon.port}` },
    );
    stream.on('message', (data) => events.push(JSON.parse(String(data))));
    await new Promise((resolve) => stream.once('message', resolve));

    const carol = crypto.generateIdentity();
    const sentAt = Date.now();
    const sealed = sealTextMessage(crypto, carol, account.sessionId, {
      text: 'over the circuit',
      sentAt,
      displayName: 'Carol',
    });
    const hash = crypto.messageHash(account.sessionId, 0, sealed.bytes);
    expect(deliver).toBeTypeOf('function');
    deliver?.({
      namespace: 0,
      messages: [
        {
          hash,
          timestamp: sentAt,
          expiration: sentAt + 86_400_000,
          data: sealed.data,
        },
      ],
    });
    const path = `/api/accounts/${account.id}/conversations/${carol.sessionId}/messages`;
    let messages: Record<string, unknown>[] = [];
    // Up to 60 s each (hang guards, not deadlines: a busy machine is slow).
    for (const deadline = Date.now() + 60_000; messages.length === 0 && Date.now() < deadline; ) {
      messages = (await call(daemon, 'GET', path)).body.messages as Record<string, unknown>[];
      if (messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(messages).toMatchObject([
      { text: 'over the circuit', direction: 'incoming', via: 'circuit', protocol: 'v1' },
    ]);
    for (
      const deadline = Date.now() + 60_000;
      !events.some((e) => e.type === 'message') && Date.now() < deadline;
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(events.find((e) => e.type === 'message')?.message).toMatchObject({
      text: 'over the circuit',
      via: 'circuit',
      protocol: 'v1',
    });
    stream.close();

    // An outgoing message has no delivery path; the path of the incoming one survives a restart.
    await call(daemon, 'POST', path, { text: 'answer' });
    await daemon.close();
    daemons.splice(0);
    daemon = await start(dataDir, { clientInit: { pushSource: push } });
    const after = (await call(daemon, 'GET', path)).body.messages as { text: string }[];
    expect(after.find((m) => m.text === 'over the circuit')).toMatchObject({ via: 'circuit' });
    expect(after.find((m) => m.text === 'answer')).not.toHaveProperty('via');
  });
});
