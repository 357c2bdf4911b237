/**
 * Consensus bytes pinned as literal vectors (test/vectors/consensus.json, documented in
 * docs/STAKING.md). Every other registry test computes its expectations with the same code it
 * tests; this one compares against bytes written down once, so a change of the canonical
 * encoding, a domain string, the hash or the state snapshot fails here instead of splitting
 * followers in production.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyBlock } from './apply.js';
import { blockHash, createGenesis, genesisConfigHash } from './block.js';
import { decodeBlock, decodeGenesis, encodeBlock } from './codec.js';
import { stateDigest } from './queries.js';
import { transactionId } from './transactions.js';
import type { RegistryState } from './types.js';

interface Vectors {
  genesis: { config: unknown; configHash: string; blockHash: string };
  blocks: { block: { hash: string; [field: string]: unknown }; transactionIds: string[] }[];
  stateDigest: string;
}

const file = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'vectors',
  'consensus.json',
);
const vectors = JSON.parse(readFileSync(file, 'utf8')) as Vectors;

describe.each(['native', 'wasm'] as const)('consensus vectors (%s backend)', (backend) => {
  let crypto: MurmurCrypto;
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
  });

  it('the literal chain is long enough to mean something', () => {
    expect(vectors.blocks.length).toBeGreaterThanOrEqual(5);
    expect(vectors.blocks.flatMap((entry) => entry.transactionIds).length).toBeGreaterThanOrEqual(
      8,
    );
  });

  it('genesis: the configuration hash and the genesis block hash', () => {
    const config = decodeGenesis(vectors.genesis.config);
    expect(genesisConfigHash(config, crypto)).toBe(vectors.genesis.configHash);
    const { block } = createGenesis(config, crypto);
    expect(block.previousHash).toBe(vectors.genesis.configHash);
    expect(block.hash).toBe(vectors.genesis.blockHash);
  });

  it('every transaction ID, every block hash, and the JSON round trip byte for byte', () => {
    for (const entry of vectors.blocks) {
      const block = decodeBlock(entry.block);
      expect(block.transactions.map((tx) => transactionId(tx, crypto))).toEqual(
        entry.transactionIds,
      );
      const header = {
        height: block.height,
        previousHash: block.previousHash,
        timestamp: block.timestamp,
        transactionIds: entry.transactionIds,
      };
      expect(blockHash(header, crypto)).toBe(entry.block.hash);
      expect(JSON.stringify(encodeBlock(block))).toBe(JSON.stringify(entry.block));
    }
  });

  it('applying the blocks accepts every (signed) transaction and ends at the pinned state digest', () => {
    let state: RegistryState = createGenesis(decodeGenesis(vectors.genesis.config), crypto).state;
    const refused: string[] = [];
    for (const entry of vectors.blocks) {
      const applied = applyBlock(state, decodeBlock(entry.block), crypto);
      for (const result of applied.results) {
        if (!result.accepted) refused.push(`${result.id}: ${result.reason}`);
      }
      state = applied.state;
    }
    expect(refused).toEqual([]);
    expect(stateDigest(state, crypto)).toBe(vectors.stateDigest);
  });
});
