/**
 * Deletion of retrieved messages from the account's swarm (`deleteAfterRetrieve`): signed
 * `delete` requests of at most 1,000 hashes each.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { responseParser, type Transport } from '../transport.js';

/** Hashes per `delete` request at most. */
const DELETE_BATCH = 1_000;

/** What the deleter uses. */
export interface DeleterComponents {
  crypto: Pick<MurmurCrypto, 'signRequest'>;
  transport: Pick<Transport, 'swarmRequest'>;
  /** The signal that ends every request (the client's lifecycle). */
  signal(): AbortSignal;
}

/** Deletes messages from the swarm of `self`, in batches, one after the other. */
export type DeleteMessages = (self: Identity, hashes: readonly string[]) => Promise<void>;

/** Creates the deleter. */
export function createDeleter(components: DeleterComponents): DeleteMessages {
  const { crypto, transport } = components;
  return async (self, hashes) => {
    for (let start = 0; start < hashes.length; start += DELETE_BATCH) {
      const messages = hashes.slice(start, start + DELETE_BATCH);
      await transport.swarmRequest(
        {
          pubkey: self.sessionId,
          method: 'delete',
          params: () => ({
            pubkey: self.sessionId,
            pubkey_ed25519: bytesToHex(self.ed25519.publicKey),
            messages,
            signature: crypto.signRequest('delete', { messages }, self.ed25519.secretKey),
          }),
          parse: responseParser('delete'),
        },
        { signal: components.signal() },
      );
    }
  };
}
