/**
 * Namespace −21 on the fake network, as the service node plays it (tested there with real
 * bundles): a store needs the owner's signature (the Ed25519 key must convert to the Session
 * ID's X25519 key) and replaces the previous bundle; a retrieve needs no signature. Tests can
 * hide an account's bundle (a suppressing swarm) and count retrieves.
 */
import { ACCOUNT_KEYS_NAMESPACE, type MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, HARDFORK, hexToBytes } from '@murmur/wire';
import type { FakeNetwork } from './fake-network.js';

/** Control over the fake namespace −21. */
export interface AccountKeysNamespace {
  /** The newest bundle (base64) each account stored. */
  readonly bundles: Map<string, string>;
  /** Accounts whose bundle every member hides (answers "no messages"). */
  readonly hidden: Set<string>;
  /** Retrieves of namespace −21 per account. */
  readonly retrieves: Map<string, number>;
  /** While true, every store to namespace −21 fails (503). */
  refuseStores: boolean;
}

/** Installs namespace −21 on every node of `network` (its `rpcHook`). */
export function installAccountKeysNamespace(
  network: FakeNetwork,
  crypto: MurmurCrypto,
  now: () => number = () => Date.now(),
): AccountKeysNamespace {
  const state: AccountKeysNamespace = {
    bundles: new Map(),
    hidden: new Set(),
    retrieves: new Map(),
    refuseStores: false,
  };
  for (const node of network.nodes) {
    node.rpcHook = (method, raw) => {
      const params = raw as {
        namespace?: number;
        pubkey?: string;
        pubkey_ed25519?: string;
        timestamp?: number;
        signature?: string;
        data?: string;
      };
      if (params.namespace !== ACCOUNT_KEYS_NAMESPACE) return undefined;
      const pubkey = params.pubkey ?? '';
      const answer = { t: now(), hf: [...HARDFORK] };
      if (method === 'retrieve') {
        state.retrieves.set(pubkey, (state.retrieves.get(pubkey) ?? 0) + 1);
        const data = state.hidden.has(pubkey) ? undefined : state.bundles.get(pubkey);
        const messages =
          data === undefined ? [] : [{ hash: 'h'.repeat(43), timestamp: 1, expiration: 2, data }];
        return { status: 200, body: { messages, more: false, ...answer } };
      }
      if (method !== 'store') return undefined;
      if (state.refuseStores) return { status: 503, body: 'storage unavailable' };
      let ok = false;
      try {
        const ed25519 = hexToBytes(params.pubkey_ed25519 ?? '', { length: 32 });
        ok =
          pubkey === `05${bytesToHex(crypto.ed25519PublicKeyToX25519(ed25519))}` &&
          crypto.verifyRequest(
            'store',
            { namespace: ACCOUNT_KEYS_NAMESPACE, timestamp: params.timestamp ?? 0 },
            params.signature ?? '',
            ed25519,
          );
      } catch {
        ok = false;
      }
      if (!ok) return { status: 401, body: 'store signature verification failed' };
      state.bundles.set(pubkey, params.data ?? '');
      return { status: 200, body: { swarm: {}, hash: 'h'.repeat(43), ...answer } };
    };
  }
  return state;
}
