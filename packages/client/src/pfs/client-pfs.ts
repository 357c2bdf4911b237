/**
 * Forward secrecy inside a `MurmurClient`: the part of `createClient` that owns the account keys
 * (publish to namespace −21 once the network is ready, rotate on schedule, wipe retired seeds
 * after 16 days), the per-contact flags ("supports PFS", sticky; "require forward secrecy"),
 * kept in the client storage's key-value table so that the SQLite and memory storages both keep
 * them, the send rules (fetch first and hold up to 20 s, never downgrade silently) and the
 * receive side (V2 with every retained key, then no-PFS, then v1).
 *
 * `createClient` calls it only when `ClientInit.pfs.enabled` is true; nothing here runs
 * otherwise, so a client without it behaves exactly as before.
 */
import type { AccountKeys, Identity, MessageProtocol, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  sleep as abortableSleep,
  bytesToHex,
  hexToBytes,
  InvalidInputError,
  type Logger,
  StaleKeysError,
} from '@murmur/wire';
import type { SealedMessage, TextContent } from '../content.js';
import { sealTextMessage } from '../content.js';
import type { ClientStorage } from '../storage/types.js';
import type { Transport } from '../transport.js';
import { type AccountKeyStore, createMemoryAccountKeyStore } from './account-key-store.js';
import { type AccountKeysManager, createAccountKeysManager } from './account-keys-manager.js';
import { createPeerKeyCache, type PeerKeysEntry, type SendDecision } from './peer-keys.js';
import { createPeerKeysService, type PeerKeysService } from './peer-keys-service.js';
import { publishAccountBundle, swarmBundleFetchers } from './pfs-network.js';
import { type OpenedAnyMessage, openAnyStoredMessage, sealTextMessageV2 } from './v2-content.js';

/** `ClientInit.pfs`: Session Protocol V2 with forward secrecy. */
export interface PfsInit {
  /**
   * Publish account keys and send V2 to contacts that published theirs (default false: a client
   * behaves as a v1 Session client until it is turned on; see docs/CLIENTS.md).
   */
  enabled?: boolean;
  /** What to send to a contact that never published keys (default `v1`, as Session). */
  fallback?: 'v1' | 'v2-no-pfs';
  /**
   * How many other devices are linked to this account (default none: Murmur has no linked
   * devices yet). Turning PFS on is refused while any are.
   */
  linkedDevices?: () => number;
  /** Check the rotation schedule and the retention this often, ms (default 10 min). */
  checkIntervalMs?: number;
}

/** How an outgoing message was sealed. */
export interface SealedForContact extends SealedMessage {
  protocol: MessageProtocol;
  forwardSecret: boolean;
}

/** What the client's `pfs` property offers the application. */
export interface PfsApi {
  /** Whether forward secrecy is on for this client. */
  readonly enabled: boolean;
  /** Sets the per-contact "require forward secrecy" setting (kept in the client storage). */
  setRequireForwardSecrecy(sessionId: string, value: boolean): Promise<void>;
  /** The per-contact "require forward secrecy" setting. */
  requiresForwardSecrecy(sessionId: string): Promise<boolean>;
  /** Whether a valid bundle was ever seen for the contact (sticky, kept in the storage). */
  supportsForwardSecrecy(sessionId: string): Promise<boolean>;
  /** What the sender cache knows of the contact's keys now. */
  peerKeys(sessionId: string): PeerKeysEntry;
  /** Fetches the contact's keys now (two swarm members) and returns what the cache then knows. */
  refreshPeerKeys(sessionId: string): Promise<PeerKeysEntry>;
  /** Rotates the account keys now (and publishes the new bundle). */
  rotateKeys(options?: AbortOptions): Promise<void>;
  /** When the active account key is due for rotation (ms), undefined before it exists. */
  nextRotation(): number | undefined;
}

/** What the client hands in. */
export interface ClientPfsComponents {
  crypto: MurmurCrypto;
  storage: ClientStorage;
  transport: Transport;
  logger: Logger;
  /** The seed store (default in memory: the keys then die with the process). */
  store?: AccountKeyStore | undefined;
  /** Network time, ms. */
  now(): number;
  /** The account, once known. */
  identity(): Identity | undefined;
  /** The client's lifecycle signal (aborted on stop). */
  signal(): AbortSignal;
}

