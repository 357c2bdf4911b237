/**
 * Session Protocol v1 (libsession-util `encrypt_for_recipient` / `decrypt_incoming`):
 *
 * - signature = Ed25519(sender) over `message ‖ sender_ed25519_pk ‖ recipient_x25519_pk`;
 * - ciphertext = `crypto_box_seal(message ‖ sender_ed25519_pk ‖ signature, recipient_x25519_pk)`,
 *   that is `ephemeral_pk(32) ‖ XSalsa20-Poly1305(inner) with its 16-byte MAC`.
 *
 * The native hot path does exactly one allocation for the signed message and the inner
 * plaintext (they share a buffer), one for the signature and one for the output.
 */
import { BadSignatureError, DecryptionFailedError, InvalidSessionIdError } from '@murmur/wire';
import type { SodiumBackend } from './backends/types.js';
import { recipientX25519, senderSecretKey } from './identity.js';
import type { SenderIdLookup } from './sender-id-cache.js';
import { parseSessionId } from './session-id.js';
import type { DecryptedMessage, EncryptForRecipientOptions, Identity } from './types.js';
import { requireBytes } from './validate.js';

/** Bytes a sealed box adds: the ephemeral public key and the MAC. */
export const SEAL_OVERHEAD = 48;
/** Bytes the protocol adds inside the box: the sender's Ed25519 key and the signature. */
export const INNER_OVERHEAD = 96;
/** The shortest Session Protocol v1 ciphertext (an empty message). */
export const MIN_CIPHERTEXT_LENGTH = SEAL_OVERHEAD + INNER_OVERHEAD;

/**
 * `message ‖ A ‖ signature`, where the signature (by `secretKey`, whose public half is A)
 * covers `message ‖ A ‖ recipientX25519`. Shared by v1 and the intermediate protocol.
 */
export function signedInner(
  sodium: SodiumBackend,
  message: Uint8Array,
  secretKey: Uint8Array,
  recipientX25519: Uint8Array,
): Uint8Array {
  const length = message.length;
  const inner = new Uint8Array(length + INNER_OVERHEAD);
  inner.set(message, 0);
  inner.set(secretKey.subarray(32, 64), length);
  inner.set(recipientX25519, length + 32);
  const signature = sodium.signDetached(inner.subarray(0, length + 64), secretKey);
  inner.set(signature, length + 32);
  return inner;
}

/**
 * Checks the signature inside `inner = message ‖ A ‖ signature` against the reader's own
 * X25519 key and returns the message with the sender's keys. The plaintext returned is a view
 * of `inner`, whose other bytes are then public keys only; on failure `inner` is wiped.
 */
export function openSignedInner(
  sodium: SodiumBackend,
  senderIdOf: SenderIdLookup,
  inner: Uint8Array,
  ownX25519: Uint8Array,
): DecryptedMessage {
  const length = inner.length - INNER_OVERHEAD;
  const senderEd25519PublicKey = inner.slice(length, length + 32);
  const signature = inner.slice(length + 32, length + 96);
  inner.set(ownX25519, length + 32);
  const valid = sodium.verifyDetached(
    signature,
    inner.subarray(0, length + 64),
    senderEd25519PublicKey,
  );
  // The conversion also refuses keys outside the prime-order subgroup, which verify accepts.
  const senderSessionId = valid ? senderIdOf(senderEd25519PublicKey) : undefined;
  if (senderSessionId === undefined) {
    sodium.wipe(inner);
    throw new BadSignatureError(
      'The message signature does not verify: it was altered or not signed by the key it names',
    );
  }
  // A view, not a copy: the rest of the buffer holds only public keys (A and our own X25519).
  return { plaintext: inner.subarray(0, length), senderSessionId, senderEd25519PublicKey };
}

/** A sealed box with a chosen ephemeral key: the same bytes `crypto_box_seal` would give. */
export function sealWithEphemeral(
  sodium: SodiumBackend,
  message: Uint8Array,
  recipientX25519: Uint8Array,
  ephemeralSecretKey: Uint8Array,
): Uint8Array {
  const ephemeralPublicKey = sodium.scalarMultBase(ephemeralSecretKey);
  const nonceInput = new Uint8Array(64);
  nonceInput.set(ephemeralPublicKey, 0);
  nonceInput.set(recipientX25519, 32);
  const nonce = sodium.blake2b(nonceInput, 24);
  const box = sodium.boxEasy(message, nonce, recipientX25519, ephemeralSecretKey);
  if (box === undefined) {
    throw new InvalidSessionIdError('The recipient key is not usable for a sealed box');
  }
  const out = new Uint8Array(32 + box.length);
  out.set(ephemeralPublicKey, 0);
  out.set(box, 32);
  return out;
}

/** Session Protocol v1 encryption of `plaintext` from `sender` to `recipientSessionId`. */
export function encryptForRecipient(
  sodium: SodiumBackend,
  plaintext: Uint8Array,
  sender: Identity,
  recipientSessionId: string,
  options?: EncryptForRecipientOptions,
): Uint8Array {
  requireBytes(plaintext, 'plaintext');
  const secretKey = senderSecretKey(sender, 'sender');
  const recipientKey = parseSessionId(recipientSessionId);
  const ephemeralSecretKey = options?.ephemeralSecretKey;
  if (ephemeralSecretKey !== undefined) {
    requireBytes(ephemeralSecretKey, 'options.ephemeralSecretKey', 32);
  }
  const inner = signedInner(sodium, plaintext, secretKey, recipientKey);
  const out =
    ephemeralSecretKey === undefined
      ? sodium.boxSeal(inner, recipientKey)
      : sealWithEphemeral(sodium, inner, recipientKey, ephemeralSecretKey);
  sodium.wipe(inner);
  return out;
}

/**
 * Opens a Session Protocol v1 message sent to `recipient` and checks its signature.
 *
 * @throws DecryptionFailedError if it is too short or the box does not open (not for this
 *   recipient, or altered); BadSignatureError if the signature does not verify.
 */
export function decryptIncoming(
  sodium: SodiumBackend,
  senderIdOf: SenderIdLookup,
  ciphertext: Uint8Array,
  recipient: Identity,
): DecryptedMessage {
  requireBytes(ciphertext, 'ciphertext');
  const own = recipientX25519(recipient, 'recipient');
  if (ciphertext.length < MIN_CIPHERTEXT_LENGTH) {
    throw new DecryptionFailedError(
      `A Session Protocol message has at least ${MIN_CIPHERTEXT_LENGTH} bytes; this one has ${ciphertext.length}`,
      { details: { length: ciphertext.length } },
    );
  }
  const inner = sodium.boxSealOpen(ciphertext, own.publicKey, own.secretKey);
  if (inner === undefined) {
    throw new DecryptionFailedError(
      'The message could not be decrypted: it was not sealed to this recipient, or it was altered',
    );
  }
  return openSignedInner(sodium, senderIdOf, inner, own.publicKey);
}
