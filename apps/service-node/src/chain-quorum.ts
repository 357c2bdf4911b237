/**
 * The node's part in uptime and quorum decisions when it follows the staking contract on an
 * EVM chain (`--chain`): it answers other nodes' uptime challenges and deregistration requests
 * on `POST /quorum/v1/uptime` and `POST /quorum/v1/deregister`, tests every active node itself,
 * and, when two thirds of the nodes agree that one failed, signs and submits the deregistration
 * (`createUptimeQuorum` of `@murmur/registry/evm` holds the rules; this file gives it HTTP and
 * the node's view of the network). On the devnet ledger none of this runs: the ledger's rules
 * judge the uptime proofs in its blocks.
 *
 * The submitting wallet is the node's attestation key (derived from its Ed25519 seed): the
 * operator funds its address with gas (`murmur-node` logs it at start).
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { QuorumMember, UptimeQuorum, UptimeQuorumInit } from '@murmur/registry/evm';
import type { Logger } from '@murmur/wire';
import type { NodeFetch } from '@murmur/wire/node';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { NodeKeys } from './keys.js';
import type { NetworkView } from './network/network-view.js';

/** The paths of the two routes. */
export const QUORUM_UPTIME_PATH = '/quorum/v1/uptime';
export const QUORUM_DEREGISTER_PATH = '/quorum/v1/deregister';

/** Timings a test or a devnet may shorten (the rest of {@link UptimeQuorumInit} is derived). */
export type NodeQuorumTimings = Pick<
  UptimeQuorumInit,
  | 'probeIntervalMs'
  | 'failAfterMs'
  | 'minFailures'
  | 'proposeStaggerMs'
  | 'clockToleranceMs'
  | 'probeTimeoutMs'
>;

/** The devnet's timings: a node down for 20 s is removed (its contract's minimum age aside). */
export const DEVNET_QUORUM_TIMINGS: NodeQuorumTimings = {
  probeIntervalMs: 2_000,
  failAfterMs: 20_000,
  minFailures: 3,
  proposeStaggerMs: 2_000,
};

/** What {@link createNodeQuorum} needs. */
export interface NodeQuorumInit {
  rpcUrl: string;
  contract: `0x${string}`;
  /** `https` (default) or `http` for the node-to-node calls. */
  scheme: 'http' | 'https';
  timings?: NodeQuorumTimings | undefined;
}

/** Creates the node's quorum participant (viem is loaded here only). */
export async function createNodeQuorum(
  init: NodeQuorumInit,
  components: {
    keys: NodeKeys;
    crypto: MurmurCrypto;
    network: NetworkView;
    fetch: NodeFetch;
    logger: Logger;
  },
): Promise<{ quorum: UptimeQuorum; submitter: `0x${string}` }> {
  const { attestationAddress, attestationPrivateKey, contractQuorumChain, createUptimeQuorum } =
    await import('@murmur/registry/evm');
  const { keys, crypto, network, logger } = components;
  const seed = keys.ed25519.secretKey.slice(0, 32);
  const chain = contractQuorumChain({
    rpcUrl: init.rpcUrl,
    contract: init.contract,
    privateKey: attestationPrivateKey(seed, crypto),
  });
  const chainId = await chain.chainId();
  const post = async (member: QuorumMember, path: string, body: unknown, signal: AbortSignal) => {
    const response = await components.fetch(
      `${init.scheme}://${member.ip}:${member.storagePort}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      },
    );
    const answer = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) {
      const message = (answer as { message?: unknown } | undefined)?.message;
      throw new Error(`${path} answered ${response.status}: ${String(message ?? '')}`);
    }
    return answer;
  };
  const quorum = createUptimeQuorum(
    {
      identity: { chainId, contract: init.contract.toLowerCase() as `0x${string}` },
      keys: keys.ed25519,
      ...init.timings,
    },
    {
      crypto,
      members: () =>
        (network.snapshot()?.nodes ?? []).map((node) => ({
          ed25519: node.ed25519,
          ip: node.ip,
          storagePort: node.storagePort,
        })),
      challenge: (member, body, signal) => post(member, QUORUM_UPTIME_PATH, body, signal),
      requestSignature: (member, body, signal) =>
        post(member, QUORUM_DEREGISTER_PATH, body, signal),
      chain,
      logger,
    },
  );
  return { quorum, submitter: attestationAddress(seed, crypto) };
}

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  const murmur = error as { code?: unknown; status?: unknown; details?: { kind?: unknown } };
  if (typeof murmur.code === 'string' && typeof murmur.status === 'number') {
    return reply.code(murmur.status).send({
      code: murmur.code,
      kind: murmur.details?.kind,
      message: (error as Error).message,
    });
  }
  throw error;
}

/** The two routes, on the node's storage port. */
export async function quorumRoutes(
  app: FastifyInstance,
  options: { quorum: UptimeQuorum },
): Promise<void> {
  const { quorum } = options;
  app.post(QUORUM_UPTIME_PATH, async (request, reply) => {
    try {
      return reply.send(quorum.answerChallenge(request.body));
    } catch (error) {
      return fail(reply, error);
    }
  });
  app.post(QUORUM_DEREGISTER_PATH, async (request, reply) => {
    try {
      return reply.send(await quorum.signDecision(request.body));
    } catch (error) {
      return fail(reply, error);
    }
  });
}
