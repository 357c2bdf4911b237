/**
 * A client's ledger directory over the EVM ledger: given an `EvmLedgerSource` instead of a
 * devnet ledger, it learns the nodes, their addresses and swarms the same way (nothing else in
 * the client changes). Real anvil and contracts.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevChain, startDevChain } from '@murmur/contracts/dev-chain';
import type { MurmurCrypto } from '@murmur/crypto';
import { loadCrypto } from '@murmur/crypto';
import {
  createEvmLedgerSource,
  createEvmWalletFile,
  registerNodeOnChain,
} from '@murmur/registry/evm';
import { bytesToHex, silentLogger, systemClock } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLedgerDirectory } from './directory.js';

const COIN = 1_000_000_000n;
let crypto: MurmurCrypto;
let chain: DevChain;
let dir: string;

beforeAll(async () => {
  crypto = await loadCrypto();
  chain = await startDevChain();
  dir = mkdtempSync(join(tmpdir(), 'murmur-client-evm-'));
});
afterAll(async () => {
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ledger directory on the EVM ledger', () => {
  it('lists the nodes registered through the contract, with their addresses and swarm', async () => {
    const operator = createEvmWalletFile(join(dir, 'operator.json'));
    await chain.fund(operator.address, 1_000n * COIN);
    const target = { rpcUrl: chain.url, contract: chain.staking, privateKey: operator.privateKey };
    const keys = [1, 2, 3].map((n) => crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(n)));
    for (const [index, node] of keys.entries()) {
      await registerNodeOnChain(
        target,
        {
          node,
          operatorStake: 100n * COIN,
          feeBasisPoints: 0,
          ip: `10.0.0.${index + 1}`,
          storagePort: 22_000 + index,
          relayPort: 23_000 + index,
        },
        crypto,
      );
    }
    const ledger = createEvmLedgerSource(
      {
        rpcUrl: chain.url,
        contract: chain.staking,
        deploymentBlock: chain.deploymentBlock,
        confirmations: 0,
        pollIntervalMs: 50,
        requirePublicIp: false,
      },
      { crypto },
    );
    const directory = createLedgerDirectory(
      { ledger, pollIntervalMs: 50 },
      { crypto, logger: silentLogger(), clock: systemClock },
    );
    await directory.start();
    try {
      await vi.waitFor(() => expect(directory.nodes()).toHaveLength(3), {
        timeout: 30_000,
        interval: 50,
      });
      const byKey = new Map(directory.nodes().map((node) => [node.ed25519, node]));
      for (const [index, node] of keys.entries()) {
        expect(byKey.get(bytesToHex(node.publicKey))).toMatchObject({
          ip: `10.0.0.${index + 1}`,
          port: 22_000 + index,
        });
      }
      const swarm = directory.swarmFor(`05${'ab'.repeat(32)}`);
      expect(swarm?.members.map((member) => member.ed25519).sort()).toEqual(
        keys.map((node) => bytesToHex(node.publicKey)).sort(),
      );
    } finally {
      await directory.stop();
    }
  });
});
