/**
 * Session Protocol V2 (libsession-util `src/session_encrypt.cpp`: `encrypt_for_recipient_v2`,
 * `encrypt_for_recipient_v2_nopfs`, `decrypt_incoming_v2`, `decrypt_incoming_v2_nopfs`,
 * `decrypt_incoming_v2_prefix`). Wire form, 1536 + 256·n bytes:
 *
 *     0x00 0x02 | ki (2) | E (32) | ML-KEM ciphertext (1088) | XChaCha20-Poly1305(inner ‖ zeros)
 *
 * - `KISS = BLAKE2b-2(E ‖ S, key = X25519(e, S), pers "Session-Msg-KISS")`, `ki = M[0..2] ⊕ KISS`;
 * - `ss = SHA3-256(ss_m ‖ X25519(e, X) ‖ E ‖ X ‖ "\.//^\")`,
 *   `k ‖ nonce = SHAKE256("SessionV2MessageSS" ‖ ss)` (32 + 24 bytes);
 * - inner: bencoded `S` (sender Ed25519 key), `c` (content), `~` = Ed25519 of
 *   `BLAKE2b-64(bytes before "1:~", key = 05 ‖ S_recipient, pers "SessionV2Message")`, and an
 *   optional `~P` (Session Pro signature of every byte before it);
 * - no-PFS form: random `ki` and ciphertext slot, `ss = SHA3-256(X25519(e, R) ‖ R ‖ E ‖
 *   "SessionV2NonPFS")`, `k ‖ nonce = SHAKE256("SessionV2NonPFSSS" ‖ ss)`.
 */
import {
  BadSignatureError,
  DecryptionFailedError,
  decodeBencode,
  encodeBencode,
  InvalidInputError,
  InvalidSessionIdError,
  isBencodeDict,
  PayloadMalformedError,
} from '@murmur/wire';
import { requireAccountPublicKeys } from './account-keys.js';
import type { SodiumBackend } from './backends/types.js';
import { recipientX25519, senderSecretKey } from './identity.js';
import { MLKEM768_CIPHERTEXT_LENGTH, type MlKem768 } from './mlkem.js';
import type { SenderIdLookup } from './sender-id-cache.js';
import { parseSessionId } from './session-id.js';
import type {
  AccountKeys,
  AccountPublicKeys,
  DecryptedMessage,
  EncryptV2NoPfsOptions,
  EncryptV2Options,
  Identity,
} from './types.js';
import type { V2Hashes } from './v2-hashes.js';
import { requireBytes } from './validate.js';

/** The version prefix of a V2 message. */
export const V2_PREFIX = Uint8Array.of(0x00, 0x02);
/** Header bytes: prefix, key indicator, ephemeral key, ML-KEM ciphertext. */
export const V2_HEADER_LENGTH = 2 + 2 + 32 + MLKEM768_CIPHERTEXT_LENGTH;
/** Header plus the AEAD tag. */
export const V2_OVERHEAD = V2_HEADER_LENGTH + 16;
/** Every V2 message is a multiple of this. */
export const V2_BLOCK = 256;
/** The shortest V2 message. */
export const V2_MIN_LENGTH = Math.ceil((V2_OVERHEAD + V2_BLOCK) / V2_BLOCK) * V2_BLOCK;

const encoder = new TextEncoder();
const KISS_PERSONALISATION = encoder.encode('Session-Msg-KISS');
const MESSAGE_PERSONALISATION = encoder.encode('SessionV2Message');
/** X-Wing's label `\.//^\` (5c 2e 2f 2f 5e 5c), last in the SHA3-256 input. */
export const XWING_LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);
const PFS_DOMAIN = encoder.encode('SessionV2MessageSS');
const NO_PFS_LABEL = encoder.encode('SessionV2NonPFS');
const NO_PFS_DOMAIN = encoder.encode('SessionV2NonPFSSS');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `k ‖ nonce` = SHAKE256(domain ‖ ss) squeezed to 56 bytes. */
function keyAndNonce(
  hashes: V2Hashes,
  domain: Uint8Array,
  ss: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const out = hashes.shake256(concat(domain, ss), 56);
  return { key: out.subarray(0, 32), nonce: out.subarray(32, 56) };
}

