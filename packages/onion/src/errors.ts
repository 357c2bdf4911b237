/**
 * The two conditions that belong to the onion layer itself: no usable path on the client side,
 * and a layer a node could decrypt but has to refuse (Session answers those encrypted with the
 * layer's key, so the error carries a way to seal its own reply without exposing that key).
 */
import type { LayerEncryption, MurmurCrypto } from '@murmur/crypto';
import { bytesToBase64, MurmurError, type MurmurErrorOptions, utf8Encode } from '@murmur/wire';
import type { PathHealth } from './events.js';

/**
 * No onion path can be handed out: the manager is stopped, offline (too few nodes, every guard
 * failing, waiting for its next retry), or no path avoids the nodes the caller excluded.
 * Retryable: `details.nextRetryAt` (ms) says when the manager tries again, when it knows.
 * Code `PATH_UNAVAILABLE`, status 503.
 */
export class PathUnavailableError extends MurmurError {
  /** The manager's health when the error was thrown. */
  readonly health: PathHealth;

  constructor(message: string, health: PathHealth, options: MurmurErrorOptions = {}) {
    super('PATH_UNAVAILABLE', message, { retryable: true, status: 503, ...options });
    this.health = health;
  }
}

/**
 * A node decrypted its layer but must refuse it: the inner JSON is invalid (`"Invalid json"`) or
 * an exit layer names a URL it may not call (`"Invalid url"`). Session nodes answer these with
 * HTTP 200 and the `{"status": 400, "body": ...}` reply encrypted with the layer's key (base64),
 * so that only the client can read it; {@link OnionLayerRejectedError.encryptReply} produces
 * exactly that body. The key is held in a private field: it is never enumerable, serialised or
 * logged with the error.
 *
 * A node that prefers a plain answer can use `responseFromError(error)` from `@murmur/wire`
 * instead (400 with the message as body).
 */
export class OnionLayerRejectedError extends MurmurError {
  readonly #key: Uint8Array;
  readonly #encType: LayerEncryption;

  constructor(
    message: 'Invalid json' | 'Invalid url',
    layer: { key: Uint8Array; encType: LayerEncryption },
    options: MurmurErrorOptions = {},
  ) {
    super('INVALID_INPUT', message, { retryable: false, status: 400, ...options });
    this.#key = layer.key;
    this.#encType = layer.encType;
  }

  /** The layer cipher the reply is encrypted with. */
  get encType(): LayerEncryption {
    return this.#encType;
  }

  /**
   * The HTTP 200 body Session nodes send for this refusal: base64 of the layer-encrypted
   * `{"status":400,"body":"<message>"}`, as UTF-8 bytes.
   */
  async encryptReply(crypto: MurmurCrypto): Promise<Uint8Array> {
    const plaintext = utf8Encode(JSON.stringify({ status: 400, body: this.message }));
    const ciphertext = await crypto.encryptLayerResponse(plaintext, this.#key, this.#encType);
    return utf8Encode(bytesToBase64(ciphertext));
  }
}
