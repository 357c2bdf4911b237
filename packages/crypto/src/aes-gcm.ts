/**
 * AES-GCM from the platform: node:crypto on Node, WebCrypto (`globalThis.crypto.subtle`)
 * elsewhere. libsodium's AES-GCM needs AES-NI and is absent from the WebAssembly build, so
 * neither backend provides it. Both sources give the same bytes: `ciphertext ‖ tag(16)`.
 */

/** Where AES-GCM comes from. */
export type AesGcmSource = 'node' | 'webcrypto';

/** AES-GCM with a 16-byte tag appended to the ciphertext. */
export interface AesGcm {
  readonly source: AesGcmSource;
  /**
   * `ciphertext ‖ tag`, after `headroom` zero bytes left for the caller's header (so that the
   * message is assembled without another copy). Key: 16, 24 or 32 bytes.
   */
  encrypt(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    additionalData?: Uint8Array,
    headroom?: number,
  ): Promise<Uint8Array>;
  /** The plaintext, or `undefined` if the tag does not verify (or the input cannot be used). */
  decrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertextAndTag: Uint8Array,
    additionalData?: Uint8Array,
  ): Promise<Uint8Array | undefined>;
}

const TAG_BYTES = 16;

type NodeCrypto = typeof import('node:crypto');

/** The part of WebCrypto's SubtleCrypto used here (declared locally: no DOM typings needed). */
interface AesGcmParameters {
  name: 'AES-GCM';
  iv: Uint8Array;
  tagLength: number;
  additionalData?: Uint8Array;
}
interface SubtleLike {
  importKey(
    format: 'raw',
    keyData: Uint8Array,
    algorithm: { name: 'AES-GCM' },
    extractable: boolean,
    usages: ('encrypt' | 'decrypt')[],
  ): Promise<unknown>;
  encrypt(algorithm: AesGcmParameters, key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(algorithm: AesGcmParameters, key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

/**
 * Loads AES-GCM. Without a preference: node:crypto when it can be imported, else WebCrypto.
 * Rejects (with a plain Error the caller wraps) when the requested source is unavailable.
 */
export async function loadAesGcm(preference?: AesGcmSource): Promise<AesGcm> {
  if (preference !== 'webcrypto') {
    let nodeCrypto: NodeCrypto | undefined;
    try {
      nodeCrypto = await import('node:crypto');
    } catch (cause) {
      if (preference === 'node') throw new Error('node:crypto is not available', { cause });
    }
    if (nodeCrypto?.createCipheriv !== undefined) return nodeAesGcm(nodeCrypto);
    if (preference === 'node') throw new Error('node:crypto has no createCipheriv');
  }
  const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (subtle === undefined) throw new Error('WebCrypto (crypto.subtle) is not available');
  return webCryptoAesGcm(subtle);
}

function nodeAesGcm(nodeCrypto: NodeCrypto): AesGcm {
  const algorithm = (key: Uint8Array) => `aes-${key.length * 8}-gcm` as 'aes-256-gcm';
  return {
    source: 'node',

    async encrypt(key, iv, plaintext, additionalData, headroom = 0) {
      const cipher = nodeCrypto.createCipheriv(algorithm(key), key, iv, {
        authTagLength: TAG_BYTES,
      });
      if (additionalData !== undefined) cipher.setAAD(additionalData);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      const tag = cipher.getAuthTag();
      const out = new Uint8Array(headroom + head.length + tail.length + TAG_BYTES);
      out.set(head, headroom);
      out.set(tail, headroom + head.length);
      out.set(tag, headroom + head.length + tail.length);
      return out;
    },

    async decrypt(key, iv, ciphertextAndTag, additionalData) {
      if (ciphertextAndTag.length < TAG_BYTES) return undefined;
      const split = ciphertextAndTag.length - TAG_BYTES;
      try {
        const decipher = nodeCrypto.createDecipheriv(algorithm(key), key, iv, {
          authTagLength: TAG_BYTES,
        });
        decipher.setAuthTag(ciphertextAndTag.subarray(split));
        if (additionalData !== undefined) decipher.setAAD(additionalData);
        const head = decipher.update(ciphertextAndTag.subarray(0, split));
        const tail = decipher.final();
        const out = new Uint8Array(head.length + tail.length);
        out.set(head, 0);
        out.set(tail, head.length);
        head.fill(0);
        return out;
      } catch {
        return undefined;
      }
    },
  };
}

function webCryptoAesGcm(subtle: SubtleLike): AesGcm {
  // WebCrypto wants ArrayBuffer-backed views; copies also keep callers' buffers untouched.
  const view = (bytes: Uint8Array) => new Uint8Array(bytes);
  const params = (iv: Uint8Array, additionalData: Uint8Array | undefined): AesGcmParameters => ({
    name: 'AES-GCM',
    iv: view(iv),
    tagLength: TAG_BYTES * 8,
    ...(additionalData === undefined ? {} : { additionalData: view(additionalData) }),
  });
  const importKey = (key: Uint8Array, usage: 'encrypt' | 'decrypt') =>
    subtle.importKey('raw', view(key), { name: 'AES-GCM' }, false, [usage]);

  return {
    source: 'webcrypto',

    async encrypt(key, iv, plaintext, additionalData, headroom = 0) {
      const cryptoKey = await importKey(key, 'encrypt');
      const sealed = await subtle.encrypt(params(iv, additionalData), cryptoKey, view(plaintext));
      if (headroom === 0) return new Uint8Array(sealed);
      const out = new Uint8Array(headroom + sealed.byteLength);
      out.set(new Uint8Array(sealed), headroom);
      return out;
    },

    async decrypt(key, iv, ciphertextAndTag, additionalData) {
      if (ciphertextAndTag.length < TAG_BYTES) return undefined;
      try {
        const cryptoKey = await importKey(key, 'decrypt');
        const out = await subtle.decrypt(
          params(iv, additionalData),
          cryptoKey,
          view(ciphertextAndTag),
        );
        return new Uint8Array(out);
      } catch {
        return undefined;
      }
    },
  };
}
