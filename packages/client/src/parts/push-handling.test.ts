import type { Identity } from '@murmur/crypto';
import {
  bytesToHex,
  InvalidInputError,
  InvalidResponseError,
  type RetrievedMessage,
  UpstreamFailedError,
} from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import type { PushBatch, PushSource, PushStartOptions } from '../push.js';
import { createPushHandling, type PushHandlingComponents } from './push-handling.js';

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

function setup(overrides: Partial<PushHandlingComponents> = {}) {
  const processed: {
    identity: Identity;
    namespace: number;
    messages: readonly RetrievedMessage[];
    via: string | undefined;
  }[] = [];
  const errors: unknown[] = [];
  const started: PushStartOptions[] = [];
  let stops = 0;
  let deliver: ((batch: PushBatch) => void) | undefined;
  const source: PushSource = {
    async start(onMessages, options) {
      deliver = onMessages;
      started.push(options);
    },
    async stop() {
      stops++;
    },
    connected: true,
  };
  const state = { started: true, identity: self as Identity | undefined };
  const push = createPushHandling(
    { namespaces: [0, 5] },
    {
      source,
      crypto: {
        signRequest: (method) => `signed:${method}`,
        sign: (bytes) => Uint8Array.of(bytes.length),
      },
      receiver: {
        async process(identity, namespace, messages, via) {
          processed.push({ identity, namespace, messages, via });
          return { processed: messages.map((m) => m.hash) } as never;
        },
      },
      identity: () => state.identity,
      started: () => state.started,
      now: () => 42,
      onError: (error) => errors.push(error),
      ...overrides,
    },
  );
  return { push, state, processed, errors, started, stops: () => stops, deliver: () => deliver };
}

describe('push handling', () => {
  it('starts the source for the account with signed-request helpers and stops it', async () => {
    const t = setup();
    const controller = new AbortController();
    await t.push.start(controller.signal);
    expect(t.started).toHaveLength(1);
    const options = t.started[0] as PushStartOptions;
    expect(options).toMatchObject({
      signal: controller.signal,
      sessionId: self.sessionId,
      ed25519PublicKey: bytesToHex(self.ed25519.publicKey),
      namespaces: [0, 5],
    });
    expect(options.now()).toBe(42);
    expect(options.signRequest('retrieve', {})).toBe('signed:retrieve');
    expect(options.sign(new Uint8Array(5))).toEqual(Uint8Array.of(5));
    // The source delivers to the handler.
    t.deliver()?.({ namespace: 5, messages: [message(1)] });
    // Pushed messages are announced as delivered over the circuit.
    expect(t.processed).toEqual([
      { identity: self, namespace: 5, messages: [message(1)], via: 'circuit' },
    ]);
    await t.push.stop();
    expect(t.stops()).toBe(1);
  });

  it('does not start without an account, and does nothing without a source', async () => {
    const t = setup();
    t.state.identity = undefined;
    await t.push.start(new AbortController().signal);
    expect(t.started).toHaveLength(0);
    const none = setup({ source: undefined });
    await none.push.start(new AbortController().signal);
    await none.push.stop();
    expect(none.started).toHaveLength(0);
    expect(none.stops()).toBe(0);
  });

  it('drops batches while stopped or without an account', () => {
    const t = setup();
    t.state.started = false;
    t.push.handle({ namespace: 0, messages: [message(1)] });
    t.state.started = true;
    t.state.identity = undefined;
    t.push.handle({ namespace: 0, messages: [message(1)] });
    expect(t.processed).toHaveLength(0);
    expect(t.errors).toHaveLength(0);
  });

  it('refuses a namespace not received, a non-array and a malformed message, naming why', () => {
    const t = setup();
    t.push.handle({ namespace: 3, messages: [message(1)] });
    t.push.handle({ namespace: 0, messages: 'nope' as unknown as RetrievedMessage[] });
    t.push.handle({ namespace: 0, messages: [message(1), { hash: 'x' } as RetrievedMessage] });
    expect(t.processed).toHaveLength(0);
    expect(t.errors).toHaveLength(3);
    expect(t.errors[0]).toBeInstanceOf(InvalidInputError);
    expect((t.errors[0] as Error).message).toContain('namespace 3 is not polled');
    expect(t.errors[1]).toBeInstanceOf(InvalidInputError);
    expect(t.errors[2]).toBeInstanceOf(InvalidResponseError);
  });

  it('reports a failed processing', async () => {
    const t = setup({
      receiver: {
        process: () => Promise.reject(new UpstreamFailedError('storage full')),
      },
    });
    t.push.handle({ namespace: 0, messages: [message(1)] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toBeInstanceOf(UpstreamFailedError);
  });
});