/** The client's PFS part. */
export interface ClientPfs extends PfsApi {
  /** Wipes the seeds past their retention (needs no network; runs even while offline). */
  prune(): number;
  /** Loads the account keys kept in the store (call once the account is known). */
  load(self: Identity): Promise<void>;
  /** Publishes the bundle (first start: creates the key) and runs rotation and retention. */
  tick(options: AbortOptions): Promise<void>;
  /** The delay before the next `tick`, ms. */
  readonly checkIntervalMs: number;
  /**
   * Seals a text message to `to` under the send rules, fetching the keys first when needed
   * (holding up to 20 s). @throws StaleKeysError (never downgrade).
   */
  seal(self: Identity, to: string, content: TextContent): Promise<SealedForContact>;
  /**
   * Seals at once when the send rules allow it without a fetch (keys fresh or stale, or a
   * peer known not to publish); `undefined` means: hold the message (`securing`) and `seal` it
   * in the outbox.
   */
  sealNow(self: Identity, to: string, content: TextContent): Promise<SealedForContact | undefined>;
  /** Opens a stored message of any version with every retained account key. */
  open(self: Identity, data: string): OpenedAnyMessage;
  /** Waits for background refetches. */
  idle(): Promise<void>;
}

const DEVICE_ID_KEY = 'murmur:pfs:device-id';
const supportsKey = (id: string) => `murmur:pfs:supports:${id}`;
const requireKey = (id: string) => `murmur:pfs:require:${id}`;

