/**
 * The storage message hash (storage server `computeMessageHash`):
 * `base64_unpadded(BLAKE2b-256(prefix_byte ‖ pubkey32 ‖ NS ‖ data))`, 43 characters, where NS
 * is the namespace in base 10 and empty for namespace 0.
 */
import { bytesToBase64, hexToBytes } from '@murmur/wire';
import type { SodiumBackend } from './backends/types.js';
import { requireBytes, requireInteger } from './validate.js';

/** Length of a message hash. */
export const MESSAGE_HASH_LENGTH = 43;

/** The message hash of `data` stored for `pubkeyHex` (66 hex: prefix byte + key) in `namespace`. */
export function messageHash(
  sodium: SodiumBackend,
  pubkeyHex: string,
  namespace: number,
  data: Uint8Array,
): string {
  const pubkey = hexToBytes(pubkeyHex, { length: 33, field: 'pubkeyHex' });
  requireInteger(namespace, 'namespace', -32768, 32767);
  requireBytes(data, 'data');
  const namespaceText = namespace === 0 ? '' : String(namespace);
  const input = new Uint8Array(33 + namespaceText.length + data.length);
  input.set(pubkey, 0);
  for (let i = 0; i < namespaceText.length; i++) input[33 + i] = namespaceText.charCodeAt(i);
  input.set(data, 33 + namespaceText.length);
  return bytesToBase64(sodium.blake2b(input, 32), { padded: false });
}
