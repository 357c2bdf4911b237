/** The crypto of the tests: both backends where sodium-native loads. */
import { type CryptoBackend, loadCrypto, type MurmurCrypto } from '@murmur/crypto';

export const BACKENDS: CryptoBackend[] = ['native', 'wasm'];

const loaded = new Map<CryptoBackend, Promise<MurmurCrypto>>();

/** The (cached) crypto of a backend. */
export function cryptoOf(backend: CryptoBackend = 'native'): Promise<MurmurCrypto> {
  let crypto = loaded.get(backend);
  if (crypto === undefined) {
    crypto = loadCrypto({ backend });
    loaded.set(backend, crypto);
  }
  return crypto;
}

/** Bytes of a hex string. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** 32 bytes of one value. */
export function filled(value: number, length = 32): Uint8Array {
  return new Uint8Array(length).fill(value);
}
