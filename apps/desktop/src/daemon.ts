/**
 * The desktop daemon: fastify on loopback serving the UI (`dist/ui`), the JSON API under
 * `/api/`, the WebSocket event stream `/api/events`, `/health` and `/metrics`. Every request
 * passes the Host/Origin checks; every API call needs the launch token (see `security.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ClientInit, WebSocketFactory } from '@murmur/client';
import type { MurmurCrypto } from '@murmur/crypto';
import { type Logger, MurmurError } from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import { renderSVG } from 'uqr';
import { WebSocket, WebSocketServer } from 'ws';
import { type AccountManager, createAccountManager } from './accounts.js';
import { timerChoices } from './disappearing.js';
import { checkSeedUrl, type NetworkConfig, seedsFromDevnetFile } from './network.js';
import * as S from './schemas.js';
import { ensurePrivateDirectory, writePrivateFile } from './secure-fs.js';
import {
  createRequestGuard,
  EVENTS_PROTOCOL,
  type Refusal,
  type RequestGuard,
} from './security.js';
import type { SeedLimits } from './seed-file.js';

/** Options of {@link startDaemon}. */
export interface DaemonInit {
  dataDir: string;
  /** 127.0.0.1 unless forced (`allowNonLoopback`). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Listen on a non-loopback address (refused otherwise). */
  allowNonLoopback?: boolean;
  /** The network; otherwise the one saved in `desktop.json`, if any. */
  network?: NetworkConfig | undefined;
  /** Opens sealed accounts at start. */
  passphrase?: string | undefined;
  devTimers?: boolean;
  /** Where the built UI is (default `dist/ui` of this package). */
  uiDir?: string;
  clientInit?: Partial<ClientInit>;
  seedLimits?: SeedLimits;
  /** A fixed token (tests); otherwise a fresh one. */
  token?: string;
  /** How often expired disappearing messages are swept, ms (default 1000). */
  sweepIntervalMs?: number;
}

/** What the daemon uses. */
export interface DaemonComponents {
  crypto: MurmurCrypto;
  logger: Logger;
  fetch: typeof fetch;
  /** Opens the WebSocket to a guard relay (default: `ws`); real-time delivery over circuits. */
  webSocket?: WebSocketFactory;
  /** The local clock (tests move it to expire disappearing messages). */
  clock?: { now(): number };
}

