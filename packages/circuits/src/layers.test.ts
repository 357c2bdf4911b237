import { createCipheriv } from 'node:crypto';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CELL_BODY_LENGTH, hopCapacity, localPayloadLength, RelayCommand } from './constants.js';
import {
  createHopLayer,
  type HopLayer,
  layerNonce,
  openBackward,
  openForward,
  sealBackwardLocal,
  sealBackwardRelay,
  sealForward,
} from './layers.js';
import { encodeRelayPayload } from './relay-payload.js';
import { flipBit } from './test-support/bits.js';
import { BACKENDS, cryptoOf } from './test-support/crypto.js';
import { LAYER_EXAMPLE } from './test-support/vectors.js';

/** An independent forward wrap over node:crypto's chacha20-poly1305 (counter 0 at each hop). */
function referenceForward(payload: Uint8Array): Uint8Array {
  const seal = (key: Uint8Array, flag: number, rest: Uint8Array) => {
    const cipher = createCipheriv('chacha20-poly1305', key, new Uint8Array(12), {
      authTagLength: 16,
    });
    const out = Buffer.concat([
      cipher.update(Uint8Array.of(flag)),
      cipher.update(rest),
      cipher.final(),
    ]);
    return Buffer.concat([out, cipher.getAuthTag()]);
  };
  const [k1, k2, k3] = LAYER_EXAMPLE.keys as unknown as [
    { kf: Uint8Array },
    { kf: Uint8Array },
    { kf: Uint8Array },
  ];
  return seal(k1.kf, 0, seal(k2.kf, 0, seal(k3.kf, 1, payload)));
}

function fresh(): HopLayer[] {
  return LAYER_EXAMPLE.keys.map((keys) =>
    createHopLayer({ kf: keys.kf.slice(), kb: keys.kb.slice() }),
  );
}

