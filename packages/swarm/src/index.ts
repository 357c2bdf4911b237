/**
 * @packageDocumentation
 * Murmur swarms: the pubkey to swarm mapping and swarm formation as service nodes come and go.
 */
export {};