/** Builds the PFS part of a client. @throws InvalidInputError for bad options. */
export function createClientPfs(init: PfsInit, components: ClientPfsComponents): ClientPfs {
  const { crypto, storage, transport, now } = components;
  const fallback = init.fallback ?? 'v1';
  if (fallback !== 'v1' && fallback !== 'v2-no-pfs') {
    throw new InvalidInputError('createClient: `pfs.fallback` must be `v1` or `v2-no-pfs`');
  }
  const checkIntervalMs = init.checkIntervalMs ?? 10 * 60_000;
  if (!Number.isSafeInteger(checkIntervalMs) || checkIntervalMs < 1) {
    throw new InvalidInputError('createClient: `pfs.checkIntervalMs` must be a positive integer');
  }
  const linkedDevices = init.linkedDevices ?? (() => 0);
  const store = components.store ?? createMemoryAccountKeyStore();
  const logger = components.logger.child({ component: 'pfs' });
  const cache = createPeerKeyCache(now);
  const restored = new Set<string>();
  let manager: AccountKeysManager | undefined;
  let publishedOnce = false;

  // Ends early (resolving) when the client stops or the caller ends the wait: the waiting task
  // then sees the stop itself.
  const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    abortableSleep(
      ms,
      signal === undefined ? components.signal() : AbortSignal.any([components.signal(), signal]),
    ).catch(() => undefined);

  const service: PeerKeysService = createPeerKeysService({
    crypto,
    cache,
    fetchersFor: (id) => swarmBundleFetchers(transport, id, { signal: components.signal() }),
    now,
    sleep,
    onSupportsPfs: (id) => {
      storage
        .setValue(supportsKey(id), '1')
        .catch((error: unknown) => logger.warn({ err: String(error) }, 'pfs: flag not saved'));
    },
  });

  const requireIdentity = (): Identity => {
    const identity = components.identity();
    if (identity === undefined) throw new InvalidInputError('pfs: no account yet');
    return identity;
  };

  const managerFor = async (identity: Identity): Promise<AccountKeysManager> => {
    if (manager !== undefined) return manager;
    let deviceHex = await storage.getValue(DEVICE_ID_KEY);
    if (deviceHex === undefined) {
      deviceHex = bytesToHex(crypto.randomBytes(32));
      await storage.setValue(DEVICE_ID_KEY, deviceHex);
    }
    manager = createAccountKeysManager({
      crypto,
      identity,
      store,
      deviceId: hexToBytes(deviceHex, { field: 'device id' }),
      now,
      linkedDevices,
      publish: (bundle, ttlMs) =>
        publishAccountBundle(transport, crypto, identity, bundle, ttlMs, {
          signal: components.signal(),
        }),
    });
    return manager;
  };

  const restore = async (id: string): Promise<void> => {
    if (restored.has(id)) return;
    restored.add(id);
    if ((await storage.getValue(supportsKey(id))) === '1') cache.setSupportsPfs(id, true);
  };

  const sealWith = (
    decision: Extract<SendDecision, { action: 'send' }>,
    self: Identity,
    to: string,
    content: TextContent,
  ): SealedForContact => {
    if (decision.protocol === 'v2') {
      const sealed = sealTextMessageV2(crypto, self, to, content, { keys: decision.keys });
      return { ...sealed, protocol: 'v2', forwardSecret: true };
    }
    const sealed =
      decision.protocol === 'v1'
        ? sealTextMessage(crypto, self, to, content)
        : sealTextMessageV2(crypto, self, to, content, 'no-pfs');
    return { ...sealed, protocol: decision.protocol, forwardSecret: false };
  };

  return {
    enabled: true,
    checkIntervalMs,

    prune() {
      const removed = store.prune(Math.floor(now() / 1000));
      if (removed > 0) {
        manager?.all(); // forgets (and wipes) the derived keys of the pruned seeds
        logger.info({ removed }, 'pfs: retired account keys wiped');
      }
      return removed;
    },

    async load(self) {
      const keys = await managerFor(self);
      // With linked devices, enable() refuses at once (UNSUPPORTED, reason linked-devices)
      // before it creates or publishes anything: start() then fails with that error.
      if (linkedDevices() > 0) await keys.enable();
    },

    async tick() {
      const keys = await managerFor(requireIdentity());
      if (!publishedOnce) {
        // Refused (UNSUPPORTED, reason linked-devices) while other devices are linked.
        await keys.enable();
        publishedOnce = true;
        logger.info({}, 'pfs: account keys published');
      }
      try {
        if (await keys.tick()) logger.info({}, 'pfs: account keys rotated');
      } catch (error) {
        // A rotation whose bundle was not published: publish the active key on the next tick.
        publishedOnce = false;
        throw error;
      }
    },

    async sealNow(self, to, content) {
      await restore(to);
      const require = (await storage.getValue(requireKey(to))) === '1';
      const decision = service.decide(to, { requirePfs: require, fallback });
      return decision.action === 'send' ? sealWith(decision, self, to, content) : undefined;
    },

    async seal(self, to, content) {
      await restore(to);
      const require = (await storage.getValue(requireKey(to))) === '1';
      const decision = await service.prepare(to, { requirePfs: require, fallback });
      if (decision.action === 'send') return sealWith(decision, self, to, content);
      const askUser = decision.action === 'retry' && decision.askUser;
      throw new StaleKeysError(
        decision.action === 'blocked'
          ? `forward secrecy is required for ${to}, and no account keys of theirs could be fetched: the message was not sent (retry later, or turn "require forward secrecy" off for this contact)`
          : `${to} published forward-secret keys before, but none could be fetched now: the message was not sent rather than sent without forward secrecy (retry later${askUser ? '; keys have been missing for over an hour: ask the person, or send without forward secrecy by turning PFS off' : ''})`,
        {
          details: {
            reason: decision.action === 'blocked' ? 'require-pfs' : 'keys-missing',
            sessionId: to,
            askUser,
          },
        },
      );
    },

    open(self, data) {
      const keys: AccountKeys[] =
        manager?.all() ?? store.list().map((entry) => crypto.accountKeysFromSeed(entry.seed));
      return openAnyStoredMessage(crypto, self, data, keys);
    },

    idle: () => service.idle(),

    async setRequireForwardSecrecy(sessionId, value) {
      if (typeof value !== 'boolean') {
        throw new InvalidInputError('setRequireForwardSecrecy: `value` must be a boolean');
      }
      await storage.setValue(requireKey(sessionId), value ? '1' : '0');
    },
    async requiresForwardSecrecy(sessionId) {
      return (await storage.getValue(requireKey(sessionId))) === '1';
    },
    async supportsForwardSecrecy(sessionId) {
      await restore(sessionId);
      return cache.get(sessionId).supportsPfs;
    },
    peerKeys: (sessionId) => cache.get(sessionId),
    async refreshPeerKeys(sessionId) {
      await restore(sessionId);
      await service.refresh(sessionId);
      return cache.get(sessionId);
    },
    async rotateKeys() {
      const keys = await managerFor(requireIdentity());
      try {
        await keys.rotate();
        publishedOnce = true;
      } catch (error) {
        publishedOnce = false; // the next tick publishes the active key
        throw error;
      }
    },
    nextRotation: () => manager?.nextRotation(),
  };
}
