/**
 * Writes `consensus.json`: a short chain (genesis, five blocks, every transaction type) with its
 * transaction IDs, block hashes, genesis hash and final state digest, as literal vectors.
 *
 *   pnpm --filter @murmur/registry exec tsx test/vectors/generate-consensus.ts
 *
 * Run it only for a deliberate change of the consensus encoding (a new domain version): every
 * follower that has not upgraded splits from the chain. The test that reads the file
 * (src/consensus-vectors.test.ts) never regenerates it.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBlock, encodeGenesis } from '../../src/codec.js';
import { stateDigest } from '../../src/queries.js';
import { COIN, TestChain, testCrypto } from '../../src/test-support/chain.js';
import { transactionId } from '../../src/transactions.js';

const crypto = await testCrypto({ backend: 'wasm' });
const chain = new TestChain(crypto, {
  chainId: 'murmur-vectors',
  allocations: { alice: 500n * COIN, bob: 200n * COIN },
});
const results: string[] = [];
const run = (txs: Parameters<TestChain['block']>[0]) => {
  for (const result of chain.block(txs)) results.push(result.accepted ? 'accepted' : result.reason);
};
run([chain.transfer('alice', 'bob', 5n * COIN), chain.faucet('carol', 10n * COIN)]);
run([chain.register('node-1', 'alice', 50n * COIN, { fee: 500, reserved: { bob: 25n * COIN } })]);
run([
  chain.contribute('node-1', 'bob', 25n * COIN),
  chain.contribute('node-1', 'carol', 5n * COIN),
]);
run([chain.contribute('node-1', 'alice', 20n * COIN)]);
run([chain.proof('node-1'), chain.unlock('node-1', 'carol')]);
run([chain.stateChange('node-1', 'decommission', 'vectors')]);
if (results.some((status) => status !== 'accepted')) {
  throw new Error(`every vector transaction must be accepted: ${results.join(', ')}`);
}
const [genesis, ...blocks] = chain.blocks;
if (genesis === undefined) throw new Error('no genesis');
const vectors = {
  description:
    'Murmur ledger consensus vectors: bytes every follower must reproduce. See docs/STAKING.md.',
  genesis: {
    config: encodeGenesis(chain.genesis),
    configHash: genesis.previousHash,
    blockHash: genesis.hash,
  },
  blocks: blocks.map((block) => ({
    block: encodeBlock(block),
    transactionIds: block.transactions.map((tx) => transactionId(tx, crypto)),
  })),
  stateDigest: stateDigest(chain.state, crypto),
};
const file = join(dirname(fileURLToPath(import.meta.url)), 'consensus.json');
writeFileSync(file, `${JSON.stringify(vectors, null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
