/**
 * Where the demo's clients learn the network from. On the devnet ledger they bootstrap from its
 * Session-style seed endpoint and open push circuits through the relays beside the nodes; on an
 * EVM devnet (`up --ledger evm`) there is neither a seed endpoint nor relays, so they follow the
 * staking contract on the chain themselves (`createEvmLedgerSource`, as a node does) and receive
 * by polling.
 */
import type { ClientInit } from '@murmur/client';
import type { MurmurCrypto } from '@murmur/crypto';
import { createEvmLedgerSource } from '@murmur/registry/evm';
import { InvalidInputError } from '@murmur/wire';
import type { DevnetFile } from './devnet-file.js';

/** How the demo's clients find the nodes and swarms. */
export type DemoBootstrap =
  | {
      /** The devnet ledger: its seed endpoint, and the relays for push circuits. */
      kind: 'seed';
      seedUrl: string;
    }
  | {
      /** An EVM devnet: the chain and the staking contract the clients follow; no relays. */
      kind: 'evm';
      rpcUrl: string;
      contract: `0x${string}`;
      deploymentBlock: bigint;
    };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The bootstrap of a devnet, from its `devnet.json`: the contract when it has an `evm` section. */
export function demoBootstrapOf(file: Pick<DevnetFile, 'seed' | 'evm'>): DemoBootstrap {
  const { evm } = file;
  if (evm === undefined) return { kind: 'seed', seedUrl: file.seed.url };
  if (!ADDRESS.test(evm.contract)) {
    throw new InvalidInputError(
      `devnet.json's evm.contract is not an EVM address: ${JSON.stringify(evm.contract)}`,
      { details: { field: 'evm.contract' } },
    );
  }
  if (!/^\d+$/.test(evm.deploymentBlock)) {
    throw new InvalidInputError(
      `devnet.json's evm.deploymentBlock is not a block number: ${JSON.stringify(evm.deploymentBlock)}`,
      { details: { field: 'evm.deploymentBlock' } },
    );
  }
  return {
    kind: 'evm',
    rpcUrl: evm.rpcUrl,
    contract: evm.contract as `0x${string}`,
    deploymentBlock: BigInt(evm.deploymentBlock),
  };
}

/**
 * The part of the clients' options that depends on the bootstrap: seeds and push circuits over
 * the devnet's plain-ws relays; or a follower of the contract (head blocks, loopback addresses
 * allowed) and no push, since an EVM devnet runs no relays.
 */
export function demoNetworkInit(
  bootstrap: DemoBootstrap,
  components: { crypto: MurmurCrypto },
): Pick<ClientInit, 'seeds' | 'ledger' | 'push'> {
  if (bootstrap.kind === 'seed') {
    return { seeds: [bootstrap.seedUrl], push: { relayScheme: 'ws' } };
  }
  return {
    ledger: createEvmLedgerSource(
      {
        rpcUrl: bootstrap.rpcUrl,
        contract: bootstrap.contract,
        deploymentBlock: bootstrap.deploymentBlock,
        confirmations: 0,
        requirePublicIp: false,
      },
      { crypto: components.crypto },
    ),
    push: false,
  };
}

/** How the demo describes where its clients learnt the network from. */
export function describeBootstrap(bootstrap: DemoBootstrap): string {
  return bootstrap.kind === 'seed'
    ? `bootstrapped from the seed endpoint ${bootstrap.seedUrl}`
    : `following the staking contract ${bootstrap.contract} on ${bootstrap.rpcUrl} (no relays on an EVM devnet: messages come by polls)`;
}
