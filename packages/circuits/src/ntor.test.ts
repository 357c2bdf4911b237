import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
} from 'node:crypto';
import { bytesToHex, DecryptionFailedError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { NTOR_PROTOID, ntorClientFinish, ntorClientStart, ntorServer } from './ntor.js';
import { BACKENDS, cryptoOf, hex } from './test-support/crypto.js';
import { NTOR_EXAMPLE } from './test-support/vectors.js';

/** An independent murmur-ntor over node:crypto (X25519, HMAC, HKDF), to check the construction. */
function referenceNtor(
  b: Uint8Array,
  bSecret: Uint8Array,
  id: Uint8Array,
  xSecret: Uint8Array,
  ySecret: Uint8Array,
) {
  const priv = (raw: Uint8Array) =>
    createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]),
      format: 'der',
      type: 'pkcs8',
    });
  const pub = (raw: Uint8Array) =>
    createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
  const publicOf = (raw: Uint8Array) =>
    createPublicKey(priv(raw)).export({ format: 'der', type: 'spki' }).subarray(12);
  const x = publicOf(xSecret);
  const y = publicOf(ySecret);
  const dh = (s: Uint8Array, p: Uint8Array) =>
    diffieHellman({ privateKey: priv(s), publicKey: pub(p) });
  const protoid = Buffer.from(NTOR_PROTOID);
  const secretInput = Buffer.concat([dh(ySecret, x), dh(bSecret, x), id, b, x, y, protoid]);
  const h = (data: Buffer, tag: string) =>
    createHmac('sha256', `${NTOR_PROTOID}${tag}`).update(data).digest();
  const verify = h(secretInput, ':verify');
  const auth = h(Buffer.concat([verify, id, b, y, x, protoid, Buffer.from('Server')]), ':mac');
  const okm = Buffer.from(
    hkdfSync(
      'sha256',
      secretInput,
      `${NTOR_PROTOID}:key_extract`,
      `${NTOR_PROTOID}:key_expand`,
      64,
    ),
  );
  return {
    x: x.toString('hex'),
    y: y.toString('hex'),
    auth: auth.toString('hex'),
    kf: okm.subarray(0, 32).toString('hex'),
    kb: okm.subarray(32).toString('hex'),
  };
}

describe.each(BACKENDS)('murmur-ntor on the %s backend', (backend) => {
  it('gives the worked example of PROTOCOL.md on both sides, as an independent implementation does', async () => {
    const crypto = await cryptoOf(backend);
    const id = crypto.ed25519KeyPairFromSeed(NTOR_EXAMPLE.relayEd25519Seed).publicKey;
    const relayX25519 = {
      publicKey: crypto.x25519PublicKey(NTOR_EXAMPLE.relayX25519Secret),
      secretKey: NTOR_EXAMPLE.relayX25519Secret.slice(),
    };
    const client = ntorClientStart(
      crypto,
      { id, b: relayX25519.publicKey },
      {
        ephemeralSecretKey: NTOR_EXAMPLE.clientEphemeralSecret,
      },
    );
    const server = ntorServer(crypto, { id, x25519: relayX25519 }, client.x, {
      ephemeralSecretKey: NTOR_EXAMPLE.relayEphemeralSecret,
    });
    const keys = ntorClientFinish(crypto, client, server);
    const got = {
      id: bytesToHex(id),
      b: bytesToHex(relayX25519.publicKey),
      x: bytesToHex(client.x),
      y: bytesToHex(server.y),
      auth: bytesToHex(server.auth),
      kf: bytesToHex(keys.kf),
      kb: bytesToHex(keys.kb),
    };
    expect(got).toEqual(NTOR_EXAMPLE.expected);
    expect(bytesToHex(server.kf)).toBe(got.kf);
    expect(bytesToHex(server.kb)).toBe(got.kb);
    const reference = referenceNtor(
      relayX25519.publicKey,
      NTOR_EXAMPLE.relayX25519Secret,
      id,
      NTOR_EXAMPLE.clientEphemeralSecret,
      NTOR_EXAMPLE.relayEphemeralSecret,
    );
    expect(reference).toEqual({ x: got.x, y: got.y, auth: got.auth, kf: got.kf, kb: got.kb });
    // The client's ephemeral secret is wiped.
    expect(client.xSecret).toEqual(new Uint8Array(32));
  });

  it('agrees on fresh keys, and the client refuses a wrong AUTH, a wrong B, another ID and a low-order Y', async () => {
    const crypto = await cryptoOf(backend);
    const id = crypto.generateIdentity().ed25519.publicKey;
    const relay = crypto.x25519KeyPair();
    const start = () => ntorClientStart(crypto, { id, b: relay.publicKey });
    const client = start();
    const server = ntorServer(crypto, { id, x25519: relay }, client.x);
    const keys = ntorClientFinish(crypto, client, server);
    expect(keys.kf).toEqual(server.kf);
    expect(keys.kb).toEqual(server.kb);
    expect(keys.kf).not.toEqual(keys.kb);

    for (let bit = 0; bit < 256; bit += 5) {
      const c = start();
      const s = ntorServer(crypto, { id, x25519: relay }, c.x);
      const auth = s.auth.slice();
      auth[bit >> 3] = (auth[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(() => ntorClientFinish(crypto, c, { y: s.y, auth })).toThrow(DecryptionFailedError);
    }
    const other = crypto.x25519KeyPair();
    const wrongB = start();
    expect(() =>
      ntorClientFinish(crypto, wrongB, ntorServer(crypto, { id, x25519: other }, wrongB.x)),
    ).toThrow(DecryptionFailedError);
    const wrongId = start();
    const otherId = crypto.generateIdentity().ed25519.publicKey;
    expect(() =>
      ntorClientFinish(
        crypto,
        wrongId,
        ntorServer(crypto, { id: otherId, x25519: relay }, wrongId.x),
      ),
    ).toThrow(DecryptionFailedError);
    const lowOrder = start();
    expect(() =>
      ntorClientFinish(crypto, lowOrder, { y: new Uint8Array(32), auth: new Uint8Array(32) }),
    ).toThrow(DecryptionFailedError);
    expect(() => ntorServer(crypto, { id, x25519: relay }, new Uint8Array(32))).toThrow(
      DecryptionFailedError,
    );
    expect(() => ntorServer(crypto, { id, x25519: relay }, hex(`01${'00'.repeat(31)}`))).toThrow(
      DecryptionFailedError,
    );
  });
});
