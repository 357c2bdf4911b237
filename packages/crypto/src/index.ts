/**
 * @packageDocumentation
 * Murmur cryptography: identities and Session IDs, recovery phrases, the Session Protocol, onion-layer AEAD, storage RPC signatures and message hashes, on native libsodium or WebAssembly.
 */
export {};
