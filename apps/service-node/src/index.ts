/**
 * @packageDocumentation
 * murmur-node: the Murmur service node (storage RPC, swarm replication, onion hops, uptime proofs).
 */
export {};
