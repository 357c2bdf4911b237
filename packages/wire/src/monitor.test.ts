import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, utf8Decode } from './encoding.js';
import { MurmurError } from './errors.js';
import {
  encodeMonitorFrame,
  type MonitorNodeFrame,
  type MonitorSubscriberFrame,
  monitorAuthMessage,
  monitorSignatureMessage,
  parseMonitorNodeFrame,
  parseMonitorSubscriberFrame,
} from './monitor.js';

const key = 'ab'.repeat(32);
const account = `05${'cd'.repeat(32)}`;
const signature = '11'.repeat(64);

describe('monitor frames', () => {
  it('round-trips every subscriber frame', () => {
    const frames: MonitorSubscriberFrame[] = [
      { type: 'auth', key, signature },
      { type: 'subscribe', id: 7, P: key, n: [-10, 0, 5], t: 1_800_000_000, s: signature },
      { type: 'subscribe', id: 0, p: `03${'ef'.repeat(32)}`, n: [0], t: 1, s: signature },
      { type: 'unsubscribe', id: 2_147_483_647 },
    ];
    for (const frame of frames) {
      expect(parseMonitorSubscriberFrame(encodeMonitorFrame(frame))).toEqual(frame);
    }
  });

  it('round-trips every node frame', () => {
    const frames: MonitorNodeFrame[] = [
      { type: 'hello', version: 1, node: key, nonce: key },
      { type: 'ready', maxSubscriptions: 20_000 },
      { type: 'subscribed', id: 1, success: 1 },
      { type: 'subscribed', id: 1, errcode: 5, error: 'Signature verification failed' },
      { type: 'unsubscribed', id: 1 },
      {
        type: 'notify',
        subs: [1, 2],
        '@': account,
        h: 'A'.repeat(43),
        n: -10,
        t: 1_800_000_000_000,
        z: 1_800_086_400_000,
        '~': 'aGVsbG8=',
      },
      { type: 'ended', id: 3, errcode: 6, error: 'left the swarm' },
      { type: 'error', id: 4, error: 'bad' },
      { type: 'error', error: 'bad' },
    ];
    for (const frame of frames) {
      expect(parseMonitorNodeFrame(encodeMonitorFrame(frame))).toEqual(frame);
    }
  });

  it('refuses bad frames naming the field, with the frame id when readable', () => {
    const refusal = (text: string) => {
      try {
        parseMonitorSubscriberFrame(text);
      } catch (error) {
        expect(MurmurError.isInstance(error) && error.code).toBe('INVALID_INPUT');
        return { message: (error as Error).message, details: (error as MurmurError).details };
      }
      throw new Error(`accepted ${text}`);
    };
    expect(refusal('{').message).toMatch(/not JSON/);
    expect(refusal('[1]').message).toMatch(/not a JSON object/);
    expect(refusal('{"type":"x"}').message).toMatch(/`type` must be one of auth, subscribe/);
    const bad = refusal(
      JSON.stringify({
        type: 'subscribe',
        id: 3,
        P: key.toUpperCase(),
        n: [0],
        t: 1,
        s: signature,
      }),
    );
    expect(bad.message).toMatch(/subscribe: `P` must be a 64-character lower-case hex/);
    expect(bad.details).toEqual({ field: 'P', id: 3 });
    expect(
      refusal(JSON.stringify({ type: 'subscribe', id: 3, n: [0], t: 1, s: signature })).message,
    ).toMatch(/exactly one of `P` and `p`/);
    expect(
      refusal(
        JSON.stringify({
          type: 'subscribe',
          id: 3,
          P: key,
          p: account,
          n: [0],
          t: 1,
          s: signature,
        }),
      ).message,
    ).toMatch(/exactly one of/);
    expect(
      refusal(JSON.stringify({ type: 'subscribe', id: 3, P: key, n: [], t: 1, s: signature }))
        .message,
    ).toMatch(/`n`/);
    expect(
      refusal(JSON.stringify({ type: 'subscribe', id: 3, P: key, n: [40_000], t: 1, s: signature }))
        .message,
    ).toMatch(/`n\[0\]`/);
    expect(refusal(JSON.stringify({ type: 'unsubscribe', id: -1 })).message).toMatch(/`id`/);
    expect(refusal(JSON.stringify({ type: 'unsubscribe', id: 1, extra: 1 })).message).toMatch(
      /extra/,
    );
    expect(() => parseMonitorNodeFrame('{"type":"notify"}')).toThrow(/monitor frame from the node/);
  });

  it('never throws anything but a MurmurError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        for (const parse of [parseMonitorSubscriberFrame, parseMonitorNodeFrame]) {
          try {
            parse(text);
          } catch (error) {
            if (!MurmurError.isInstance(error)) throw error;
          }
        }
      }),
    );
  });
});

describe('monitor signed bytes', () => {
  it('MONITOR2 is the account hex, t, the namespaces joined by commas and the exit key hex', () => {
    const bytes = monitorSignatureMessage(
      Uint8Array.of(5, ...new Uint8Array(32).fill(0xcd)),
      1_800_000_000,
      [-10, 0, 5],
      new Uint8Array(32).fill(0xab),
    );
    expect(utf8Decode(bytes)).toBe(`MONITOR2${account}1800000000-10,0,5${key}`);
  });

  it('auth is the context, nonce, node, subscriber and exporter, and checks lengths', () => {
    const part = (byte: number) => new Uint8Array(32).fill(byte);
    const bytes = monitorAuthMessage({
      nonce: part(1),
      node: part(2),
      subscriber: part(3),
      exporter: part(4),
    });
    expect(bytesToHex(bytes)).toBe(
      bytesToHex(new TextEncoder().encode('murmur-monitor-v1')) +
        '01'.repeat(32) +
        '02'.repeat(32) +
        '03'.repeat(32) +
        '04'.repeat(32),
    );
    expect(() =>
      monitorAuthMessage({
        nonce: part(1),
        node: part(2),
        subscriber: new Uint8Array(31),
        exporter: part(4),
      }),
    ).toThrow(/subscriber must be 32 bytes/);
  });
});
