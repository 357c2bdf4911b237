import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { bytesToBase64, HARDFORK, silentLogger } from '@murmur/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageStateEvent } from '../events.js';
import { createMemoryStorage } from '../storage/memory.js';
import type { OutboxEntry } from '../storage/types.js';
import { HANG_GUARD_MS } from '../test-support/clients.js';
import type { SwarmRequest, Transport } from '../transport.js';
import { createClientOutbox, storeAnswerParser } from './outbox-wiring.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const BOB = `05${'b2'.repeat(32)}`;
const data = bytesToBase64(new Uint8Array([1, 2, 3, 4]));
const A = 'a1'.repeat(32);
const B = 'b1'.repeat(32);
const stored = (hash: string) => ({
  hash,
  signature: bytesToBase64(new Uint8Array(64)),
  expiry: 1_800_000_060_000,
});
const answer = (hash: string, swarm: Record<string, unknown>) => ({
  hash,
  swarm,
  t: 1_800_000_000_000,
  hf: [...HARDFORK],
});

describe('client outbox wiring', () => {
  it("checks the node's hash against the bytes, and that a member stored it", () => {
    const hash = crypto.messageHash(BOB, 0, new Uint8Array([1, 2, 3, 4]));
    const parse = storeAnswerParser(crypto, { recipient: BOB, namespace: 0, data });
    const swarm = { [A]: stored(hash), [B]: { failed: true } };
    expect(parse(answer(hash, swarm))).toBe(1);
    expect(() => parse(answer('x'.repeat(43), swarm))).toThrow(
      expect.objectContaining({ code: 'INVALID_RESPONSE' }),
    );
    expect(() => parse(answer(hash, { [B]: { failed: true } }))).toThrow(
      expect.objectContaining({ code: 'UPSTREAM_FAILED' }),
    );
  });

  it('stores through the transport, seals held entries with their hash, tracks pending ids', async () => {
    const storage = createMemoryStorage();
    const requests: SwarmRequest<unknown>[] = [];
    const transport: Pick<Transport, 'swarmRequest'> = {
      async swarmRequest<T>(request: SwarmRequest<T>) {
        requests.push(request as SwarmRequest<unknown>);
        const params = request.params(1_000) as { data: string; pubkey: string };
        const hash = crypto.messageHash(params.pubkey, 0, Buffer.from(params.data, 'base64'));
        return { value: request.parse(answer(hash, { [A]: stored(hash) })), node: {} as never };
      },
    };
    const events: MessageStateEvent[] = [];
    const failed: MessageStateEvent[] = [];
    const pendingSeen: number[] = [];
    const outbox = createClientOutbox(
      {},
      {
        crypto,
        storage,
        transport,
        now: () => Date.now(),
        random: () => 0.5,
        logger: silentLogger(),
        ready: () => true,
        seal: async (recipient, held) => {
          expect(recipient).toBe(BOB);
          expect(held.text).toBe('held');
          return { data, protocol: 'v2-no-pfs' };
        },
        onState: (event) => {
          events.push(event);
          pendingSeen.push(outbox.pendingIds.size);
        },
        onFailed: (event) => failed.push(event),
        onError: (error) => {
          throw error;
        },
      },
    );
    const id = 'H'.repeat(43);
    const entry: OutboxEntry = {
      id,
      recipient: BOB,
      namespace: 0,
      data: '',
      held: { text: 'held', sentAt: Date.now() },
      ttlMs: 60_000,
      createdAt: Date.now(),
      state: 'securing',
      attempts: 0,
      nextAttemptAt: Date.now(),
    };
    await storage.insertMessage({
      id,
      conversationId: BOB,
      direction: 'outgoing',
      sender: BOB,
      text: 'held',
      sentAt: 1,
      receivedAt: 1,
      namespace: 0,
      read: true,
      state: 'securing',
    });
    await outbox.loadPending();
    await outbox.start();
    await outbox.enqueue(entry);
    await outbox.waitFor(id, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
    await outbox.stop();
    const hash = crypto.messageHash(BOB, 0, new Uint8Array([1, 2, 3, 4]));
    expect(events.map((e) => [e.state, e.protocol, e.hash])).toEqual([
      ['securing', undefined, undefined],
      ['queued', 'v2-no-pfs', hash],
      ['sending', undefined, undefined],
      ['sent', undefined, undefined],
    ]);
    expect(pendingSeen).toEqual([1, 1, 1, 0]);
    expect(failed).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe('store');
    expect(requests[0]?.params(1_000)).toMatchObject({
      pubkey: BOB,
      namespace: 0,
      data,
      timestamp: 1_000,
    });
    expect(await storage.getMessage(id)).toMatchObject({
      state: 'sent',
      protocol: 'v2-no-pfs',
      hash,
    });
  });

  it('loads the pending set from the storage (securing, queued, sending)', async () => {
    const storage = createMemoryStorage();
    const base = {
      recipient: BOB,
      namespace: 0,
      data,
      ttlMs: 60_000,
      createdAt: 1,
      attempts: 0,
      nextAttemptAt: 1,
    };
    for (const [id, state] of [
      ['a', 'securing'],
      ['b', 'queued'],
      ['c', 'sending'],
      ['d', 'failed'],
    ] as const) {
      await storage.putOutboxEntry({ ...base, id, state });
    }
    const outbox = createClientOutbox(
      {},
      {
        crypto,
        storage,
        transport: { swarmRequest: async () => ({ value: undefined as never, node: {} as never }) },
        now: () => 1,
        random: () => 0.5,
        logger: silentLogger(),
        ready: () => false,
        onState: () => undefined,
        onFailed: () => undefined,
        onError: () => undefined,
      },
    );
    await outbox.loadPending();
    expect([...outbox.pendingIds].sort()).toEqual(['a', 'b', 'c']);
  });
});