describe.each(BACKENDS)('circuit layers on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  beforeAll(async () => {
    crypto = await cryptoOf(backend);
  });

  it('counter nonces are 4 zero bytes and the big-endian counter', () => {
    expect(bytesToHex(layerNonce(0))).toBe('000000000000000000000000');
    expect(bytesToHex(layerNonce(0x1_0000_0002))).toBe('000000000000000100000002');
  });

  it('gives the worked example of PROTOCOL.md: a PING to the exit and the PONG back', () => {
    const client = fresh();
    const relays = fresh();
    const ping = encodeRelayPayload(3, {
      command: RelayCommand.PING,
      id: 0,
      data: LAYER_EXAMPLE.token,
    });
    const forward = sealForward(crypto, client, 3, ping);
    // Three layers fill all 2043 bytes: the first cell to the exit is deterministic.
    expect(bytesToHex(forward)).toBe(bytesToHex(referenceForward(ping)));
    let body = forward;
    for (const hop of [1, 2]) {
      const opened = openForward(crypto, relays[hop - 1] as HopLayer, hop, body);
      expect(opened.kind).toBe('forward');
      if (opened.kind === 'forward') body = opened.body;
    }
    const atExit = openForward(crypto, relays[2] as HopLayer, 3, body);
    expect(atExit).toEqual({ kind: 'local', payload: ping });

    const pong = encodeRelayPayload(3, {
      command: RelayCommand.PONG,
      id: 0,
      data: LAYER_EXAMPLE.token,
    });
    const sealed = sealBackwardLocal(crypto, relays[2] as HopLayer, 3, pong);
    const atHop1 = sealBackwardRelay(
      crypto,
      relays[0] as HopLayer,
      1,
      sealBackwardRelay(crypto, relays[1] as HopLayer, 2, sealed.body),
    );
    const back = openBackward(crypto, client, atHop1);
    expect(back).toEqual({ kind: 'local', hop: 3, payload: pong, tag: sealed.tag });
    expect({
      forwardSha256: bytesToHex(crypto.sha256(forward)),
      forwardHead: bytesToHex(forward.subarray(0, 16)),
      backwardSha256: bytesToHex(crypto.sha256(atHop1)),
      backwardHead: bytesToHex(atHop1.subarray(0, 16)),
      exitTag: bytesToHex(sealed.tag),
    }).toEqual(LAYER_EXAMPLE.expected);
  });

  it('delivers payloads to and from every hop, in order, over many cells', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            hop: fc.integer({ min: 1, max: 3 }),
            back: fc.boolean(),
            seed: fc.integer({ min: 0, max: 255 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (steps) => {
          const client = fresh();
          const relays = fresh();
          for (const { hop, back, seed } of steps) {
            const payload = new Uint8Array(localPayloadLength(hop)).fill(seed);
            if (!back) {
              let body = sealForward(crypto, client, hop, payload);
              for (let h = 1; h < hop; h++) {
                const opened = openForward(crypto, relays[h - 1] as HopLayer, h, body);
                if (opened.kind !== 'forward') throw new Error('expected forward');
                body = opened.body;
              }
              expect(openForward(crypto, relays[hop - 1] as HopLayer, hop, body)).toEqual({
                kind: 'local',
                payload,
              });
            } else {
              let body = sealBackwardLocal(crypto, relays[hop - 1] as HopLayer, hop, payload).body;
              for (let h = hop - 1; h >= 1; h--)
                body = sealBackwardRelay(crypto, relays[h - 1] as HopLayer, h, body);
              const opened = openBackward(crypto, client, body);
              expect(
                opened.kind === 'local' &&
                  opened.hop === hop &&
                  bytesToHex(opened.payload) === bytesToHex(payload),
              ).toBe(true);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses any single-bit change of a forward cell at hop 1 and of a backward cell at the client', () => {
    const payload = new Uint8Array(localPayloadLength(3)).fill(9);
    const forward = sealForward(crypto, fresh(), 3, payload);
    const backward = (() => {
      const relays = fresh();
      const sealed = sealBackwardLocal(crypto, relays[2] as HopLayer, 3, payload);
      return sealBackwardRelay(
        crypto,
        relays[0] as HopLayer,
        1,
        sealBackwardRelay(crypto, relays[1] as HopLayer, 2, sealed.body),
      );
    })();
    for (let bit = 0; bit < CELL_BODY_LENGTH * 8; bit += 3) {
      expect(openForward(crypto, fresh()[0] as HopLayer, 1, flipBit(forward, bit)).kind).toBe(
        'refused',
      );
      expect(openBackward(crypto, fresh(), flipBit(backward, bit)).kind).toBe('refused');
    }
    expect(openForward(crypto, fresh()[0] as HopLayer, 1, forward).kind).toBe('forward');
  });

  it('refuses a replayed, a reordered and a dropped cell, and cells of the wrong length', () => {
    const client = fresh();
    const payload = (n: number) => new Uint8Array(localPayloadLength(1)).fill(n);
    const first = sealForward(crypto, client, 1, payload(1));
    const second = sealForward(crypto, client, 1, payload(2));
    const third = sealForward(crypto, client, 1, payload(3));
    const replay = fresh()[0] as HopLayer;
    expect(openForward(crypto, replay, 1, first).kind).toBe('local');
    expect(openForward(crypto, replay, 1, first).kind).toBe('refused');
    expect(openForward(crypto, fresh()[0] as HopLayer, 1, second).kind).toBe('refused');
    const dropped = fresh()[0] as HopLayer;
    expect(openForward(crypto, dropped, 1, first).kind).toBe('local');
    expect(openForward(crypto, dropped, 1, third).kind).toBe('refused');
    expect(openForward(crypto, fresh()[0] as HopLayer, 1, first.subarray(0, 2042)).kind).toBe(
      'refused',
    );
    expect(openBackward(crypto, fresh(), new Uint8Array(2044)).kind).toBe('refused');
  });

  it('pads with fresh random bytes, never the bytes past the next hop it received', () => {
    const client = fresh();
    const relays = fresh();
    const body = sealForward(crypto, client, 2, new Uint8Array(localPayloadLength(2)));
    const opened = openForward(crypto, relays[0] as HopLayer, 1, body);
    if (opened.kind !== 'forward') throw new Error('expected forward');
    const tail = opened.body.subarray(hopCapacity(2));
    expect(tail.length).toBe(17);
    expect(bytesToHex(tail)).not.toBe(bytesToHex(body.subarray(hopCapacity(2))));
    expect(tail).not.toEqual(new Uint8Array(17));
  });

  it('refuses a pass-through at the exit, an unknown FLAG, and a pass-through past the last built layer', () => {
    const relays = fresh();
    const exitBytes = (flag: number) =>
      crypto.chacha20Poly1305Encrypt(
        Uint8Array.of(flag, ...new Uint8Array(hopCapacity(3) - 17)),
        layerNonce(0),
        (LAYER_EXAMPLE.keys[2] as { kf: Uint8Array }).kf,
      );
    const padded = (owned: Uint8Array) => {
      const body = new Uint8Array(CELL_BODY_LENGTH);
      body.set(owned);
      return body;
    };
    expect(openForward(crypto, relays[2] as HopLayer, 3, padded(exitBytes(0x00))).kind).toBe(
      'refused',
    );
    expect(openForward(crypto, fresh()[2] as HopLayer, 3, padded(exitBytes(0x02))).kind).toBe(
      'refused',
    );
    expect(openForward(crypto, fresh()[2] as HopLayer, 3, padded(exitBytes(0x01))).kind).toBe(
      'local',
    );
    const passThrough = sealBackwardRelay(
      crypto,
      fresh()[0] as HopLayer,
      1,
      new Uint8Array(CELL_BODY_LENGTH),
    );
    expect(openBackward(crypto, fresh().slice(0, 1), passThrough).kind).toBe('refused');
  });
});