function kiss(
  hashes: V2Hashes,
  dh: Uint8Array,
  ephemeral: Uint8Array,
  longTerm: Uint8Array,
): Uint8Array {
  return hashes.blake2b(concat(ephemeral, longTerm), dh, KISS_PERSONALISATION, 2);
}

function pfsKey(
  hashes: V2Hashes,
  ssm: Uint8Array,
  ssx: Uint8Array,
  ephemeral: Uint8Array,
  accountX25519: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const ss = hashes.sha3_256(concat(ssm, ssx, ephemeral, accountX25519, XWING_LABEL));
  return keyAndNonce(hashes, PFS_DOMAIN, ss);
}

function noPfsKey(
  hashes: V2Hashes,
  dh: Uint8Array,
  longTerm: Uint8Array,
  ephemeral: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const ss = hashes.sha3_256(concat(dh, longTerm, ephemeral, NO_PFS_LABEL));
  return keyAndNonce(hashes, NO_PFS_DOMAIN, ss);
}

function bytesEntry(key: string, value: Uint8Array): Uint8Array {
  return concat(encoder.encode(`${key.length}:${key}${value.length}:`), value);
}

const decimalLength = (value: number): number => String(value).length;

/**
 * The length of the signed part of the inner dict: `d` and every entry whose key sorts before
 * `~`, as the sender encoded them (bencode is canonical: keys sorted, byte strings written
 * `len:bytes`). Byte-string entries are counted without encoding them again; any other value
 * (which V2 does not define) is encoded to be measured.
 */
function signedLength(dict: Map<string, unknown>): number {
  let length = 1;
  for (const [key, value] of dict) {
    if (key >= '~') continue;
    const keyBytes = encoder.encode(key).length;
    length += decimalLength(keyBytes) + 1 + keyBytes;
    length +=
      value instanceof Uint8Array
        ? decimalLength(value.length) + 1 + value.length
        : encodeBencode(new Map([['', value]]) as never).length - 4;
  }
  return length;
}

/** The padded, signed inner dict (before the AEAD). */
function innerPlaintext(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  content: Uint8Array,
  senderSecret: Uint8Array,
  recipientSessionIdBytes: Uint8Array,
  proSecretKey: Uint8Array | undefined,
): Uint8Array {
  const body = concat(
    encoder.encode('d'),
    bytesEntry('S', senderSecret.subarray(32, 64)),
    bytesEntry('c', content),
  );
  const digest = hashes.blake2b(body, recipientSessionIdBytes, MESSAGE_PERSONALISATION, 64);
  let signed = concat(body, bytesEntry('~', sodium.signDetached(digest, senderSecret)));
  if (proSecretKey !== undefined) {
    signed = concat(signed, bytesEntry('~P', sodium.signDetached(signed, proSecretKey)));
  }
  const dict = concat(signed, encoder.encode('e'));
  const total = Math.ceil(Math.max(V2_MIN_LENGTH, V2_OVERHEAD + dict.length) / V2_BLOCK) * V2_BLOCK;
  const padded = new Uint8Array(total - V2_OVERHEAD);
  padded.set(dict, 0);
  sodium.wipe(body);
  sodium.wipe(signed);
  sodium.wipe(dict);
  return padded;
}

function seal(
  sodium: SodiumBackend,
  keyIndicator: Uint8Array,
  ephemeral: Uint8Array,
  kemCiphertext: Uint8Array,
  inner: Uint8Array,
  secret: { key: Uint8Array; nonce: Uint8Array },
): Uint8Array {
  const sealed = sodium.xchacha20Poly1305Encrypt(inner, undefined, secret.nonce, secret.key);
  sodium.wipe(inner);
  sodium.wipe(secret.key);
  return concat(V2_PREFIX, keyIndicator, ephemeral, kemCiphertext, sealed);
}

