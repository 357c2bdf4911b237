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
import {
  OnionLayerRejectedError,
  type PeeledLayer,
  parseOnionRequestBody,
  peelOnionLayer,
} from '@murmur/onion';
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

/** What peeling gives: the layer, or the refusal to answer. */
export type PeelOutcome = { layer: PeeledLayer } | { refusal: PeelRefusal };

/** A job's result, as it crosses threads (a peeled layer's key is made enumerable). */
export type CryptoResult =
  | { op: 'failed'; message: string }
  | { op: 'verify'; ok: boolean }
  | { op: 'sign'; signature: string }
  | { op: 'peel'; layer: PeeledLayer & { key?: Uint8Array } }
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
): Promise<PeelOutcome> {
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

/** Runs one job on this thread. */
export async function runCryptoJob(
  crypto: MurmurCrypto,
  keys: CryptoJobKeys,
  job: CryptoJob,
): Promise<CryptoResult> {
  switch (job.op) {
    case 'verify': {
      let ok: boolean;
      try {
        ok = crypto.verifyRequest(job.method, job.signed, job.signature, job.publicKey);
      } catch {
        ok = false;
      }
      return { op: 'verify', ok };
    }
    case 'sign':
      return {
        op: 'sign',
        signature: Buffer.from(crypto.sign(utf8Encode(job.text), keys.ed25519SecretKey)).toString(
          'base64',
        ),
      };
    case 'peel': {
      const outcome = await peelOrRefuse(crypto, keys.x25519, job.body);
      if ('refusal' in outcome) return { op: 'peel', refusal: outcome.refusal };
      // The key of a final or exit layer is non-enumerable: copy it so that it is cloned too.
      const layer = outcome.layer;
      return {
        op: 'peel',
        layer: 'key' in layer ? { ...layer, key: layer.key } : layer,
      };
    }
  }
}

/** Restores a layer that crossed threads (its key non-enumerable again, as peeling makes it). */
export function restoreLayer(layer: PeeledLayer & { key?: Uint8Array }): PeeledLayer {
  if (layer.role === 'relay' || layer.key === undefined) return layer;
  const { key, ...rest } = layer as PeeledLayer & { key: Uint8Array };
  Object.defineProperty(rest, 'key', { value: key, enumerable: false });
  return rest as PeeledLayer;
}
