/**
 * @packageDocumentation
 * The Murmur client SDK: account, contacts, send and receive through onion paths, network time, a durable outbox.
 */
export {};
