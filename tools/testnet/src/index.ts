/**
 * @packageDocumentation
 * A local Murmur network of real processes for end-to-end tests and the devnet launcher.
 */
export {};
