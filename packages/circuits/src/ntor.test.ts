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
import { BACKENDS, cryptoOf, filled, hex } from './test-support/crypto.js';

/** The worked example of docs/PROTOCOL.md (murmur-ntor). */
export const NTOR_EXAMPLE = {
  relayEd25519Seed: filled(0x01),
  relayX25519Secret: filled(0x02),
  clientEphemeralSecret: filled(0x03),
  relayEphemeralSecret: filled(0x04),
  expected: {
    id: '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c',
    b: 'ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59',
    x: '5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22',
    y: 'ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b',
    auth: '7694a921dd47b60b9c3540d481f92ee25651b782b2b177b006138ca2aaa2bd44',
    kf: 'adca3b3dcac36fbd4ef6adb219e430391686a8035a424a4babc284c15e5efc5c',
    kb: '66eed81fa5f6f98fa40a5967147d23353e08791b20a123fe2413bc1f1da75c7c',
  },
};

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
