/**
 * Keeping a swarm's members in step, beyond the forwarding of each write
 * (`peer-replicator.ts`):
 *
 * - **Catch-up** (pull). A node asks each member of its swarm for what changed since the last
 *   position it synced from that member: an *inventory* of message ids, hashes and expiries
 *   after a message id, and journal entries (deletions, expiry changes) after a journal
 *   sequence. It fetches the bodies of the messages it lacks only (so steady-state catch-up
 *   moves hashes, not messages), checks each message's hash, stores them (idempotent by hash,
 *   expiries kept), then applies the journal. Positions are kept per peer in the meta table with
 *   the peer database's instance ID (a peer whose database was replaced is read from the start
 *   again). Catch-up runs when the node becomes ready (after a restart: what it missed while
 *   down), when a link to a swarm member comes up (after an outage), and every
 *   `catchUpIntervalMs` (a member that timed out on a forwarded write gets it then).
 * - **Push to a new member**. When a node appears in this node's swarm, this node *offers* it
 *   the swarm's messages (hashes) page by page; the new member answers which ones it wants (not
 *   stored, not deleted, not already being sent by another member), and gets only those. Every
 *   old member pushes; bodies travel about once because of the offers.
 * - **Moving accounts** when swarms split, merge or dissolve: for every account whose pubkey
 *   now maps to another swarm, its messages are pushed (offer, then the wanted ones) to every
 *   member of that swarm, and deleted here only once at least one of them acknowledged all of
 *   them (it stored them, or had them). Until then they stay here and the move is retried, also
 *   after a restart (the accounts are found again by scanning the store).
 *
 * The handlers of the four exchanges (`inventory`, `fetch` for swarm members only; `offer`,
 * `push` for the accounts of this node's swarm only, from the nodes `admission.ts` allows to
 * hand them over) are installed on the peer network by {@link createSwarmSync}. Every message
 * from another node passes a store's rules (`admission.ts`) or is refused and counted
 * (`murmur_replication_refused_total`); the hashes held as wanted are at most
 * {@link MAX_WANTED_HASHES}.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  type Clock,
  ForbiddenError,
  InternalError,
  type Logger,
  NodeNotReadyError,
  systemClock,
} from '@murmur/wire';
import type { NodeMetrics } from '../metrics.js';
import type { NetworkSnapshot, NetworkView, SwarmInfo } from '../network/network-view.js';
import type { PeerResponse } from '../peers/peer-link.js';
import type { PeerNetwork } from '../peers/peer-network.js';
import {
  bodyCheckers,
  type InventoryResponse,
  jsonBody,
  MAX_ITEMS_PER_FRAME,
  parseJsonBody,
  type WireMessage,
} from '../peers/protocol.js';
import type { MessageStore, NewMessage, StoredMessage } from '../storage/message-store.js';
import { createSenderCheck, isAcceptableExpiry, replicatedMessageProblem } from './admission.js';
import { createJobQueue } from './job-queue.js';

/** Options of {@link createSwarmSync} (all have defaults). */
export interface SwarmSyncInit {
  /** Catch-up from every swarm member this often, ms (default 60 s; 0 = only on events). */
  catchUpIntervalMs?: number | undefined;
  /** How often the node's own state is checked for changes, ms (default 1 s). */
  reconcileIntervalMs?: number | undefined;
  /** Items per inventory page and per offer (default 1,000). */
  pageSize?: number | undefined;
  /** Messages per push or fetch frame (default 50: at most about 5 MB of base64). */
  messagesPerFrame?: number | undefined;
  /** Timeout of each exchange, ms (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** Wait this long after a swarm change before moving accounts, ms (default 2 s). */
  moveDelayMs?: number | undefined;
  /** First and longest retry delay of a failed job, ms (default 1 s and 60 s). */
  retryMinMs?: number | undefined;
  retryMaxMs?: number | undefined;
}

/** Components of {@link createSwarmSync}. */
export interface SwarmSyncComponents {
  store: MessageStore;
  network: NetworkView;
  peers: PeerNetwork;
  crypto: MurmurCrypto;
  logger: Logger;
  metrics?: NodeMetrics | undefined;
  clock?: Clock | undefined;
}

