/**
 * The CPU-heavy steps of a request that can run on another thread: checking a client's request
 * signature, signing a stored message's hash with the node key, and peeling an onion layer. Each
 * is a plain function of plain data here, so that the same code runs inline and in a worker
 * (`crypto-worker.ts`), and its result crosses a thread boundary (structured clone).
 */
import type {
  KeyPair,
  MurmurCrypto,
  SignedRequestMethod,
  SignedRequestParams,
} from '@murmur/crypto';
import { OnionLayerRejectedError } from '@murmur/onion';
import {
  encodeRelayBody,
  type PeeledLayer,
  parseOnionRequestBody,
  peelOnionLayer,
} from '@murmur/onion/node';
import { MurmurError, responseFromError, utf8Encode } from '@murmur/wire';

/** A job. */
export type CryptoJob =
  | {
      op: 'verify';
      method: SignedRequestMethod;
      signed: SignedRequestParams;
      /** Base64. */
      signature: string;
      publicKey: Uint8Array;
      /**
       * Text (UTF-8) for the node to sign once the request signature checked out, in the same
       * job (a store's hash: one trip to the worker instead of two).
       */
      sign?: string | undefined;
    }
  | { op: 'sign'; text: string }
  | { op: 'peel'; body: Uint8Array };

/** A refused onion request: the reply to send as it is. */
export interface PeelRefusal {
  status: number;
  body: Uint8Array | string;
  contentType?: string | undefined;
  /** The error was not a Murmur error (a bug): its message, for the log. */
  unexpected?: string | undefined;
}

/** A relay layer, ready to pass on: the next node and the body it receives. */
export interface RelayHop {
  /** The next node's Ed25519 key, lower-case hex. */
  destination: string;
  /** `encodeRelayBody(layer.next)`. */
  body: Uint8Array;
}

/**
 * What peeling gives: the layer, a relay layer already encoded for the next node (from a worker
 * thread, which does that encoding too), or the refusal to answer.
 */
export type PeelOutcome = { layer: PeeledLayer } | { relay: RelayHop } | { refusal: PeelRefusal };

/** A job's result, as it crosses threads (a peeled layer's key is made enumerable). */
export type CryptoResult =
  | { op: 'failed'; message: string }
  | { op: 'verify'; ok: boolean; signature?: string | undefined }
  | { op: 'sign'; signature: string }
  | { op: 'peel'; layer: PeeledLayer & { key?: Uint8Array } }
  | { op: 'peel'; relay: RelayHop }
  | { op: 'peel'; refusal: PeelRefusal };

/** The node keys the jobs use. */
export interface CryptoJobKeys {
  ed25519SecretKey: Uint8Array;
  x25519: KeyPair;
}

const TEXT_BASE64 = 'text/plain; charset=utf-8';

/** Peels an onion layer, or turns the failure into the reply Session nodes send. */
export async function peelOrRefuse(
  crypto: MurmurCrypto,
  x25519: KeyPair,
  body: Uint8Array,
): Promise<{ layer: PeeledLayer } | { refusal: PeelRefusal }> {
  try {
    return { layer: await peelOnionLayer(crypto, x25519, parseOnionRequestBody(body)) };
  } catch (error) {
    if (error instanceof OnionLayerRejectedError) {
      return {
        refusal: { status: 200, body: await error.encryptReply(crypto), contentType: TEXT_BASE64 },
      };
    }
    const answer = responseFromError(error);
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    return {
      refusal: {
        status: answer.status,
        body: text,
        unexpected: MurmurError.isInstance(error)
          ? undefined
          : error instanceof Error
            ? error.message
            : String(error),
      },
    };
  }
}

function signText(crypto: MurmurCrypto, keys: CryptoJobKeys, text: string): string {
  return Buffer.from(crypto.sign(utf8Encode(text), keys.ed25519SecretKey)).toString('base64');
}

/** Runs a verify or sign job on this thread, synchronously (both are synchronous crypto). */
export function runSyncCryptoJob(
  crypto: MurmurCrypto,
  keys: CryptoJobKeys,
  job: Exclude<CryptoJob, { op: 'peel' }>,
): CryptoResult {
  if (job.op === 'sign') return { op: 'sign', signature: signText(crypto, keys, job.text) };
  let ok: boolean;
  try {
    ok = crypto.verifyRequest(job.method, job.signed, job.signature, job.publicKey);
  } catch {
    ok = false;
  }
  if (ok && job.sign !== undefined) {
    return { op: 'verify', ok, signature: signText(crypto, keys, job.sign) };
  }
  return { op: 'verify', ok };
}

/**
 * Runs one job on this thread. With `relayEncoded`, a relay layer comes back as a
 * {@link RelayHop} (what a worker does, so that the event loop has nothing left to encode).
 */
export async function runCryptoJob(
  crypto: MurmurCrypto,
  keys: CryptoJobKeys,
  job: CryptoJob,
  options: { relayEncoded?: boolean } = {},
): Promise<CryptoResult> {
  switch (job.op) {
    case 'verify':
    case 'sign':
      return runSyncCryptoJob(crypto, keys, job);
    case 'peel': {
      const outcome = await peelOrRefuse(crypto, keys.x25519, job.body);
      if ('refusal' in outcome) return { op: 'peel', refusal: outcome.refusal };
      const layer = outcome.layer;
      if (layer.role === 'relay' && options.relayEncoded === true) {
        return {
          op: 'peel',
          relay: { destination: layer.destination, body: encodeRelayBody(layer.next) },
        };
      }
      // The key of a final or exit layer is non-enumerable: copy it so that it is cloned too.
      return {
        op: 'peel',
        layer: 'key' in layer ? { ...layer, key: layer.key } : layer,
      };
    }
  }
}

/**
 * The buffers of a batch of results that can move to the other thread instead of being copied:
 * relay bodies, each the whole of its own buffer.
 */
export function transferablesOf(results: readonly CryptoResult[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const result of results) {
    if (result.op !== 'peel' || !('relay' in result)) continue;
    const body = result.relay.body;
    if (
      body.byteOffset === 0 &&
      body.byteLength === body.buffer.byteLength &&
      body.buffer instanceof ArrayBuffer
    ) {
      out.push(body.buffer);
    }
  }
  return out;
}

/** Restores a layer that crossed threads (its key non-enumerable again, as peeling makes it). */
export function restoreLayer(layer: PeeledLayer & { key?: Uint8Array }): PeeledLayer {
  if (layer.role === 'relay' || layer.key === undefined) return layer;
  const { key, ...rest } = layer as PeeledLayer & { key: Uint8Array };
  Object.defineProperty(rest, 'key', { value: key, enumerable: false });
  return rest as PeeledLayer;
}
