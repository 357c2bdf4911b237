/**
 * @packageDocumentation
 * murmur-devnet: the devnet ledger, wallet and launcher for a whole local Murmur network.
 */
export {};
