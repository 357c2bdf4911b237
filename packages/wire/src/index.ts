/**
 * @packageDocumentation
 * Murmur wire formats: constants and limits, namespaces, TypeBox schemas of every storage RPC, the onion payload and bencode codecs, and the error model.
 */
export {};
