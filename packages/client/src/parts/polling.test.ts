import type { Identity } from '@murmur/crypto';
import { type RetrievedMessage, UpstreamFailedError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import type { SwarmRequest } from '../transport.js';
import { createPollRound, lastHashKey, type PollRoundComponents } from './polling.js';

const self = {
  sessionId: `05${'ab'.repeat(32)}`,
  ed25519: { publicKey: new Uint8Array(32).fill(7), secretKey: new Uint8Array(64).fill(9) },
} as unknown as Identity;

const message = (n: number): RetrievedMessage => ({
  hash: `${'A'.repeat(42)}${n}`,
  timestamp: 1_800_000_000_000,
  expiration: 1_800_000_100_000,
  data: 'AAAA',
});

const retrieve = (messages: RetrievedMessage[], more = false) => ({
  code: 200,
  body: { messages, more, t: 1_800_000_000_000, hf: [19, 0] },
});

function setup(
  answers: { code: number; body: unknown }[][],
  init: { deleteAfterRetrieve?: boolean } = {},
  overrides: Partial<PollRoundComponents> = {},
) {
  const values = new Map<string, string>();
  const requests: Record<string, unknown>[] = [];
  const processed: { namespace: number; hashes: string[] }[] = [];
  const deleted: string[][] = [];
  const errors: unknown[] = [];
  let prunes = 0;
  const round = createPollRound(
    {
      namespaces: [0, 5],
      deleteAfterRetrieve: init.deleteAfterRetrieve === true,
      maxSeenHashes: 1_000,
    },
    {
      crypto: { signRequest: (method, params) => `sig:${method}:${JSON.stringify(params)}` },
      storage: {
        getValue: async (key) => values.get(key),
        setValue: async (key, value) => {
          values.set(key, value);
        },
        pruneSeenHashes: async () => {
          prunes++;
          return 0;
        },
      },
      transport: {
        async swarmRequest<T>(request: SwarmRequest<T>) {
          requests.push(request.params(123));
          const results = answers.shift() ?? [retrieve([]), retrieve([])];
          return { value: request.parse({ results }), node: {} as never };
        },
      },
      receiver: {
        async process(_identity, namespace, messages) {
          const hashes = messages.map((m) => m.hash);
          processed.push({ namespace, hashes });
          return { processed: hashes } as never;
        },
      },
      identity: async () => self,
      now: () => 1_800_000_000_000,
      deleteMessages: async (_self, hashes) => {
        deleted.push(hashes);
      },
      onDeleteError: (error) => errors.push(error),
      ...overrides,
    },
  );
  return { round, values, requests, processed, deleted, errors, prunes: () => prunes };
}

describe('poll round', () => {
  it('retrieves every namespace from its last hash, processes, then stores the new last hash', async () => {
    const t = setup([[retrieve([message(1), message(2)], true), retrieve([])]]);
    t.values.set(lastHashKey(self.sessionId, 5), 'previous');
    expect(await t.round({})).toEqual({ more: true });
    const batch = t.requests[0] as {
      requests: { method: string; params: { last_hash?: string; signature: string } }[];
    };
    expect(batch.requests.map((r) => r.method)).toEqual(['retrieve', 'retrieve']);
    expect(batch.requests[0]?.params).toMatchObject({ namespace: 0, timestamp: 123 });
    expect(batch.requests[0]?.params.last_hash).toBeUndefined();
    expect(batch.requests[1]?.params).toMatchObject({ namespace: 5, last_hash: 'previous' });
    expect(batch.requests[1]?.params.signature).toBe(
      'sig:retrieve:{"namespace":5,"timestamp":123}',
    );
    expect(t.processed).toEqual([
      { namespace: 0, hashes: [message(1).hash, message(2).hash] },
      { namespace: 5, hashes: [] },
    ]);
    expect(t.values.get(lastHashKey(self.sessionId, 0))).toBe(message(2).hash);
    expect(t.values.get(lastHashKey(self.sessionId, 5))).toBe('previous');
    expect(t.deleted).toEqual([]);
  });

  it('deletes processed messages when asked and reports a failed deletion', async () => {
    const t = setup([[retrieve([message(1)]), retrieve([message(3)])]], {
      deleteAfterRetrieve: true,
    });
    expect(await t.round({})).toEqual({ more: false });
    expect(t.deleted).toEqual([[message(1).hash, message(3).hash]]);
    const failing = setup(
      [[retrieve([message(1)]), retrieve([])]],
      { deleteAfterRetrieve: true },
      {
        deleteMessages: () => Promise.reject(new UpstreamFailedError('swarm down')),
      },
    );
    await failing.round({});
    await new Promise((resolve) => setImmediate(resolve));
    expect(failing.errors).toHaveLength(1);
    expect(failing.errors[0]).toBeInstanceOf(UpstreamFailedError);
  });

  it('throws the wrong-swarm error first among failed subrequests, and on a wrong result count', async () => {
    const t = setup([
      [
        { code: 500, body: 'oops' },
        { code: 421, body: { snodes: [] } },
      ],
      [retrieve([])],
    ]);
    await expect(t.round({})).rejects.toMatchObject({ code: 'WRONG_SWARM' });
    await expect(t.round({})).rejects.toThrow('batch: 1 results for 2 retrieves');
    expect(t.processed).toEqual([]);
  });

  it('prunes the seen hashes every 100 rounds', async () => {
    const t = setup([]);
    for (let i = 0; i < 99; i++) await t.round({});
    expect(t.prunes()).toBe(0);
    await t.round({});
    expect(t.prunes()).toBe(1);
  });
});
