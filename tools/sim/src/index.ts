/**
 * @packageDocumentation
 * The Murmur network simulator: the real registry and swarm code on a synthetic network of thousands of nodes.
 */
export {};
