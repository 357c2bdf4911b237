/** The operator's EVM wallet files and staking transactions, on a real anvil. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { murmurStakeTokenAbi } from '@murmur/contracts';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNode } from '../queries.js';
import { testCrypto } from '../test-support/chain.js';
import { COIN, EvmTestChain } from '../test-support/evm.js';
import { createEvmLedgerSource } from './evm-ledger-source.js';
import {
  contributeOnChain,
  createEvmWalletFile,
  exitOnChain,
  loadEvmWalletFile,
  registerNodeOnChain,
  requestExitOnChain,
} from './operator.js';
import { evmWalletAddress } from './translate.js';

let crypto: MurmurCrypto;
let chain: EvmTestChain;
let dir: string;
beforeAll(async () => {
  crypto = await testCrypto();
  chain = await EvmTestChain.start(crypto);
  dir = mkdtempSync(join(tmpdir(), 'murmur-evm-wallet-'));
});
afterAll(async () => {
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('EVM wallet files', () => {
  it('are created 0600, read back, and refused when others can read them or the address lies', () => {
    const path = join(dir, 'operator.json');
    const created = createEvmWalletFile(path);
    expect(loadEvmWalletFile(path)).toEqual(created);
    expect(() => createEvmWalletFile(path)).toThrow(/refusing to overwrite/);
    chmodSync(path, 0o644);
    expect(() => loadEvmWalletFile(path)).toThrow(/chmod 600/);
    const bare = join(dir, 'bare.key');
    writeFileSync(bare, `${created.privateKey.slice(2)}\n`, { mode: 0o600 });
    expect(loadEvmWalletFile(bare).address).toBe(created.address);
    const lying = join(dir, 'lying.json');
    writeFileSync(
      lying,
      JSON.stringify({ ...created, address: '0x0000000000000000000000000000000000000001' }),
      { mode: 0o600 },
    );
    expect(() => loadEvmWalletFile(lying)).toThrow(/is not the key's/);
  });
});

describe('staking through the contract', () => {
  it('registers (approving the stake), pools, exits; a follower sees each step; a refusal names the contract error', async () => {
    const operator = createEvmWalletFile(join(dir, 'op.json'));
    const friend = createEvmWalletFile(join(dir, 'friend.json'));
    for (const wallet of [operator, friend]) {
      await chain.test.setBalance({ address: wallet.address, value: 10n ** 20n });
      await chain.wait(
        chain.deployer.writeContract({
          address: chain.token,
          abi: murmurStakeTokenAbi,
          functionName: 'mint',
          args: [wallet.address, 100n * COIN],
        }),
      );
    }
    const target = {
      rpcUrl: chain.anvil.url,
      contract: chain.staking,
      privateKey: operator.privateKey,
    };
    const node = chain.nodeKey('operator-node').pair;
    const base = {
      node,
      feeBasisPoints: 300,
      ip: '127.0.0.1',
      storagePort: 23_000,
      relayPort: 23_001,
    };
    await expect(
      registerNodeOnChain(target, { ...base, operatorStake: 20n * COIN }, crypto),
    ).rejects.toMatchObject({
      kind: 'transaction-refused',
      details: { error: 'InsufficientOperatorContribution' },
    });
    const registered = await registerNodeOnChain(
      target,
      { ...base, operatorStake: 40n * COIN },
      crypto,
    );
    expect(registered).toMatchObject({ active: false });
    expect(registered.approvalGasUsed).toBeGreaterThan(0n);
    const source = createEvmLedgerSource(
      {
        rpcUrl: chain.anvil.url,
        contract: chain.staking,
        deploymentBlock: chain.deploymentBlock,
        confirmations: 0,
        requirePublicIp: false,
      },
      { crypto },
    );
    await source.sync();
    const key = bytesToHex(node.publicKey);
    expect(source.state && getNode(source.state, key)).toMatchObject({
      status: 'awaiting-contributions',
      operator: evmWalletAddress(operator.address),
      ip: '127.0.0.1',
      storagePort: 23_000,
      relayPort: 23_001,
    });
    await contributeOnChain(
      { ...target, privateKey: friend.privateKey },
      registered.nodeId,
      60n * COIN,
    );
    await source.sync();
    expect(source.state && getNode(source.state, key)?.status).toBe('active');
    await requestExitOnChain(target, registered.nodeId);
    await expect(exitOnChain(target, registered.nodeId)).rejects.toMatchObject({
      details: { error: 'ExitTooEarly' },
    });
    await chain.advance(600);
    const exited = await exitOnChain(target, registered.nodeId);
    expect(exited.gasUsed).toBeGreaterThan(0n);
    await source.sync();
    expect(source.state && getNode(source.state, key)).toBeUndefined();
    await source.stop();
  });
});
