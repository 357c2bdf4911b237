/**
 * A client's own Session Protocol V2 account keys: turning PFS on (single device only: refused
 * while linked devices exist), publishing the signed bundle to namespace −21, rotating it on
 * libsession's jittered schedule (or at once), and keeping retired keys readable for 16 days
 * before wiping them. Transport-agnostic: the caller hands in `publish`, a signed store to the
 * account's own namespace −21 (a public outbox: the new bundle replaces the old).
 */
import {
  type AccountKeys,
  accountKeyRotationTime,
  type Identity,
  type MurmurCrypto,
} from '@murmur/crypto';
import { InvalidInputError, UnsupportedError } from '@murmur/wire';
import type { AccountKeyStore, StoredAccountSeed } from './account-key-store.js';

/** How long a published bundle lives on the swarm (the 30-day private-namespace maximum). */
export const ACCOUNT_BUNDLE_TTL_MS = 30 * 24 * 3600 * 1000;

/** What the manager needs. */
export interface AccountKeysManagerInit {
  crypto: MurmurCrypto;
  /** The account's long-term identity (signs the bundle). */
  identity: Identity;
  store: AccountKeyStore;
  /** This device's 32-byte unique id (the rotation jitter hashes it). */
  deviceId: Uint8Array;
  /** Network time, ms. */
  now: () => number;
  /** Stores `bundle` in the account's namespace −21 with this TTL (signed by the account). */
  publish: (bundle: Uint8Array, ttlMs: number) => Promise<void>;
  /** How many other devices are linked to the account (PFS needs 0 for now). */
  linkedDevices: () => number;
}

/** The manager of a client's account keys. */
export interface AccountKeysManager {
  /**
   * Turns PFS on: creates the first account key if there is none and publishes the bundle.
   * Refused (UnsupportedError, details.reason "linked-devices") while other devices are linked.
   */
  enable(): Promise<void>;
  /** The active key (undefined before `enable`). */
  current(): AccountKeys | undefined;
  /** The active and every retained key, for `decryptIncoming(…, { accountKeys })`. */
  all(): AccountKeys[];
  /** When the active key is due for rotation (ms), or undefined before `enable`. */
  nextRotation(): number | undefined;
  /** Rotates now (a device was removed or replaced) and publishes the new bundle. */
  rotate(): Promise<void>;
  /**
   * Rotates if due, wipes seeds past their retention; call it from a timer the caller owns.
   * Returns whether it rotated.
   */
  tick(): Promise<boolean>;
}

/** Builds an {@link AccountKeysManager}. */
export function createAccountKeysManager(init: AccountKeysManagerInit): AccountKeysManager {
  const { crypto, identity, store, deviceId, now, publish, linkedDevices } = init;
  if (!(deviceId instanceof Uint8Array) || deviceId.length !== 32) {
    throw new InvalidInputError('deviceId must be 32 bytes', { details: { field: 'deviceId' } });
  }
  const derived = new Map<number, AccountKeys>();
  const seconds = () => Math.floor(now() / 1000);

  function keysOf(entry: StoredAccountSeed): AccountKeys {
    let keys = derived.get(entry.id);
    if (keys === undefined) {
      keys = crypto.accountKeysFromSeed(entry.seed);
      derived.set(entry.id, keys);
    }
    crypto.wipe(entry.seed);
    return keys;
  }

  function entries(): StoredAccountSeed[] {
    const list = store.list();
    // Forget (and wipe) derived keys whose seed the store no longer has.
    const kept = new Set(list.map((entry) => entry.id));
    for (const [id, keys] of derived) {
      if (!kept.has(id)) {
        crypto.wipeAccountKeys(keys);
        derived.delete(id);
      }
    }
    return list;
  }

  function active(): StoredAccountSeed | undefined {
    const first = entries()[0];
    return first?.rotated === undefined ? first : undefined;
  }

  async function publishCurrent(): Promise<void> {
    const entry = active();
    if (entry === undefined) return;
    const keys = keysOf(entry);
    const bundle = crypto.encodeAccountKeyBundle(
      {
        mlkem768PublicKey: keys.mlkem768.publicKey,
        x25519PublicKey: keys.x25519.publicKey,
        created: entry.created,
      },
      identity,
    );
    await publish(bundle, ACCOUNT_BUNDLE_TTL_MS);
  }

  async function rotate(): Promise<void> {
    const seed = crypto.randomBytes(32);
    store.add(seed, seconds());
    crypto.wipe(seed);
    await publishCurrent();
  }

  return {
    async enable() {
      const others = linkedDevices();
      if (others > 0) {
        throw new UnsupportedError(
          `Forward secrecy cannot be turned on while ${others} other device(s) are linked to this account: every device must be able to read messages sent to the published keys, and linked devices cannot share account keys yet. Unlink the other devices first.`,
          { details: { reason: 'linked-devices', linkedDevices: others } },
        );
      }
      if (active() === undefined) await rotate();
      else await publishCurrent();
    },
    current() {
      const entry = active();
      return entry === undefined ? undefined : keysOf(entry);
    },
    all: () => entries().map(keysOf),
    nextRotation() {
      const entry = active();
      if (entry === undefined) return undefined;
      const due = accountKeyRotationTime({
        seed: entry.seed,
        deviceId,
        created: entry.created,
        devices: 1 + linkedDevices(),
      });
      crypto.wipe(entry.seed);
      return due;
    },
    rotate,
    async tick() {
      store.prune(seconds());
      const due = this.nextRotation();
      if (due === undefined || now() < due) {
        entries();
        return false;
      }
      await rotate();
      return true;
    },
  };
}