function sessionIdBytes(publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = 0x05;
  out.set(publicKey, 1);
  return out;
}

function optionalBytes(value: Uint8Array | undefined, field: string, length: number): void {
  if (value !== undefined) requireBytes(value, field, length);
}

/**
 * The sender's start of both V2 exchanges: an ephemeral X25519 key pair (`given`, or fresh) and
 * its shared secret with the recipient's long-term key.
 *
 * @throws InvalidSessionIdError when that key is a low-order point.
 */
function startExchange(
  sodium: SodiumBackend,
  longTerm: Uint8Array,
  given: Uint8Array | undefined,
): { e: Uint8Array; ephemeral: Uint8Array; dh: Uint8Array } {
  const e = given ?? sodium.randomBytes(32);
  const ephemeral = sodium.scalarMultBase(e);
  const dh = sodium.scalarMult(e, longTerm);
  if (dh === undefined) {
    throw new InvalidSessionIdError('The recipient key is a low-order point');
  }
  return { e, ephemeral, dh };
}

/** V2 with PFS: to the recipient's published account keys. */
export function encryptV2(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  mlkem: MlKem768,
  content: Uint8Array,
  sender: Identity,
  recipientSessionId: string,
  recipientKeys: AccountPublicKeys,
  options: EncryptV2Options = {},
): Uint8Array {
  requireBytes(content, 'content');
  const senderSecret = senderSecretKey(sender, 'sender');
  const longTerm = parseSessionId(recipientSessionId);
  requireAccountPublicKeys(recipientKeys, 'recipientKeys');
  optionalBytes(options.ephemeralSecretKey, 'options.ephemeralSecretKey', 32);
  optionalBytes(options.mlkemRandom, 'options.mlkemRandom', 32);
  optionalBytes(options.proEd25519SecretKey, 'options.proEd25519SecretKey', 64);
  const { e, ephemeral, dh } = startExchange(sodium, longTerm, options.ephemeralSecretKey);
  const indicator = kiss(hashes, dh, ephemeral, longTerm);
  sodium.wipe(dh);
  const mlkemPublicKey = recipientKeys.mlkem768PublicKey;
  indicator[0] = (indicator[0] as number) ^ (mlkemPublicKey[0] as number);
  indicator[1] = (indicator[1] as number) ^ (mlkemPublicKey[1] as number);
  const m = options.mlkemRandom ?? sodium.randomBytes(32);
  const { cipherText, sharedSecret } = mlkem.encapsulate(mlkemPublicKey, m);
  const ssx = sodium.scalarMult(e, recipientKeys.x25519PublicKey);
  if (ssx === undefined) {
    throw new InvalidInputError('recipientKeys.x25519PublicKey is a low-order point', {
      details: { field: 'recipientKeys.x25519PublicKey' },
    });
  }
  const secret = pfsKey(hashes, sharedSecret, ssx, ephemeral, recipientKeys.x25519PublicKey);
  for (const value of [sharedSecret, ssx]) sodium.wipe(value);
  if (options.ephemeralSecretKey === undefined) sodium.wipe(e);
  const inner = innerPlaintext(
    sodium,
    hashes,
    content,
    senderSecret,
    sessionIdBytes(longTerm),
    options.proEd25519SecretKey,
  );
  return seal(sodium, indicator, ephemeral, cipherText, inner, secret);
}