/** What one catch-up from a peer did. */
export interface CatchUpResult {
  /** Messages stored that were missing here. */
  stored: number;
  /** Journal entries that changed something here. */
  applied: number;
  /** Inventory pages read. */
  pages: number;
}

/** What one push to a node did. */
export interface PushResult {
  /** Messages offered. */
  offered: number;
  /** Messages sent (the ones it wanted). */
  sent: number;
  /** Accounts whose every offered message the node stored or already had. */
  acknowledged: Set<string>;
  /** Accounts it refused (not of its swarm in its view). */
  refused: Set<string>;
  /** The highest message id scanned. */
  upToId: number;
}

/** The swarm synchroniser. */
export interface SwarmSync {
  /** Installs the peer handlers' state, follows the network, arms the timers. */
  start(): void;
  /** Stops the timers and the running jobs. */
  stop(): Promise<void>;
  /** Catches up from one swarm member now. */
  catchUpFrom(peer: string, options?: { signal?: AbortSignal }): Promise<CatchUpResult>;
  /** Offers and pushes the messages of accounts for which `select` is true to `peer`. */
  pushTo(
    peer: string,
    select: (owner: string) => boolean,
    options?: { signal?: AbortSignal },
  ): Promise<PushResult>;
  /** Moves the accounts that belong to other swarms now; resolves to how many messages left. */
  moveMisplaced(options?: { signal?: AbortSignal }): Promise<{ moved: number; remaining: number }>;
  /** Resolves when no job is queued or running. */
  idle(): Promise<void>;
}

/** The meta-table value holding the catch-up position of a peer. */
interface Position {
  instance: string;
  after: number;
  journalAfter: number;
}

const POSITION_PREFIX = 'catch-up:';
/** Most bytes of message data in one fetch answer (it holds at least one message). */
const FETCH_ANSWER_BUDGET_BYTES = 8 * 1024 * 1024;
/** How long a hash wanted in an offer is held back from other offers, ms. */
const WANTED_HOLD_MS = 60_000;
/** Most hashes held as wanted at once (all offering nodes together); more are answered pending. */
export const MAX_WANTED_HASHES = 20_000;

function toWire(message: StoredMessage): WireMessage {
  return {
    owner: message.owner,
    namespace: message.namespace,
    hash: message.hash,
    timestamp: message.timestamp,
    expiry: message.expiry,
    data: Buffer.from(message.data).toString('base64'),
  };
}