/** A running daemon. */
export interface Daemon {
  readonly port: number;
  /** `http://127.0.0.1:<port>/` */
  readonly origin: string;
  /** The URL to open: the origin with the token after `#`. */
  readonly url: string;
  readonly token: string;
  readonly accounts: AccountManager;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** `desktop.json`: settings kept across starts. */
interface DesktopSettingsFile {
  version: 1;
  theme: 'light' | 'dark' | 'system';
  notifications: boolean;
  seeds?: string[];
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** Status of the errors the client and this app throw without one. */
const STATUS_BY_CODE: Record<string, number> = {
  INVALID_PHRASE: 400,
  ACCOUNT_EXISTS: 409,
  ACCOUNT_MISSING: 409,
  STALE_KEYS: 409,
};

function defaultUiDir(): string {
  return resolve(new URL('.', import.meta.url).pathname, '..', 'dist', 'ui');
}

function readSettings(path: string): DesktopSettingsFile {
  if (!existsSync(path)) return { version: 1, theme: 'system', notifications: false };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<DesktopSettingsFile>;
    const settings: DesktopSettingsFile = {
      version: 1,
      theme: parsed.theme === 'light' || parsed.theme === 'dark' ? parsed.theme : 'system',
      notifications: parsed.notifications === true,
    };
    if (Array.isArray(parsed.seeds) && parsed.seeds.every((seed) => typeof seed === 'string')) {
      settings.seeds = parsed.seeds;
    }
    return settings;
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON`, { cause });
  }
}

/** Starts the daemon and resolves once it listens. */
export async function startDaemon(init: DaemonInit, components: DaemonComponents): Promise<Daemon> {
  const { crypto, logger } = components;
  const host = init.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && init.allowNonLoopback !== true) {
    throw new ConfigError(
      `refusing to listen on ${host}: the daemon holds your keys and serves only this machine (127.0.0.1); --allow-non-loopback forces it`,
    );
  }
  ensurePrivateDirectory(init.dataDir);
  const settingsPath = join(init.dataDir, 'desktop.json');
  const settings = readSettings(settingsPath);
  if (init.network !== undefined) settings.seeds = init.network.seeds;
  const saveSettings = () =>
    writePrivateFile(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  saveSettings();

  const guard: RequestGuard = createRequestGuard(crypto, init.token);
  const sockets = new Set<WebSocket>();
  const registry = new Registry();
  const eventsSent = new Counter({
    name: 'murmur_desktop_events_total',
    help: 'events sent to UI windows',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'murmur_desktop_refused_requests_total',
    help: 'requests refused by the Host, Origin or token checks',
    labelNames: ['reason'],
    registers: [registry],
  });
  const swept = new Counter({
    name: 'murmur_desktop_disappeared_messages_total',
    help: 'messages deleted when their disappearing timer ran out',
    registers: [registry],
  });
  const accountsGauge = new Gauge({
    name: 'murmur_desktop_accounts',
    help: 'accounts in the data directory, by state',
    labelNames: ['state'],
    registers: [registry],
  });
  const windowsGauge = new Gauge({
    name: 'murmur_desktop_ui_connections',
    help: 'UI windows connected to the event stream',
    registers: [registry],
  });
  const outboxGauge = new Gauge({
    name: 'murmur_desktop_outbox_pending',
    help: 'messages queued or being sent, all accounts',
    registers: [registry],
  });
  const rss = new Gauge({
    name: 'murmur_desktop_rss_bytes',
    help: 'resident set size of the daemon',
    registers: [registry],
  });

  const emit = (event: S.DesktopEvent) => {
    const frame = JSON.stringify(event);
    for (const socket of sockets) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(frame);
        eventsSent.inc();
      }
    }
  };

  const manager = createAccountManager(
    {
      dataDir: init.dataDir,
      network: settings.seeds === undefined ? undefined : { seeds: settings.seeds },
      devTimers: init.devTimers === true,
      ...(init.clientInit === undefined ? {} : { clientInit: init.clientInit }),
      ...(init.seedLimits === undefined ? {} : { seedLimits: init.seedLimits }),
    },
    {
      crypto,
      logger,
      emit,
      fetch: components.fetch,
      ...(components.webSocket === undefined ? {} : { webSocket: components.webSocket }),
      ...(components.clock === undefined ? {} : { clock: components.clock }),
    },
  );
  await manager.openAll(init.passphrase);

  const app = Fastify({
    logger: false,
    bodyLimit: 1 << 20,
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const refuse = (
    reply: { code(n: number): { send(body: unknown): unknown } },
    refusal: Refusal,
  ) => {
    refused.inc({ reason: refusal.error });
    return reply.code(refusal.status).send({ error: refusal.error, message: refusal.message });
  };

  app.addHook('onRequest', async (request, reply) => {
    const site = guard.checkSite(request.headers);
    if (site !== undefined) return refuse(reply, site);
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/api/') || path === '/metrics') {
      const token = guard.checkToken(request.headers);
      if (token !== undefined) return refuse(reply, token);
    }
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cache-control', 'no-store');
    if (!(request.url.startsWith('/api/') || request.url === '/metrics')) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    logger.debug(
      { method: request.method, url: request.url.split('?')[0], status: reply.statusCode },
      'desktop: request',
    );
  });

  app.setErrorHandler(async (error, request, reply) => {
    const fastifyError = error as Error & {
      code?: string;
      statusCode?: number;
      validation?: unknown;
    };
    if (fastifyError.validation !== undefined) {
      return reply.code(400).send({ error: 'INVALID_INPUT', message: fastifyError.message });
    }
    if (MurmurError.isInstance(error)) {
      const status = error.status ?? STATUS_BY_CODE[error.code] ?? 500;
      if (status >= 500) logger.warn({ err: error, url: request.url }, 'desktop: request failed');
      return reply.code(status).send({ error: error.code, message: error.message });
    }
    const status = fastifyError.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code =
        fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'TOO_LARGE' : 'INVALID_INPUT';
      return reply.code(status).send({ error: code, message: fastifyError.message });
    }
    logger.error({ err: error, url: request.url }, 'desktop: request failed');
    return reply
      .code(500)
      .send({ error: 'INTERNAL', message: 'internal error (see the daemon log)' });
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method === 'GET' && !path.startsWith('/api/')) return serveUi(path, reply);
    return reply
      .code(404)
      .send({ error: 'NOT_FOUND', message: `no route ${request.method} ${path}` });
  });

  const uiDir = init.uiDir ?? defaultUiDir();
  const serveUi = async (
    path: string,
    reply: {
      code(n: number): typeof reply;
      type(t: string): typeof reply;
      send(b: unknown): unknown;
    },
  ) => {
    const relative = normalize(decodeURIComponent(path)).replace(/^(\.\.(\/|\\|$))+/, '');
    let file = join(uiDir, relative);
    if (!file.startsWith(uiDir + sep) && file !== uiDir) {
      return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such file' });
    }
    if (!existsSync(file) || relative === '/' || extname(file) === '')
      file = join(uiDir, 'index.html');
    if (!existsSync(file)) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The UI is not built: pnpm --filter @murmur/desktop build');
    }
    return reply.type(MIME[extname(file)] ?? 'application/octet-stream').send(readFileSync(file));
  };

  const errors = {
    400: S.ErrorBodySchema,
    401: S.ErrorBodySchema,
    403: S.ErrorBodySchema,
    404: S.ErrorBodySchema,
    409: S.ErrorBodySchema,
  };
  const accountParams = { params: S.AccountParamsSchema };
  const conversationParams = { params: S.ConversationParamsSchema };
  const messageParams = { params: S.MessageParamsSchema };

  app.get('/health', { schema: { response: { 200: S.HealthResponseSchema } } }, async () => ({
    status: 'ok' as const,
    ...manager.counts(),
  }));

  app.get('/metrics', async (_request, reply) => {
    const counts = manager.counts();
    accountsGauge.set({ state: 'unlocked' }, counts.unlocked);
    accountsGauge.set({ state: 'locked' }, counts.accounts - counts.unlocked);
    windowsGauge.set(sockets.size);
    outboxGauge.set(manager.outboxPending());
    rss.set(process.memoryUsage().rss);
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  app.get('/api/accounts', { schema: { response: { 200: S.AccountsListSchema } } }, async () => ({
    accounts: manager.list(),
  }));

  app.post(
    '/api/accounts',
    {
      schema: {
        body: S.CreateAccountBodySchema,
        response: { 200: S.CreateAccountResultSchema, ...errors },
      },
    },
    async (request) => manager.create(request.body),
  );

  app.post(
    '/api/accounts/restore',
    {
      schema: {
        body: S.RestoreAccountBodySchema,
        response: { 200: S.AccountResultSchema, ...errors },
      },
    },
    async (request) => ({ account: await manager.restore(request.body) }),
  );

  app.post(
    '/api/accounts/:account/unlock',
    {
      schema: {
        ...accountParams,
        body: S.UnlockBodySchema,
        response: { 200: S.AccountResultSchema, ...errors },
      },
    },
    async (request) => ({
      account: await manager.unlock(request.params.account, request.body.passphrase),
    }),
  );

  app.post(
    '/api/accounts/:account/confirm-phrase',
    {
      schema: {
        ...accountParams,
        body: S.ConfirmPhraseBodySchema,
        response: { 200: S.AccountResultSchema, ...errors },
      },
    },
    async (request) => ({
      account: manager.confirmPhrase(request.params.account, request.body.words),
    }),
  );

  app.post(
    '/api/accounts/:account/reveal-phrase',
    {
      schema: {
        ...accountParams,
        body: S.RevealPhraseBodySchema,
        response: { 200: S.PhraseResultSchema, ...errors },
      },
    },
    async (request) => ({
      phrase: manager.revealPhrase(request.params.account, request.body.passphrase),
    }),
  );

  app.put(
    '/api/accounts/:account/display-name',
    {
      schema: {
        ...accountParams,
        body: S.DisplayNameBodySchema,
        response: { 200: S.AccountResultSchema, ...errors },
      },
    },
    async (request) => ({
      account: await manager.setDisplayName(request.params.account, request.body.displayName),
    }),
  );

  app.get('/api/accounts/:account/qr.svg', { schema: accountParams }, async (request, reply) => {
    const account = manager.list().find((item) => item.id === request.params.account);
    if (account?.sessionId === undefined) {
      return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such account' });
    }
    return reply.type('image/svg+xml').send(renderSVG(account.sessionId, { ecc: 'M', border: 2 }));
  });

  app.get(
    '/api/accounts/:account/conversations',
    { schema: { ...accountParams, response: { 200: S.ConversationsListSchema, ...errors } } },
    async (request) => ({ conversations: await manager.conversations(request.params.account) }),
  );

  app.get(
    '/api/accounts/:account/conversations/:sessionId/messages',
    {
      schema: {
        ...conversationParams,
        querystring: S.HistoryQuerySchema,
        response: { 200: S.HistoryResultSchema, ...errors },
      },
    },
    async (request) => {
      const { before, limit } = request.query;
      return manager.history(request.params.account, request.params.sessionId, {
        ...(before === undefined ? {} : { before }),
        ...(limit === undefined ? {} : { limit: Number(limit) }),
      });
    },
  );

  app.post(
    '/api/accounts/:account/conversations/:sessionId/messages',
    {
      schema: {
        ...conversationParams,
        body: S.SendBodySchema,
        response: { 200: S.MessageResultSchema, ...errors },
      },
    },
    async (request) => ({
      message: await manager.send(
        request.params.account,
        request.params.sessionId,
        request.body.text,
      ),
    }),
  );

  app.post(
    '/api/accounts/:account/conversations/:sessionId/read',
    { schema: { ...conversationParams, response: { 200: S.OkSchema, ...errors } } },
    async (request) => {
      await manager.markRead(request.params.account, request.params.sessionId);
      return { ok: true as const };
    },
  );

  app.put(
    '/api/accounts/:account/conversations/:sessionId/disappearing',
    {
      schema: {
        ...conversationParams,
        body: S.DisappearingSettingSchema,
        response: { 200: S.DisappearingSettingSchema, ...errors },
      },
    },
    async (request) =>
      manager.setDisappearing(request.params.account, request.params.sessionId, request.body),
  );

  app.put(
    '/api/accounts/:account/conversations/:sessionId/nickname',
    {
      schema: {
        ...conversationParams,
        body: S.NicknameBodySchema,
        response: { 200: S.ContactResultSchema, ...errors },
      },
    },
    async (request) => ({
      contact: await manager.setNickname(
        request.params.account,
        request.params.sessionId,
        request.body.nickname,
      ),
    }),
  );

  app.post(
    '/api/accounts/:account/contacts',
    {
      schema: {
        ...accountParams,
        body: S.ContactBodySchema,
        response: { 200: S.ContactResultSchema, ...errors },
      },
    },
    async (request) => ({
      contact: await manager.addContact(
        request.params.account,
        request.body.sessionId,
        request.body.nickname,
      ),
    }),
  );

  app.post(
    '/api/accounts/:account/messages/:id/retry',
    { schema: { ...messageParams, response: { 200: S.MessageResultSchema, ...errors } } },
    async (request) => ({
      message: await manager.retry(request.params.account, request.params.id),
    }),
  );

  app.put(
    '/api/accounts/:account/messages/:id/local-edit',
    {
      schema: {
        ...messageParams,
        body: S.EditBodySchema,
        response: { 200: S.MessageResultSchema, ...errors },
      },
    },
    async (request) => ({
      message: await manager.editLocal(
        request.params.account,
        request.params.id,
        request.body.text,
      ),
    }),
  );

  app.get(
    '/api/accounts/:account/network',
    { schema: { ...accountParams, response: { 200: S.NetworkViewSchema, ...errors } } },
    async (request) => manager.network(request.params.account),
  );

  app.post(
    '/api/accounts/:account/network/rebuild',
    { schema: { ...accountParams, response: { 200: S.OkSchema, ...errors } } },
    async (request) => {
      await manager.rebuildPaths(request.params.account);
      return { ok: true as const };
    },
  );

  app.get('/api/timers', { schema: { response: { 200: S.TimerChoicesSchema } } }, async () =>
    timerChoices(init.devTimers === true),
  );

  const settingsView = (): S.Settings => ({
    theme: settings.theme,
    notifications: settings.notifications,
    seeds: settings.seeds ?? [],
  });

  app.get('/api/settings', { schema: { response: { 200: S.SettingsSchema } } }, async () =>
    settingsView(),
  );

  app.put(
    '/api/settings',
    { schema: { body: S.SettingsBodySchema, response: { 200: S.SettingsSchema, ...errors } } },
    async (request) => {
      if (request.body.theme !== undefined) settings.theme = request.body.theme;
      if (request.body.notifications !== undefined)
        settings.notifications = request.body.notifications;
      saveSettings();
      emit({ type: 'settings', settings: settingsView() });
      return settingsView();
    },
  );

  app.put(
    '/api/network',
    { schema: { body: S.NetworkBodySchema, response: { 200: S.SettingsSchema, ...errors } } },
    async (request) => {
      const body = request.body;
      const seeds =
        'seedUrl' in body ? [checkSeedUrl(body.seedUrl)] : seedsFromDevnetFile(body.devnet);
      settings.seeds = seeds;
      saveSettings();
      emit({ type: 'settings', settings: settingsView() });
      await manager.setNetwork({ seeds });
      return settingsView();
    },
  );

  // --- WebSocket event stream ---------------------------------------------------------------
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  const refuseUpgrade = (socket: Socket, status: number, message: string) => {
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden'}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${message}\n`,
    );
  };
  app.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const site = guard.checkSite(request.headers);
    if (site !== undefined) {
      refused.inc({ reason: site.error });
      return refuseUpgrade(socket, site.status, site.message);
    }
    if ((request.url ?? '').split('?')[0] !== '/api/events') {
      return refuseUpgrade(socket, 404, 'no such WebSocket');
    }
    const protocols = (request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((item) => item.trim());
    if (!guard.tokenInProtocols(protocols)) {
      refused.inc({ reason: 'TOKEN_REQUIRED' });
      return refuseUpgrade(socket, 401, 'missing or wrong launch token');
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => undefined);
      ws.send(
        JSON.stringify({ type: 'accounts', accounts: manager.list() } satisfies S.DesktopEvent),
      );
    });
  });

  // --- Disappearing messages ----------------------------------------------------------------
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    manager
      .sweep()
      .then((count) => swept.inc(count))
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'desktop: sweeping expired messages failed'),
      )
      .finally(() => {
        sweeping = false;
      });
  }, init.sweepIntervalMs ?? 1000);
  sweeper.unref();

  try {
    await app.listen({ host, port: init.port ?? 0 });
  } catch (error) {
    clearInterval(sweeper);
    await manager.close();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  guard.setPort(port);
  const origin = `http://127.0.0.1:${port}/`;

  return {
    port,
    origin,
    url: `${origin}#token=${guard.token}`,
    token: guard.token,
    accounts: manager,
    app,
    async close() {
      clearInterval(sweeper);
      for (const socket of sockets) socket.terminate();
      wss.close();
      await app.close();
      await manager.close();
    },
  };
}