/** V2 without PFS: the same layout, sealed to the recipient's long-term key. */
export function encryptV2NoPfs(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  content: Uint8Array,
  sender: Identity,
  recipientSessionId: string,
  options: EncryptV2NoPfsOptions = {},
): Uint8Array {
  requireBytes(content, 'content');
  const senderSecret = senderSecretKey(sender, 'sender');
  const longTerm = parseSessionId(recipientSessionId);
  optionalBytes(options.ephemeralSecretKey, 'options.ephemeralSecretKey', 32);
  optionalBytes(options.keyIndicator, 'options.keyIndicator', 2);
  optionalBytes(options.filler, 'options.filler', MLKEM768_CIPHERTEXT_LENGTH);
  optionalBytes(options.proEd25519SecretKey, 'options.proEd25519SecretKey', 64);
  const { e, ephemeral, dh } = startExchange(sodium, longTerm, options.ephemeralSecretKey);
  const secret = noPfsKey(hashes, dh, longTerm, ephemeral);
  sodium.wipe(dh);
  if (options.ephemeralSecretKey === undefined) sodium.wipe(e);
  const inner = innerPlaintext(
    sodium,
    hashes,
    content,
    senderSecret,
    sessionIdBytes(longTerm),
    options.proEd25519SecretKey,
  );
  // The 1090 filler bytes come from SHAKE256 of 32 fresh random bytes: as unpredictable, and
  // the WebAssembly build's randombytes_buf costs milliseconds for a kilobyte.
  const filler =
    options.keyIndicator === undefined || options.filler === undefined
      ? hashes.shake256(sodium.randomBytes(32), 2 + MLKEM768_CIPHERTEXT_LENGTH)
      : undefined;
  return seal(
    sodium,
    options.keyIndicator ?? (filler as Uint8Array).subarray(0, 2),
    ephemeral,
    options.filler ?? (filler as Uint8Array).subarray(2),
    inner,
    secret,
  );
}

/** True when `ciphertext` has V2's prefix and at least V2's minimum length. */
export function looksLikeV2(ciphertext: Uint8Array): boolean {
  return ciphertext.length >= V2_MIN_LENGTH && ciphertext[0] === 0x00 && ciphertext[1] === 0x02;
}

/** The key indicator this recipient reads from a V2 message (M[0..2] of the key used). */
export function v2KeyIndicator(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  ciphertext: Uint8Array,
  recipient: Identity,
): Uint8Array | undefined {
  requireBytes(ciphertext, 'ciphertext');
  const own = recipientX25519(recipient, 'recipient');
  if (!looksLikeV2(ciphertext)) return undefined;
  const ephemeral = ciphertext.subarray(4, 36);
  const dh = sodium.scalarMult(own.secretKey, ephemeral);
  if (dh === undefined) return undefined;
  const indicator = kiss(hashes, dh, ephemeral, own.publicKey);
  sodium.wipe(dh);
  indicator[0] = (indicator[0] as number) ^ (ciphertext[2] as number);
  indicator[1] = (indicator[1] as number) ^ (ciphertext[3] as number);
  return indicator;
}

/** The AEAD opening; `undefined` if it does not authenticate (the only "try the next key"). */
function open(
  sodium: SodiumBackend,
  ciphertext: Uint8Array,
  secret: { key: Uint8Array; nonce: Uint8Array },
): Uint8Array | undefined {
  const out = sodium.xchacha20Poly1305Decrypt(
    ciphertext.subarray(V2_HEADER_LENGTH),
    undefined,
    secret.nonce,
    secret.key,
  );
  sodium.wipe(secret.key);
  return out;
}

