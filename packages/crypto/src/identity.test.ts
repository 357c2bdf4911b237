import {
  bytesToHex,
  InvalidInputError,
  InvalidPhraseError,
  InvalidSessionIdError,
  MurmurError,
} from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { BACKENDS } from './test-support/backends.js';
import { BIP39, BIP39_EIGHTEEN_WORDS, hex, IDENTITIES } from './test-support/fixtures.js';
import type { MurmurCrypto } from './types.js';

/** The error thrown by `run`, which must throw. */
function caught(run: () => unknown): MurmurError {
  try {
    run();
  } catch (error) {
    if (error instanceof MurmurError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe.each(BACKENDS)('identities on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
  });

  describe('identityFromSeed', () => {
    it.each(Object.entries(IDENTITIES))('derives %s exactly', (_name, expected) => {
      const identity = crypto.identityFromSeed(hex(expected.seed));
      expect(bytesToHex(identity.seed)).toBe(expected.seed);
      expect(bytesToHex(identity.ed25519.publicKey)).toBe(expected.ed25519PublicKey);
      expect(bytesToHex(identity.x25519.publicKey)).toBe(expected.x25519PublicKey);
      expect(bytesToHex(identity.x25519.secretKey)).toBe(expected.x25519SecretKey);
      expect(identity.sessionId).toBe(expected.sessionId);
      expect(crypto.phraseFromSeed(identity.seed)).toBe(expected.phrase);
    });

    it('extends a 16-byte Session seed with 16 zero bytes, as Session does', () => {
      const carol = crypto.identityFromSeed(hex(IDENTITIES.carol.seed));
      const full = crypto.identityFromSeed(hex(`${IDENTITIES.carol.seed}${'00'.repeat(16)}`));
      expect(carol.seed).toHaveLength(16);
      expect(bytesToHex(carol.ed25519.secretKey.subarray(0, 32))).toBe(
        `${IDENTITIES.carol.seed}${'00'.repeat(16)}`,
      );
      expect(carol.sessionId).toBe(full.sessionId);
      expect(crypto.phraseFromSeed(carol.seed).split(' ')).toHaveLength(12);
    });

    it('keeps its own copy of the seed', () => {
      const seed = hex(IDENTITIES.alice.seed);
      const identity = crypto.identityFromSeed(seed);
      seed.fill(0);
      expect(bytesToHex(identity.seed)).toBe(IDENTITIES.alice.seed);
    });

    it('refuses seeds of any other length or type with an InvalidInputError', () => {
      for (const seed of [
        new Uint8Array(0),
        new Uint8Array(15),
        new Uint8Array(31),
        new Uint8Array(33),
        new Uint8Array(64),
        'seed',
        undefined,
        [1, 2],
      ]) {
        const error = caught(() => crypto.identityFromSeed(seed as Uint8Array));
        expect(error).toBeInstanceOf(InvalidInputError);
      }
    });

    it('never puts the seed in an error message', () => {
      const secret = new Uint8Array(31).fill(0xab);
      const error = caught(() => crypto.identityFromSeed(secret));
      expect(error.message).not.toContain('abab');
      expect(JSON.stringify(error.toJSON())).not.toContain('abab');
    });

    it('is the same for every seed however often it is derived (property)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
          const a = crypto.identityFromSeed(seed);
          const b = crypto.identityFromSeed(seed);
          expect(a).toEqual(b);
          expect(a.sessionId).toMatch(/^05[0-9a-f]{64}$/);
          expect(crypto.parseSessionId(a.sessionId)).toEqual(a.x25519.publicKey);
        }),
        { numRuns: 30 },
      );
    });
  });

  describe('generateIdentity and wipeIdentity', () => {
    it('makes a fresh 32-byte seed each time', () => {
      const a = crypto.generateIdentity();
      const b = crypto.generateIdentity();
      expect(a.seed).toHaveLength(32);
      expect(a.sessionId).not.toBe(b.sessionId);
      expect(crypto.identityFromSeed(a.seed)).toEqual(a);
      expect(crypto.phraseFromSeed(a.seed).split(' ')).toHaveLength(24);
    });

    it('wipes the seed and both secret keys', () => {
      const identity = crypto.generateIdentity();
      crypto.wipeIdentity(identity);
      for (const secret of [identity.seed, identity.ed25519.secretKey, identity.x25519.secretKey]) {
        expect(secret.every((byte) => byte === 0)).toBe(true);
      }
    });
  });

  describe('recovery phrases', () => {
    it.each(BIP39.map(([entropy, phrase]) => [entropy.length / 2, entropy, phrase] as const))(
      'reference vector (%i bytes) %s',
      (_bytes, entropy, phrase) => {
        expect(crypto.phraseFromSeed(hex(entropy))).toBe(phrase);
        expect(bytesToHex(crypto.seedFromPhrase(phrase))).toBe(entropy);
      },
    );

    it('round-trips every 16- and 32-byte seed (property)', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ minLength: 16, maxLength: 16 }),
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
          ),
          (seed) => {
            const phrase = crypto.phraseFromSeed(seed);
            expect(phrase.split(' ')).toHaveLength(seed.length === 16 ? 12 : 24);
            expect(crypto.seedFromPhrase(phrase)).toEqual(seed);
          },
        ),
        { numRuns: 100 },
      );
    });

    it('normalises case, white space and Unicode form', () => {
      const [entropy, phrase] = BIP39[1];
      const messy = `  ${phrase.toUpperCase().split(' ').join(' \t\n ')}\u3000`;
      expect(bytesToHex(crypto.seedFromPhrase(messy))).toBe(entropy);
    });

    it('names a wrong word count and the accepted counts', () => {
      for (const phrase of ['', 'abandon', BIP39_EIGHTEEN_WORDS, `${BIP39[0][1]} abandon`]) {
        const error = caught(() => crypto.seedFromPhrase(phrase));
        expect(error).toBeInstanceOf(InvalidPhraseError);
        expect(error.details).toMatchObject({ reason: 'word-count' });
        expect(error.message).toContain('12 or 24 words');
        expect(error.message).toContain(
          `has ${phrase.trim() === '' ? 0 : phrase.trim().split(' ').length}`,
        );
      }
    });

    it('names the position of an unknown word but never the word', () => {
      const words = BIP39[1][1].split(' ');
      words[4] = 'wavvex';
      const error = caught(() => crypto.seedFromPhrase(words.join(' ')));
      expect(error).toBeInstanceOf(InvalidPhraseError);
      expect(error.details).toEqual({ reason: 'unknown-word', positions: [5] });
      expect(error.message).toContain('word 5');
      expect(JSON.stringify(error.toJSON())).not.toContain('wavvex');
      expect(JSON.stringify(error.toJSON())).not.toContain('legal');
    });

    it('reports a bad checksum without repeating the phrase', () => {
      const words = BIP39[4][1].split(' ');
      words[23] = 'abandon';
      const error = caught(() => crypto.seedFromPhrase(words.join(' ')));
      expect(error).toBeInstanceOf(InvalidPhraseError);
      expect(error.details).toEqual({ reason: 'checksum' });
      expect(error.message).not.toContain('abandon');
    });

    it('accepts every word of the English list and nothing near one', async () => {
      const { wordlist } = await import('@scure/bip39/wordlists/english.js');
      expect([...wordlist].sort()).toEqual(wordlist);
      const phrase = (word: string) => `${word} ${BIP39[0][1].split(' ').slice(1).join(' ')}`;
      for (const word of wordlist) {
        const error = (() => {
          try {
            crypto.seedFromPhrase(phrase(word));
            return undefined;
          } catch (caughtError) {
            return caughtError as MurmurError;
          }
        })();
        if (error !== undefined) expect(error.details).toEqual({ reason: 'checksum' });
      }
      for (const word of ['abando', 'abandonn', 'zoo0', 'ab']) {
        expect(caught(() => crypto.seedFromPhrase(phrase(word))).details).toMatchObject({
          reason: 'unknown-word',
        });
      }
    });

    it('refuses seeds that are not 16 or 32 bytes', () => {
      expect(() => crypto.phraseFromSeed(new Uint8Array(24))).toThrow(InvalidInputError);
      expect(() => crypto.seedFromPhrase(42 as unknown as string)).toThrow(InvalidPhraseError);
    });
  });

  describe('parseSessionId', () => {
    it('returns the X25519 key of a valid ID, in either case', () => {
      const key = crypto.parseSessionId(IDENTITIES.alice.sessionId);
      expect(bytesToHex(key)).toBe(IDENTITIES.alice.x25519PublicKey);
      expect(crypto.parseSessionId(IDENTITIES.alice.sessionId.toUpperCase())).toEqual(key);
      expect(crypto.isSessionId(IDENTITIES.alice.sessionId)).toBe(true);
    });

    it.each([
      ['a number', 5],
      ['too short', IDENTITIES.alice.sessionId.slice(0, 64)],
      ['too long', `${IDENTITIES.alice.sessionId}00`],
      [
        'a non-hex character',
        `${IDENTITIES.alice.sessionId.slice(0, 40)}g${IDENTITIES.alice.sessionId.slice(41)}`,
      ],
      ['an empty string', ''],
    ])('refuses %s', (_what, id) => {
      expect(() => crypto.parseSessionId(id as string)).toThrow(InvalidSessionIdError);
      expect(crypto.isSessionId(id)).toBe(false);
    });

    it.each([
      ['03', 'group'],
      ['15', 'blinded'],
      ['25', 'blinded'],
      ['00', 'testnet'],
      ['ff', 'prefix ff'],
    ])('refuses prefix %s, saying only 05 IDs are accepted', (prefix, kind) => {
      const error = caught(() =>
        crypto.parseSessionId(`${prefix}${IDENTITIES.alice.x25519PublicKey}`),
      );
      expect(error).toBeInstanceOf(InvalidSessionIdError);
      expect(error.message).toContain('only 05');
      expect(error.message).toContain(kind);
    });

    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    it.each(lowOrder)('refuses the low-order key %s, which libsodium also refuses', (key) => {
      expect(() => crypto.parseSessionId(`05${key}`)).toThrow(InvalidSessionIdError);
      expect(() => crypto.x25519(crypto.randomBytes(32), hex(key))).toThrow(InvalidInputError);
    });

    it.each([
      ['p', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
      ['p + 1', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
      ['2^255 - 1', 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
      ['a key with the top bit set', `${IDENTITIES.alice.x25519PublicKey.slice(0, 62)}ae`],
    ])('refuses a non-canonical key: %s', (_what, key) => {
      expect(() => crypto.parseSessionId(`05${key}`)).toThrow(InvalidSessionIdError);
    });
  });
});