function swarmSignature(snapshot: NetworkSnapshot): string {
  return [...snapshot.swarms.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((id) => id.toString(16))
    .join(',');
}

/** Creates the synchroniser and installs its peer handlers. */
export function createSwarmSync(init: SwarmSyncInit, components: SwarmSyncComponents): SwarmSync {
  const { store, network, peers, crypto, metrics } = components;
  const clock = components.clock ?? systemClock;
  const logger = components.logger.child({ component: 'swarm-sync' });
  const catchUpIntervalMs = init.catchUpIntervalMs ?? 60_000;
  const reconcileIntervalMs = init.reconcileIntervalMs ?? 1_000;
  const pageSize = Math.min(init.pageSize ?? 1_000, MAX_ITEMS_PER_FRAME, 5_000);
  const messagesPerFrame = init.messagesPerFrame ?? 50;
  const requestTimeoutMs = init.requestTimeoutMs ?? 30_000;
  const moveDelayMs = init.moveDelayMs ?? 2_000;
  const self = network.self.ed25519;
  const queue = createJobQueue(
    {
      retryMinMs: init.retryMinMs,
      retryMaxMs: init.retryMaxMs,
      onSize: (size) => metrics?.replicationPending.set(size),
    },
    logger,
  );
  /** Hashes some node is about to push here (from an offer), until when. */
  const wanted = new Map<string, number>();
  const senders = createSenderCheck(network, { now: () => clock.now() });
  const refuse = (reason: string, count = 1) => metrics?.replicationRefused.inc({ reason }, count);
  let last: { ready: boolean; swarmId?: bigint; members: Set<string>; swarms: string } = {
    ready: false,
    members: new Set(),
    swarms: '',
  };
  let reconcileTimer: NodeJS.Timeout | undefined;
  let catchUpTimer: NodeJS.Timeout | undefined;
  let unsubscribeNetwork: (() => void) | undefined;
  let unsubscribeLinks: (() => void) | undefined;
  let started = false;

  /** The current own swarm and snapshot, or undefined when not ready. */
  function ownSwarm(): { swarm: SwarmInfo; snapshot: NetworkSnapshot } | undefined {
    const state = network.state();
    const snapshot = network.snapshot();
    if (state.state !== 'ready' || snapshot === undefined) return undefined;
    return { swarm: state.swarm, snapshot };
  }

  function isMember(peer: string): boolean {
    return ownSwarm()?.swarm.members.some((member) => member.ed25519 === peer) ?? false;
  }

  function mapsHere(owner: string, own: { swarm: SwarmInfo; snapshot: NetworkSnapshot }): boolean {
    return own.snapshot.swarmFor(owner)?.id === own.swarm.id;
  }

  async function ask(
    peer: string,
    fields: Parameters<PeerNetwork['request']>[1],
    body: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<PeerResponse> {
    const response = await peers.request(peer, fields, body, {
      timeoutMs: requestTimeoutMs,
      signal,
    });
    if (response.status !== 200) {
      throw new InternalError(
        `${peer} answered ${fields.k} with ${response.status}: ${Buffer.from(response.body).toString('utf8').slice(0, 200)}`,
      );
    }
    return response;
  }

  /**
   * Checks a message from a peer (a store's rules, its hash) and turns it into one to store, or
   * undefined (counted).
   */
  function accepted(message: WireMessage): NewMessage | undefined {
    const problem = replicatedMessageProblem(message, clock.now());
    if (problem !== undefined) {
      refuse(problem);
      logger.debug({ hash: message.hash, problem }, 'refused a replicated message');
      return undefined;
    }
    const data = Buffer.from(message.data, 'base64');
    if (crypto.messageHash(message.owner, message.namespace, data) !== message.hash) {
      refuse('hash');
      logger.warn({ hash: message.hash }, 'a peer sent a message whose hash does not match');
      return undefined;
    }
    return {
      owner: message.owner,
      namespace: message.namespace,
      hash: message.hash,
      timestamp: message.timestamp,
      expiry: message.expiry,
      data,
    };
  }

  function positionOf(peer: string): Position | undefined {
    const text = store.getMeta(`${POSITION_PREFIX}${peer}`);
    if (text === undefined) return undefined;
    try {
      const value = JSON.parse(text) as Position;
      if (typeof value.instance === 'string' && Number.isSafeInteger(value.after)) return value;
    } catch {
      // Start over.
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Catch-up

  async function catchUpFrom(peer: string, signal?: AbortSignal): Promise<CatchUpResult> {
    const result: CatchUpResult = { stored: 0, applied: 0, pages: 0 };
    let position = positionOf(peer) ?? { instance: '', after: 0, journalAfter: 0 };
    /** Hashes stored in this run, with the id they have on the peer. */
    const received = new Map<string, number>();
    let oldest: number | undefined;
    for (;;) {
      const own = ownSwarm();
      if (own === undefined) throw new NodeNotReadyError('not ready: catch-up postponed');
      const response = await ask(
        peer,
        {
          k: 'inventory',
          after: position.after,
          journalAfter: position.journalAfter,
          limit: pageSize,
        },
        new Uint8Array(0),
        signal,
      );
      const page: InventoryResponse = parseJsonBody(
        bodyCheckers.inventoryResponse,
        response.body,
        'inventory answer',
      );
      result.pages += 1;
      if (page.instance !== position.instance) {
        if (position.instance !== '' && (position.after > 0 || position.journalAfter > 0)) {
          logger.info({ peer }, "a peer's database was replaced: reading it from the start");
          position = { instance: page.instance, after: 0, journalAfter: 0 };
          continue;
        }
        position = { ...position, instance: page.instance };
      }
      const now = clock.now();
      const missing = page.items.filter(
        (item) =>
          item.expiry > now &&
          mapsHere(item.owner, own) &&
          !store.hasMessage(item.hash) &&
          !store.wasDeleted(item.hash),
      );
      const peerIds = new Map(missing.map((item) => [item.hash, item.id]));
      let wantedHashes = missing.map((item) => item.hash);
      while (wantedHashes.length > 0) {
        const chunk = wantedHashes.slice(0, messagesPerFrame);
        const fetched = parseJsonBody(
          bodyCheckers.messages,
          (await ask(peer, { k: 'fetch' }, jsonBody({ hashes: chunk }), signal)).body,
          'fetch answer',
        ).messages;
        const asked = new Set(chunk);
        const toStore: NewMessage[] = [];
        for (const message of fetched) {
          if (!asked.has(message.hash) || !mapsHere(message.owner, own)) continue;
          asked.delete(message.hash);
          const checked = accepted(message);
          if (checked !== undefined) toStore.push(checked);
        }
        if (toStore.length > 0) {
          const stored = store.storeMany(toStore);
          result.stored += stored;
          metrics?.syncedMessages.inc({ source: 'catch_up' }, stored);
          for (const message of toStore) {
            received.set(message.hash, peerIds.get(message.hash) ?? 0);
            oldest = Math.min(oldest ?? message.timestamp, message.timestamp);
          }
        }
        // A peer may send fewer than asked (its frame budget): ask again for the others, unless
        // it sent none, in which case they were deleted there meanwhile.
        const returned = new Set(fetched.map((message) => message.hash));
        const unreturned = fetched.length === 0 ? [] : chunk.filter((hash) => !returned.has(hash));
        wantedHashes = [...unreturned, ...wantedHashes.slice(chunk.length)];
      }
      for (const entry of page.journal) {
        if (!mapsHere(entry.owner, own)) continue;
        if (entry.kind === 'delete') {
          // A message deleted there and stored again later keeps its newer copy.
          const storedId = received.get(entry.hash);
          if (storedId !== undefined && storedId > entry.messageId) continue;
          result.applied += store.deleteByHashes(entry.owner, [entry.hash]).length;
        } else if (entry.expiry !== undefined) {
          if (!isAcceptableExpiry(entry.expiry, clock.now())) {
            refuse('expiry');
            continue;
          }
          result.applied += store.updateExpiries(
            entry.owner,
            [entry.hash],
            [entry.expiry],
            'any',
          ).length;
        }
      }
      position = { instance: page.instance, after: page.after, journalAfter: page.journalAfter };
      store.setMeta(`${POSITION_PREFIX}${peer}`, JSON.stringify(position));
      if (!page.more) break;
    }
    // Not for a peer that left the swarm meanwhile (its series was removed when it left).
    if (isMember(peer)) {
      metrics?.replicationLag.set(
        { peer },
        oldest === undefined ? 0 : Math.max(0, (clock.now() - oldest) / 1000),
      );
    }
    if (result.stored > 0 || result.applied > 0) {
      logger.info({ peer, ...result }, 'caught up from a swarm peer');
    }
    return result;
  }

  function scheduleCatchUp(peer: string, delayMs = 0): void {
    queue.schedule(
      `catch-up:${peer}`,
      async (signal) => {
        if (!isMember(peer)) return;
        try {
          await catchUpFrom(peer, signal);
        } catch (error) {
          metrics?.replicationFailures.inc({ reason: 'catch_up' });
          throw error;
        }
      },
      { delayMs, shouldRetry: () => isMember(peer) },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Push (new members, moves)

  async function pushTo(
    peer: string,
    select: (owner: string) => boolean,
    signal?: AbortSignal,
  ): Promise<PushResult> {
    const result: PushResult = {
      offered: 0,
      sent: 0,
      acknowledged: new Set(),
      refused: new Set(),
      upToId: 0,
    };
    /** Accounts with messages another node was still sending: not acknowledged this time. */
    const pendingOwners = new Set<string>();
    let afterId = 0;
    for (;;) {
      const items = store.inventory(afterId, pageSize);
      if (items.length === 0) break;
      afterId = (items[items.length - 1] as { id: number }).id;
      result.upToId = afterId;
      const now = clock.now();
      const offered = items.filter((item) => item.expiry > now && select(item.owner));
      if (offered.length === 0) continue;
      result.offered += offered.length;
      for (const item of offered) result.acknowledged.add(item.owner);
      const answer = parseJsonBody(
        bodyCheckers.offerResponse,
        (
          await ask(
            peer,
            { k: 'offer' },
            jsonBody({ items: offered.map(({ owner, hash }) => ({ owner, hash })) }),
            signal,
          )
        ).body,
        'offer answer',
      );
      for (const owner of answer.refused) result.refused.add(owner);
      const ownerOf = new Map(offered.map((item) => [item.hash, item.owner]));
      for (const hash of answer.pending) {
        const owner = ownerOf.get(hash);
        if (owner !== undefined) pendingOwners.add(owner);
      }
      const wantedHashes = answer.want.filter((hash) => ownerOf.has(hash));
      for (let i = 0; i < wantedHashes.length; i += messagesPerFrame) {
        const chunk = wantedHashes.slice(i, i + messagesPerFrame);
        const messages = store.messagesByHashes(chunk);
        if (messages.length === 0) continue;
        const pushed = parseJsonBody(
          bodyCheckers.pushResponse,
          (await ask(peer, { k: 'push' }, jsonBody({ messages: messages.map(toWire) }), signal))
            .body,
          'push answer',
        );
        result.sent += messages.length;
        for (const owner of pushed.refused) result.refused.add(owner);
      }
    }
    for (const owner of [...result.refused, ...pendingOwners]) result.acknowledged.delete(owner);
    return result;
  }

  async function moveMisplaced(
    signal?: AbortSignal,
  ): Promise<{ moved: number; remaining: number }> {
    const own = ownSwarm();
    if (own === undefined) return { moved: 0, remaining: 0 };
    const byTarget = new Map<bigint, Set<string>>();
    for (const owner of store.owners()) {
      const target = own.snapshot.swarmFor(owner);
      if (target === undefined || target.id === own.swarm.id) continue;
      const set = byTarget.get(target.id) ?? new Set<string>();
      set.add(owner);
      byTarget.set(target.id, set);
    }
    let moved = 0;
    let remaining = 0;
    for (const [targetId, owners] of byTarget) {
      const target = own.snapshot.swarms.get(targetId);
      if (target === undefined) continue;
      const acknowledged = new Set<string>();
      let upToId = Number.MAX_SAFE_INTEGER;
      for (const member of target.members) {
        if (member.ed25519 === self) continue;
        try {
          const result = await pushTo(member.ed25519, (owner) => owners.has(owner), signal);
          for (const owner of result.acknowledged) acknowledged.add(owner);
          upToId = Math.min(upToId, result.upToId);
        } catch (error) {
          metrics?.replicationFailures.inc({ reason: 'push' });
          logger.debug(
            { err: error, member: member.ed25519, swarm: targetId.toString(16) },
            'could not push moved accounts to a member',
          );
        }
      }
      if (acknowledged.size > 0 && upToId !== Number.MAX_SAFE_INTEGER) {
        const deleted = store.deleteOwners([...acknowledged], { upToId });
        moved += deleted;
        metrics?.movedMessages.inc(deleted);
        logger.info(
          { swarm: targetId.toString(16), accounts: acknowledged.size, messages: deleted },
          'accounts moved to their new swarm',
        );
      }
      for (const owner of owners) if (!acknowledged.has(owner)) remaining += 1;
    }
    return { moved, remaining };
  }

  function scheduleMove(delayMs: number): void {
    queue.schedule(
      'move',
      async (signal) => {
        const { remaining } = await moveMisplaced(signal);
        if (remaining > 0) {
          throw new InternalError(`${remaining} accounts could not be moved yet`);
        }
      },
      { delayMs, shouldRetry: () => ownSwarm() !== undefined },
    );
  }

  function schedulePush(peer: string): void {
    queue.schedule(
      `push:${peer}`,
      async (signal) => {
        const own = ownSwarm();
        if (own === undefined || !isMember(peer)) return;
        const result = await pushTo(peer, (owner) => mapsHere(owner, own), signal);
        if (result.refused.size > 0) {
          throw new InternalError(
            `${peer} refused ${result.refused.size} accounts (its view lags)`,
          );
        }
        logger.info(
          { peer, offered: result.offered, sent: result.sent },
          'pushed the swarm to a new member',
        );
      },
      { shouldRetry: () => isMember(peer) },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Following the network

  function reconcile(): void {
    const own = ownSwarm();
    if (own === undefined) {
      if (last.ready) logger.info('not in a swarm: swarm sync paused');
      for (const member of last.members) metrics?.replicationLag.remove({ peer: member });
      last = { ready: false, members: new Set(), swarms: '' };
      peers.keep([]);
      return;
    }
    const members = new Set(
      own.swarm.members.map((member) => member.ed25519).filter((key) => key !== self),
    );
    const swarms = swarmSignature(own.snapshot);
    peers.keep(members);
    // A peer that left the swarm keeps no metric series (one per peer would pile up forever).
    for (const member of last.members) {
      if (!members.has(member)) metrics?.replicationLag.remove({ peer: member });
    }
    if (!last.ready || last.swarmId !== own.swarm.id) {
      logger.info(
        { swarm: own.swarm.id.toString(16), members: members.size },
        last.ready ? 'moved to another swarm: catching up' : 'in a swarm: catching up',
      );
      for (const member of members) scheduleCatchUp(member);
      scheduleMove(last.ready ? moveDelayMs : 0);
    } else {
      for (const member of members) if (!last.members.has(member)) schedulePush(member);
      if (swarms !== last.swarms) scheduleMove(moveDelayMs);
    }
    last = { ready: true, swarmId: own.swarm.id, members, swarms };
  }

  // -------------------------------------------------------------------------------------------
  // Serving peers

  function requireReady(): { swarm: SwarmInfo; snapshot: NetworkSnapshot } {
    const own = ownSwarm();
    if (own === undefined) throw new NodeNotReadyError('Snode not ready');
    return own;
  }

  function requireMember(peer: string): void {
    requireReady();
    if (!isMember(peer)) throw new ForbiddenError(`${peer} is not a member of this node's swarm`);
  }

  peers.handle('inventory', async (request) => {
    if (request.header.k !== 'inventory') throw new ForbiddenError('not an inventory request');
    requireMember(request.peer);
    const { after, journalAfter, limit } = request.header;
    const items = store.inventory(after, limit);
    const journal = store.journalAfter(journalAfter, limit);
    const now = clock.now();
    const answer: InventoryResponse = {
      instance: store.instanceId(),
      items: items
        .filter((item) => item.expiry > now)
        .map(({ id, owner, hash, expiry }) => ({ id, owner, hash, expiry })),
      journal: journal.map(({ seq, kind, owner, hash, expiry, messageId }) =>
        expiry === undefined
          ? { seq, kind, owner, hash, messageId }
          : { seq, kind, owner, hash, expiry, messageId },
      ),
      after: items.length === 0 ? after : (items[items.length - 1] as { id: number }).id,
      journalAfter:
        journal.length === 0 ? journalAfter : (journal[journal.length - 1] as { seq: number }).seq,
      more: items.length === limit || journal.length === limit,
    };
    return { status: 200, body: jsonBody(answer), contentType: 'application/json' };
  });

  peers.handle('fetch', async (request) => {
    requireMember(request.peer);
    const { hashes } = parseJsonBody(bodyCheckers.fetchRequest, request.body, 'fetch');
    // At least one message, then up to the frame budget.
    const messages: WireMessage[] = [];
    let bytes = 0;
    for (const message of store.messagesByHashes(hashes)) {
      const wire = toWire(message);
      bytes += wire.data.length + 200;
      if (messages.length > 0 && bytes > FETCH_ANSWER_BUDGET_BYTES) break;
      messages.push(wire);
    }
    return { status: 200, body: jsonBody({ messages }), contentType: 'application/json' };
  });

  peers.handle('offer', async (request) => {
    const own = requireReady();
    const { items } = parseJsonBody(bodyCheckers.offerRequest, request.body, 'offer');
    const now = clock.now();
    for (const [hash, until] of wanted) if (until < now) wanted.delete(hash);
    const want: string[] = [];
    const pending: string[] = [];
    const refused = new Set<string>();
    for (const { owner, hash } of items) {
      if (refused.has(owner)) continue;
      if (!mapsHere(owner, own)) {
        refused.add(owner);
        continue;
      }
      if (!senders.mayHandOver(request.peer, owner)) {
        refuse('sender');
        refused.add(owner);
        continue;
      }
      if (store.hasMessage(hash) || store.wasDeleted(hash)) continue;
      if (wanted.has(hash)) {
        pending.push(hash);
        continue;
      }
      if (wanted.size >= MAX_WANTED_HASHES) {
        // Full: the offering node asks again later (as for a hash another node is sending).
        refuse('wanted-full');
        pending.push(hash);
        continue;
      }
      wanted.set(hash, now + WANTED_HOLD_MS);
      want.push(hash);
    }
    return {
      status: 200,
      body: jsonBody({ want, pending, refused: [...refused] }),
      contentType: 'application/json',
    };
  });

  peers.handle('push', async (request) => {
    const own = requireReady();
    const { messages } = parseJsonBody(bodyCheckers.messages, request.body, 'push');
    const refused = new Set<string>();
    const toStore: NewMessage[] = [];
    for (const message of messages) {
      if (!mapsHere(message.owner, own)) {
        refused.add(message.owner);
        continue;
      }
      if (!senders.mayHandOver(request.peer, message.owner)) {
        refuse('sender');
        refused.add(message.owner);
        continue;
      }
      wanted.delete(message.hash);
      if (store.wasDeleted(message.hash)) continue;
      const checked = accepted(message);
      if (checked !== undefined) toStore.push(checked);
    }
    const stored = toStore.length === 0 ? 0 : store.storeMany(toStore);
    metrics?.syncedMessages.inc({ source: 'push' }, stored);
    return {
      status: 200,
      body: jsonBody({ stored, refused: [...refused] }),
      contentType: 'application/json',
    };
  });

  return {
    start() {
      if (started) return;
      started = true;
      unsubscribeNetwork = network.onChange(() => reconcile());
      unsubscribeLinks = peers.onLinkUp((peer) => {
        if (isMember(peer)) scheduleCatchUp(peer);
      });
      reconcileTimer = setInterval(reconcile, reconcileIntervalMs);
      reconcileTimer.unref();
      if (catchUpIntervalMs > 0) {
        catchUpTimer = setInterval(() => {
          for (const member of last.members) {
            scheduleCatchUp(
              member,
              Math.round(Math.random() * Math.min(5_000, catchUpIntervalMs / 4)),
            );
          }
        }, catchUpIntervalMs);
        catchUpTimer.unref();
      }
      reconcile();
    },
    async stop() {
      unsubscribeNetwork?.();
      unsubscribeLinks?.();
      if (reconcileTimer !== undefined) clearInterval(reconcileTimer);
      if (catchUpTimer !== undefined) clearInterval(catchUpTimer);
      senders.stop();
      await queue.stop();
    },
    catchUpFrom: (peer, options = {}) => catchUpFrom(peer, options.signal),
    pushTo: (peer, select, options = {}) => pushTo(peer, select, options.signal),
    moveMisplaced: (options = {}) => moveMisplaced(options.signal),
    idle: () => queue.idle(),
  };
}