/** Parses and checks the inner dict once the AEAD opened: a failure here refuses the message. */
function openInner(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  senderIdOf: SenderIdLookup,
  padded: Uint8Array,
  ownPublicKey: Uint8Array,
): Pick<DecryptedMessage, 'plaintext' | 'senderSessionId' | 'senderEd25519PublicKey'> & {
  proSignature: Uint8Array | undefined;
} {
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  const bytes = padded.subarray(0, end);
  let dict: unknown;
  try {
    dict = decodeBencode(bytes);
  } catch (cause) {
    throw new PayloadMalformedError('The V2 message opened but its inner dict is malformed', {
      cause,
    });
  }
  if (!isBencodeDict(dict)) {
    throw new PayloadMalformedError('The V2 message opened but holds no dict');
  }
  const sender = dict.get('S');
  const content = dict.get('c');
  const signature = dict.get('~');
  const pro = dict.get('~P');
  if (
    !(sender instanceof Uint8Array) ||
    sender.length !== 32 ||
    !(content instanceof Uint8Array) ||
    !(signature instanceof Uint8Array) ||
    signature.length !== 64 ||
    (pro !== undefined && (!(pro instanceof Uint8Array) || pro.length !== 64))
  ) {
    throw new PayloadMalformedError(
      'The V2 inner dict needs S (32 bytes), c (bytes) and ~ (64 bytes); ~P, if present, 64 bytes',
    );
  }
  const body = bytes.subarray(0, signedLength(dict));
  const digest = hashes.blake2b(body, sessionIdBytes(ownPublicKey), MESSAGE_PERSONALISATION, 64);
  const valid = sodium.verifyDetached(signature, digest, sender);
  const senderSessionId = valid ? senderIdOf(sender) : undefined;
  if (senderSessionId === undefined) {
    sodium.wipe(padded);
    throw new BadSignatureError(
      'The V2 message signature does not verify: it was altered or not signed by the key it names',
    );
  }
  return {
    plaintext: content,
    senderSessionId,
    senderEd25519PublicKey: new Uint8Array(sender),
    proSignature: pro instanceof Uint8Array ? new Uint8Array(pro) : undefined,
  };
}

/**
 * Tries a V2 message: the account keys whose indicator matches, then the no-PFS form.
 * `undefined` when no AEAD opened (the caller may still try v1).
 */
export function decryptV2(
  sodium: SodiumBackend,
  hashes: V2Hashes,
  mlkem: MlKem768,
  senderIdOf: SenderIdLookup,
  ciphertext: Uint8Array,
  recipient: Identity,
  accountKeys: readonly AccountKeys[],
): DecryptedMessage | undefined {
  const own = recipientX25519(recipient, 'recipient');
  const ephemeral = ciphertext.subarray(4, 36);
  const dh = sodium.scalarMult(own.secretKey, ephemeral);
  if (dh === undefined) return undefined;
  const indicator = kiss(hashes, dh, ephemeral, own.publicKey);
  indicator[0] = (indicator[0] as number) ^ (ciphertext[2] as number);
  indicator[1] = (indicator[1] as number) ^ (ciphertext[3] as number);
  const kemCiphertext = ciphertext.subarray(36, V2_HEADER_LENGTH);
  for (const keys of accountKeys) {
    const publicKey = keys.mlkem768.publicKey;
    if (publicKey[0] !== indicator[0] || publicKey[1] !== indicator[1]) continue;
    const ssm = mlkem.decapsulate(kemCiphertext, keys.mlkem768.secretKey);
    const ssx = sodium.scalarMult(keys.x25519.secretKey, ephemeral);
    if (ssx === undefined) continue;
    const padded = open(
      sodium,
      ciphertext,
      pfsKey(hashes, ssm, ssx, ephemeral, keys.x25519.publicKey),
    );
    sodium.wipe(ssm);
    sodium.wipe(ssx);
    if (padded === undefined) continue;
    sodium.wipe(dh);
    return {
      ...openInner(sodium, hashes, senderIdOf, padded, own.publicKey),
      protocol: 'v2',
      accountKeys: keys,
    };
  }
  const padded = open(sodium, ciphertext, noPfsKey(hashes, dh, own.publicKey, ephemeral));
  sodium.wipe(dh);
  if (padded === undefined) return undefined;
  return {
    ...openInner(sodium, hashes, senderIdOf, padded, own.publicKey),
    protocol: 'v2-no-pfs',
  };
}

/** Thrown when nothing opened a message that has V2's prefix. */
export function v2Failed(length: number): DecryptionFailedError {
  return new DecryptionFailedError(
    'The message could not be decrypted: no account key, nor the no-PFS form, nor v1 opened it',
    { details: { length } },
  );
}
