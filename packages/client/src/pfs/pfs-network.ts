/**
 * Account-key bundles over the network, through the client's onion transport: publishing one's
 * own bundle to namespace −21 (a signed store; the swarm keeps only the newest), and fetching a
 * contact's bundle from two different members of their swarm (unsigned retrieves), so that one
 * member alone cannot hide or replay it.
 */
import { ACCOUNT_KEYS_NAMESPACE, type Identity, type MurmurCrypto } from '@murmur/crypto';
import { type AbortOptions, base64ToBytes, bytesToBase64, bytesToHex } from '@murmur/wire';
import { responseParser, type Transport } from '../transport.js';
import type { BundleFetcher } from './peer-keys.js';

/** Stores `bundle` in `identity`'s namespace −21 for `ttlMs`, signed by the account. */
export async function publishAccountBundle(
  transport: Transport,
  crypto: MurmurCrypto,
  identity: Identity,
  bundle: Uint8Array,
  ttlMs: number,
  options: AbortOptions = {},
): Promise<void> {
  const data = bytesToBase64(bundle);
  const pubkeyEd25519 = bytesToHex(identity.ed25519.publicKey);
  await transport.swarmRequest(
    {
      pubkey: identity.sessionId,
      method: 'store',
      params: (now) => ({
        pubkey: identity.sessionId,
        namespace: ACCOUNT_KEYS_NAMESPACE,
        timestamp: now,
        ttl: ttlMs,
        data,
        pubkey_ed25519: pubkeyEd25519,
        signature: crypto.signRequest(
          'store',
          { namespace: ACCOUNT_KEYS_NAMESPACE, timestamp: now },
          identity.ed25519.secretKey,
        ),
      }),
      parse: responseParser('store'),
    },
    options,
  );
}

/**
 * Two fetchers of `sessionId`'s namespace −21 for {@link fetchPeerKeys}: the first asks a member
 * of the swarm, the second another member (it excludes the one that answered the first).
 */
export function swarmBundleFetchers(
  transport: Transport,
  sessionId: string,
  options: AbortOptions = {},
): [BundleFetcher, BundleFetcher] {
  const retrieve = (exclude: ReadonlySet<string>) =>
    transport.swarmRequest(
      {
        pubkey: sessionId,
        method: 'retrieve',
        params: () => ({ pubkey: sessionId, namespace: ACCOUNT_KEYS_NAMESPACE }),
        parse: responseParser('retrieve'),
        exclude,
        needsTime: false,
      },
      options,
    );
  const first = retrieve(new Set());
  const data = (answer: Awaited<typeof first>) =>
    answer.value.messages.map((message) => base64ToBytes(message.data, { field: 'data' }));
  return [
    async () => data(await first),
    async () => {
      const firstNode = await first.then(
        (answer) => answer.node.ed25519,
        () => undefined,
      );
      return data(await retrieve(new Set(firstNode === undefined ? [] : [firstNode])));
    },
  ];
}
