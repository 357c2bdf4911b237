/**
 * Per-hop ChaCha20-Poly1305 layers (MCP v1). Hop `h` owns the first `C_h = 2043 − 17·(h − 1)`
 * bytes of a RELAY body; its plaintext is `FLAG (1) | rest` (`C_h − 16` bytes). The nonce is 4
 * zero bytes and a big-endian 8-byte counter, one per direction and hop, from 0, never sent; a
 * dropped, replayed, reordered or altered cell therefore fails its tag. Padding past a hop's
 * bytes is always fresh random output of the hop that pads, never copied from a received cell.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  CELL_BODY_LENGTH,
  CIRCUIT_HOPS,
  FLAG_LOCAL,
  FLAG_PASS_THROUGH,
  hopCapacity,
  LAYER_TAG_LENGTH,
  localPayloadLength,
} from './constants.js';
import type { HopKeys } from './ntor.js';

/** One hop's layer: its keys and the two counters. Mutable; secret. */
export interface HopLayer extends HopKeys {
  /** The next forward counter (cells towards the exit through this hop). */
  forward: number;
  /** The next backward counter (cells towards the client through this hop). */
  backward: number;
}

/** A layer with both counters at 0. */
export function createHopLayer(keys: HopKeys): HopLayer {
  return { kf: keys.kf, kb: keys.kb, forward: 0, backward: 0 };
}

/** Wipes a layer's keys. */
export function wipeHopLayer(crypto: MurmurCrypto, layer: HopLayer): void {
  crypto.wipe(layer.kf);
  crypto.wipe(layer.kb);
}

/** The 12-byte nonce of a counter: 4 zero bytes and the counter, big-endian. */
export function layerNonce(counter: number): Uint8Array {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(8, counter >>> 0);
  return nonce;
}

function padTo(crypto: MurmurCrypto, owned: Uint8Array): Uint8Array {
  const body = new Uint8Array(CELL_BODY_LENGTH);
  body.set(owned);
  if (owned.length < CELL_BODY_LENGTH) {
    body.set(crypto.randomBytes(CELL_BODY_LENGTH - owned.length), owned.length);
  }
  return body;
}

function requireHop(hop: number): void {
  if (!Number.isInteger(hop) || hop < 1 || hop > CIRCUIT_HOPS) {
    throw new RangeError(`hop must be 1 to ${CIRCUIT_HOPS}`);
  }
}

function requireLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes, got ${bytes?.length}`);
  }
}

function seal(
  crypto: MurmurCrypto,
  key: Uint8Array,
  counter: number,
  flag: number,
  rest: Uint8Array,
): Uint8Array {
  const plaintext = new Uint8Array(1 + rest.length);
  plaintext[0] = flag;
  plaintext.set(rest, 1);
  return crypto.chacha20Poly1305Encrypt(plaintext, layerNonce(counter), key);
}

/**
 * Client: wraps a local payload for hop `target` (exactly `C_target − 17` bytes) in layers
 * `target … 1` and pads to a 2043-byte RELAY body. Advances the forward counter of each of
 * those layers.
 */
export function sealForward(
  crypto: MurmurCrypto,
  layers: readonly HopLayer[],
  target: number,
  payload: Uint8Array,
): Uint8Array {
  requireHop(target);
  if (layers.length < target) throw new RangeError(`no layer for hop ${target}`);
  requireLength(payload, localPayloadLength(target), `a payload for hop ${target}`);
  const targetLayer = layers[target - 1] as HopLayer;
  let inner = seal(crypto, targetLayer.kf, targetLayer.forward++, FLAG_LOCAL, payload);
  for (let hop = target - 1; hop >= 1; hop--) {
    const layer = layers[hop - 1] as HopLayer;
    inner = seal(crypto, layer.kf, layer.forward++, FLAG_PASS_THROUGH, inner);
  }
  return padTo(crypto, inner);
}

/** What a relay finds in a forward cell. */
export type OpenedForward =
  | { kind: 'local'; payload: Uint8Array }
  | { kind: 'forward'; body: Uint8Array }
  | { kind: 'refused' };

/**
 * Relay hop `hop`: decrypts its `C_hop` bytes of a forward RELAY body. `local` carries the
 * `C_hop − 17`-byte payload; `forward` the body for the next hop (its `C_(hop+1)` bytes and fresh
 * random padding); `refused` when the tag fails, the FLAG is unknown, or hop 3 is asked to pass a
 * cell on. Always advances the forward counter. Any refusal must destroy the circuit.
 */
export function openForward(
  crypto: MurmurCrypto,
  layer: HopLayer,
  hop: number,
  body: Uint8Array,
): OpenedForward {
  requireHop(hop);
  if (body.length !== CELL_BODY_LENGTH) return { kind: 'refused' };
  const owned = body.subarray(0, hopCapacity(hop));
  const plaintext = crypto.chacha20Poly1305Decrypt(owned, layerNonce(layer.forward++), layer.kf);
  if (plaintext === undefined) return { kind: 'refused' };
  const flag = plaintext[0];
  if (flag === FLAG_LOCAL) return { kind: 'local', payload: plaintext.subarray(1) };
  if (flag === FLAG_PASS_THROUGH && hop < CIRCUIT_HOPS) {
    return { kind: 'forward', body: padTo(crypto, plaintext.subarray(1)) };
  }
  return { kind: 'refused' };
}

/**
 * Relay hop `hop`: encrypts a payload it originates (`C_hop − 17` bytes) into a backward body.
 * `tag` is this hop's AEAD tag (the exit keeps it for SENDME). Advances the backward counter.
 */
export function sealBackwardLocal(
  crypto: MurmurCrypto,
  layer: HopLayer,
  hop: number,
  payload: Uint8Array,
): { body: Uint8Array; tag: Uint8Array } {
  requireHop(hop);
  requireLength(payload, localPayloadLength(hop), `a payload from hop ${hop}`);
  const owned = seal(crypto, layer.kb, layer.backward++, FLAG_LOCAL, payload);
  return { body: padTo(crypto, owned), tag: owned.slice(owned.length - LAYER_TAG_LENGTH) };
}

/**
 * Relay hop `hop` (1 or 2): wraps a backward body received from hop `hop + 1` (its first
 * `C_(hop+1)` bytes; the rest is ignored) into its own layer. Advances the backward counter.
 */
export function sealBackwardRelay(
  crypto: MurmurCrypto,
  layer: HopLayer,
  hop: number,
  received: Uint8Array,
): Uint8Array {
  requireHop(hop);
  if (hop >= CIRCUIT_HOPS) throw new RangeError('the exit has no next hop to relay from');
  requireLength(received, CELL_BODY_LENGTH, 'a RELAY body');
  const inner = received.subarray(0, hopCapacity(hop + 1));
  return padTo(crypto, seal(crypto, layer.kb, layer.backward++, FLAG_PASS_THROUGH, inner));
}

/** What the client finds in a backward cell. */
export type OpenedBackward =
  | {
      kind: 'local';
      /** The hop that spoke (1 guard, 2 middle, 3 exit). */
      hop: number;
      /** Its `C_hop − 17`-byte payload. */
      payload: Uint8Array;
      /** That hop's AEAD tag (SENDME echoes the exit's). */
      tag: Uint8Array;
    }
  | { kind: 'refused' };

/**
 * Client: peels a backward RELAY body from hop 1 until a layer's FLAG is `0x01`. Only layers that
 * are built take part; a tag failure, an unknown FLAG, or a pass-through past the last built
 * layer is `refused`, and the client must then DESTROY the circuit.
 */
export function openBackward(
  crypto: MurmurCrypto,
  layers: readonly HopLayer[],
  body: Uint8Array,
): OpenedBackward {
  if (body.length !== CELL_BODY_LENGTH) return { kind: 'refused' };
  let current = body.subarray(0, hopCapacity(1));
  for (let hop = 1; hop <= layers.length; hop++) {
    const layer = layers[hop - 1] as HopLayer;
    const owned = current.subarray(0, hopCapacity(hop));
    const plaintext = crypto.chacha20Poly1305Decrypt(owned, layerNonce(layer.backward++), layer.kb);
    if (plaintext === undefined) return { kind: 'refused' };
    if (plaintext[0] === FLAG_LOCAL) {
      return {
        kind: 'local',
        hop,
        payload: plaintext.subarray(1),
        tag: owned.slice(owned.length - LAYER_TAG_LENGTH),
      };
    }
    if (plaintext[0] !== FLAG_PASS_THROUGH) return { kind: 'refused' };
    current = plaintext.subarray(1);
  }
  return { kind: 'refused' };
}
