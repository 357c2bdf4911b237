/**
 * Uptime and quorum decisions on the EVM ledger, kept with the nodes as in Session: no uptime
 * proof goes on chain. Each node tests every other active node on its own schedule with an
 * **uptime challenge** (a fresh random challenge the tested node signs with its Ed25519 key, so
 * only the registered node at its registered address can answer), and remembers since when each
 * one has been failing. When a node has failed every test for `failAfterMs`, the nodes that saw
 * it fail sign a deregistration with their attestation keys ({@link signDeregistration}); one of
 * them gathers the signatures of at least two thirds of the active nodes and submits them in one
 * transaction ({@link submitDeregistration}); the contract checks them (`ecrecover`) and every
 * follower sees the `NodeDeregistered` event.
 *
 * On the devnet ledger the same judgement is made by the rules at every block from the uptime
 * proofs in the ledger (`uptimeProofValidityMs`); here every node judges for itself and a node
 * signs a decision only when its own tests agree, so a minority cannot remove anyone.
 *
 * Who submits: every node that judges the target failed waits `rank × proposeStaggerMs` (its
 * rank among the active nodes other than the target, by Ed25519 key) before gathering, and
 * first checks that the contract still lists the target: the first in rank submits, the next
 * ones take over only if it does not.
 *
 * The transport (HTTP between nodes), the member list (the registry follower's active nodes)
 * and the chain calls are injected; the messages have one TypeBox schema each, used by both
 * sides.
 */
import {
  bytesToHex,
  checkSchema,
  createChecker,
  hexToBytes,
  type Logger,
  MurmurError,
  silentLogger,
  utf8Encode,
} from '@murmur/wire';
import Type, { type Static } from 'typebox';
import { type Hex, recoverAddress } from 'viem';
import type { RegistryCrypto, SigningCrypto } from '../types.js';
import {
  type DeregistrationDecision,
  deregistrationDigest,
  type QuorumSignature,
  REASON_FAILED_UPTIME,
  signDeregistration,
} from './quorum.js';
import { type EvmChainIdentity, evmRegistryChainId } from './translate.js';

/** Domain prefix of the bytes an uptime answer signs. */
export const UPTIME_ANSWER_DOMAIN = 'murmur-uptime-answer-v1\n';

/** Body of `POST /quorum/v1/uptime`: a challenge to the tested node. */
export const UptimeChallengeSchema = Type.Object(
  { challenge: Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 random bytes, hex' }) },
  { additionalProperties: false },
);
export type UptimeChallenge = Static<typeof UptimeChallengeSchema>;

/** Answer of `POST /quorum/v1/uptime`: the node's Ed25519 signature over the challenge. */
export const UptimeAnswerSchema = Type.Object(
  {
    node: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    challenge: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    timestamp: Type.Integer({ minimum: 0 }),
    signature: Type.String({ pattern: '^[0-9a-f]{128}$' }),
  },
  { additionalProperties: false },
);
export type UptimeAnswer = Static<typeof UptimeAnswerSchema>;

/** Body of `POST /quorum/v1/deregister`: a decision the asked node signs if it agrees. */
export const DeregistrationRequestSchema = Type.Object(
  {
    nodeId: Type.String({ pattern: '^[0-9]{1,20}$', description: 'the contract id, decimal' }),
    ed25519: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    reason: Type.Integer({ minimum: 0, maximum: 255 }),
    timestamp: Type.Integer({ minimum: 0, description: 'Unix seconds' }),
  },
  { additionalProperties: false },
);
export type DeregistrationRequest = Static<typeof DeregistrationRequestSchema>;

/** Answer of `POST /quorum/v1/deregister`: the signer's contract id and its signature. */
export const QuorumSignatureSchema = Type.Object(
  {
    nodeId: Type.String({ pattern: '^[0-9]{1,20}$' }),
    signature: Type.String({ pattern: '^0x[0-9a-f]{130}$' }),
  },
  { additionalProperties: false },
);
export type QuorumSignatureJson = Static<typeof QuorumSignatureSchema>;

/** Compiled checkers of the four messages (for routes and clients). */
export const quorumCheckers = {
  challenge: createChecker(UptimeChallengeSchema),
  answer: createChecker(UptimeAnswerSchema),
  request: createChecker(DeregistrationRequestSchema),
  signature: createChecker(QuorumSignatureSchema),
} as const;

/** Why a node refuses to sign a decision ({@link QuorumRefusal.kind}). Stable strings. */
export type QuorumRefusalKind =
  /** The reason is not one this node judges (only failed uptime). */
  | 'bad-reason'
  /** The decision's timestamp is too far from this node's clock. */
  | 'stale-decision'
  /** The target is not an active node in this node's registry view. */
  | 'not-a-member'
  /** The contract id does not name that Ed25519 key (or the contract no longer lists it). */
  | 'wrong-node-id'
  /** This node's own tests do not show the target failing long enough. */
  | 'not-failed'
  /** This node has no contract id (not registered, or not active on chain). */
  | 'not-registered';

/** A refusal to sign; `code` QUORUM_REFUSED (409 over HTTP), `kind` the stable detail. */
export class QuorumRefusal extends MurmurError {
  readonly kind: QuorumRefusalKind;
  constructor(kind: QuorumRefusalKind, message: string) {
    super('QUORUM_REFUSED', message, {
      retryable: kind === 'not-failed',
      status: 409,
      details: { kind },
    });
    this.kind = kind;
  }
}

/** An active node as the quorum needs it. */
export interface QuorumMember {
  ed25519: string;
  ip: string | undefined;
  storagePort: number | undefined;
}

/** What one node knows of another's uptime. */
export interface UptimeRecord {
  /** When a test last succeeded (ms), undefined: never. */
  lastSuccessAt: number | undefined;
  /** Since when every test failed (ms); undefined while the last one succeeded. */
  failingSince: number | undefined;
  /** Tests failed in a row. */
  failures: number;
}

/** Options of {@link createUptimeQuorum}. */
export interface UptimeQuorumInit {
  /** The chain and contract (answers and decisions are bound to them). */
  identity: EvmChainIdentity;
  /** This node's Ed25519 key pair (libsodium form: the secret key starts with the seed). */
  keys: { publicKey: Uint8Array; secretKey: Uint8Array };
  /** Time between test rounds (default 10 s). */
  probeIntervalMs?: number | undefined;
  /** A node failing every test for this long is judged failed (default 10 min). */
  failAfterMs?: number | undefined;
  /** Least failed tests in a row before judging (default 3). */
  minFailures?: number | undefined;
  /** Wait per rank before gathering signatures (default the probe interval). */
  proposeStaggerMs?: number | undefined;
  /** Most distance between a decision's timestamp and this node's clock (default 3 min). */
  clockToleranceMs?: number | undefined;
  /** One test's deadline (default 5 s). */
  probeTimeoutMs?: number | undefined;
}

/** The chain calls the quorum makes. */
export interface QuorumChain {
  /** The contract id of an active node's Ed25519 key (undefined when not listed). */
  nodeIdOf(ed25519: string): Promise<bigint | undefined>;
  /** The attestation address the contract holds for a node id. */
  attestationOf(nodeId: bigint): Promise<`0x${string}`>;
  /** How many signers a decision needs now. */
  quorumSize(): Promise<number>;
  /** Submits the decision with the signatures (sorted by the callee). */
  submit(
    decision: DeregistrationDecision,
    signatures: readonly QuorumSignature[],
  ): Promise<unknown>;
}

/** Components of {@link createUptimeQuorum}. */
export interface UptimeQuorumComponents {
  crypto: SigningCrypto & { randomBytes(length: number): Uint8Array };
  /** The active nodes now (this node included or not). */
  members(): readonly QuorumMember[];
  /** Sends a challenge to a member and returns its answer (throws when it cannot). */
  challenge(member: QuorumMember, body: UptimeChallenge, signal: AbortSignal): Promise<unknown>;
  /** Asks a member to sign a decision; returns its answer (throws on a refusal). */
  requestSignature(
    member: QuorumMember,
    body: DeregistrationRequest,
    signal: AbortSignal,
  ): Promise<unknown>;
  chain: QuorumChain;
  clock?: { now(): number } | undefined;
  logger?: Logger | undefined;
}

/** What a gathering did. */
export interface GatherResult {
  target: string;
  submitted: boolean;
  signers: number;
  required: number;
  error?: string | undefined;
}

/** A running quorum participant. */
export interface UptimeQuorum {
  start(): void;
  stop(): Promise<void>;
  /** One round now: tests every member, then gathers for the ones judged failed and due. */
  round(): Promise<GatherResult[]>;
  /** Answers a challenge (the tested side). */
  answerChallenge(body: unknown): UptimeAnswer;
  /** Signs a decision if this node's own tests agree (throws {@link QuorumRefusal}). */
  signDecision(body: unknown): Promise<QuorumSignatureJson>;
  /** The uptime records by Ed25519 key. */
  records(): ReadonlyMap<string, UptimeRecord>;
  /** Whether this node judges `ed25519` failed now. */
  judgesFailed(ed25519: string): boolean;
}

/** The bytes an uptime answer signs. */
export function uptimeAnswerMessage(
  registryChainId: string,
  answer: Pick<UptimeAnswer, 'node' | 'challenge' | 'timestamp'>,
): Uint8Array {
  return utf8Encode(
    `${UPTIME_ANSWER_DOMAIN}${registryChainId}\n${answer.node}\n${answer.challenge}\n${answer.timestamp}`,
  );
}

/** Whether `answer` is `node`'s valid answer to `challenge` on this chain. */
export function verifyUptimeAnswer(
  answer: unknown,
  expected: { registryChainId: string; node: string; challenge: string },
  crypto: Pick<RegistryCrypto, 'verify'>,
): boolean {
  if (!quorumCheckers.answer.check(answer)) return false;
  const checked = answer as UptimeAnswer;
  if (checked.node !== expected.node || checked.challenge !== expected.challenge) return false;
  try {
    return crypto.verify(
      hexToBytes(checked.signature, { length: 64 }),
      uptimeAnswerMessage(expected.registryChainId, checked),
      hexToBytes(expected.node, { length: 32 }),
    );
  } catch {
    return false;
  }
}

/** Creates a quorum participant. `start()` runs rounds every `probeIntervalMs`. */
export function createUptimeQuorum(
  init: UptimeQuorumInit,
  components: UptimeQuorumComponents,
): UptimeQuorum {
  const { crypto, chain } = components;
  const clock = components.clock ?? { now: () => Date.now() };
  const logger = (components.logger ?? silentLogger()).child({ component: 'uptime-quorum' });
  const probeInterval = init.probeIntervalMs ?? 10_000;
  const failAfter = init.failAfterMs ?? 600_000;
  const minFailures = init.minFailures ?? 3;
  const stagger = init.proposeStaggerMs ?? probeInterval;
  const tolerance = init.clockToleranceMs ?? 180_000;
  const probeTimeout = init.probeTimeoutMs ?? 5_000;
  const registryChainId = evmRegistryChainId(init.identity);
  const self = bytesToHex(init.keys.publicKey);
  const seed = init.keys.secretKey.slice(0, 32);
  const records = new Map<string, UptimeRecord>();
  /** When each target was last gathered for (ms), to space out retries. */
  const lastGather = new Map<string, number>();
  let selfId: bigint | undefined;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lifecycle = new AbortController();
  let inFlight: Promise<GatherResult[]> | undefined;

  function withTimeout(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(probeTimeout)]);
  }

  async function test(member: QuorumMember, signal: AbortSignal): Promise<boolean> {
    if (member.ip === undefined || member.storagePort === undefined) return false;
    const challenge = bytesToHex(crypto.randomBytes(32));
    try {
      const answer = await components.challenge(member, { challenge }, withTimeout(signal));
      return verifyUptimeAnswer(
        answer,
        { registryChainId, node: member.ed25519, challenge },
        crypto,
      );
    } catch {
      return false;
    }
  }

  function judgesFailed(ed25519: string): boolean {
    const record = records.get(ed25519);
    if (record === undefined || record.failingSince === undefined) return false;
    return record.failures >= minFailures && clock.now() - record.failingSince >= failAfter;
  }

  async function ownId(): Promise<bigint | undefined> {
    selfId ??= await chain.nodeIdOf(self);
    return selfId;
  }

  async function gather(target: string, others: readonly QuorumMember[]): Promise<GatherResult> {
    const result: GatherResult = { target, submitted: false, signers: 0, required: 0 };
    const signal = lifecycle.signal;
    try {
      const nodeId = await chain.nodeIdOf(target);
      if (nodeId === undefined) {
        result.error = 'the contract no longer lists the node';
        return result;
      }
      const me = await ownId();
      if (me === undefined) {
        result.error = 'this node has no contract id';
        return result;
      }
      const request: DeregistrationRequest = {
        nodeId: nodeId.toString(),
        ed25519: target,
        reason: REASON_FAILED_UPTIME,
        timestamp: Math.floor(clock.now() / 1_000),
      };
      const decision = decisionOf(request);
      const digest = deregistrationDigest(decision);
      const own = await signDeregistration(decision, { nodeId: me, seed }, crypto);
      const answers = await Promise.allSettled(
        others.map((member) => components.requestSignature(member, request, withTimeout(signal))),
      );
      const signatures: QuorumSignature[] = [own];
      const seen = new Set<bigint>([me]);
      for (const answer of answers) {
        if (answer.status !== 'fulfilled') continue;
        if (!quorumCheckers.signature.check(answer.value)) continue;
        const value = answer.value as QuorumSignatureJson;
        const signer = BigInt(value.nodeId);
        if (seen.has(signer) || signer === nodeId) continue;
        // A signature the contract would refuse fails the whole transaction: check each one.
        const recovered = await recoverAddress({ hash: digest, signature: value.signature as Hex });
        if (recovered.toLowerCase() !== (await chain.attestationOf(signer)).toLowerCase()) continue;
        seen.add(signer);
        signatures.push({ nodeId: signer, signature: value.signature as Hex });
      }
      result.signers = signatures.length;
      result.required = await chain.quorumSize();
      if (signatures.length < result.required) {
        result.error = `${signatures.length} of the ${result.required} signatures needed`;
        logger.info(
          { target, signers: signatures.length, required: result.required },
          'not enough nodes agree that the node failed: no deregistration yet',
        );
        return result;
      }
      await chain.submit(decision, signatures);
      result.submitted = true;
      logger.warn(
        { target, nodeId: nodeId.toString(), signers: signatures.length },
        'deregistration for failed uptime submitted with the quorum signatures',
      );
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      logger.warn({ err: error, target }, 'the deregistration could not be gathered or submitted');
    }
    return result;
  }

  function decisionOf(request: DeregistrationRequest): DeregistrationDecision {
    return {
      chainId: init.identity.chainId,
      contract: init.identity.contract,
      nodeId: BigInt(request.nodeId),
      ed25519: request.ed25519,
      reason: request.reason,
      timestamp: BigInt(request.timestamp),
    };
  }

  async function runRound(): Promise<GatherResult[]> {
    const signal = lifecycle.signal;
    const members = components.members().filter((member) => member.ed25519 !== self);
    const current = new Set(members.map((member) => member.ed25519));
    for (const key of [...records.keys()]) {
      if (!current.has(key)) {
        records.delete(key);
        lastGather.delete(key);
      }
    }
    const outcomes = await Promise.all(members.map((member) => test(member, signal)));
    const now = clock.now();
    members.forEach((member, index) => {
      const ok = outcomes[index] as boolean;
      const record = records.get(member.ed25519) ?? {
        lastSuccessAt: undefined,
        failingSince: undefined,
        failures: 0,
      };
      if (ok) {
        if (record.failingSince !== undefined) {
          logger.info({ node: member.ed25519 }, 'a node answers its uptime tests again');
        }
        records.set(member.ed25519, { lastSuccessAt: now, failingSince: undefined, failures: 0 });
      } else {
        if (record.failingSince === undefined) {
          logger.info({ node: member.ed25519 }, 'a node failed its uptime test');
        }
        records.set(member.ed25519, {
          lastSuccessAt: record.lastSuccessAt,
          failingSince: record.failingSince ?? now,
          failures: record.failures + 1,
        });
      }
    });
    const results: GatherResult[] = [];
    for (const member of members) {
      const target = member.ed25519;
      if (!judgesFailed(target)) continue;
      const record = records.get(target) as UptimeRecord;
      const rankers = members
        .filter((other) => other.ed25519 !== target)
        .map((other) => other.ed25519)
        .concat(self)
        .sort();
      const rank = rankers.indexOf(self);
      const dueAt = (record.failingSince as number) + failAfter + rank * stagger;
      const retryAt = (lastGather.get(target) ?? -Infinity) + stagger * Math.max(rankers.length, 1);
      if (now < dueAt || now < retryAt) continue;
      lastGather.set(target, now);
      const others = members.filter((other) => other.ed25519 !== target);
      results.push(await gather(target, others));
    }
    return results;
  }

  function round(): Promise<GatherResult[]> {
    if (inFlight !== undefined) return inFlight;
    inFlight = runRound().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      round()
        .catch((error: unknown) => logger.warn({ err: error }, 'an uptime round failed'))
        .finally(schedule);
    }, probeInterval);
    timer.unref?.();
  }

  return {
    start() {
      if (running) return;
      running = true;
      lifecycle = new AbortController();
      schedule();
    },
    async stop() {
      running = false;
      lifecycle.abort();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight?.catch(() => undefined);
    },
    round,
    answerChallenge(body) {
      const { challenge } = checkSchema(quorumCheckers.challenge, body, 'uptime challenge');
      const unsigned = {
        node: self,
        challenge,
        timestamp: clock.now(),
      };
      const signature = crypto.sign(
        uptimeAnswerMessage(registryChainId, unsigned),
        init.keys.secretKey,
      );
      return { ...unsigned, signature: bytesToHex(signature) };
    },
    async signDecision(body) {
      const request = checkSchema(quorumCheckers.request, body, 'deregistration request');
      if (request.reason !== REASON_FAILED_UPTIME) {
        throw new QuorumRefusal('bad-reason', `reason ${request.reason} is not judged by nodes`);
      }
      if (Math.abs(request.timestamp * 1_000 - clock.now()) > tolerance) {
        throw new QuorumRefusal(
          'stale-decision',
          `the decision's timestamp ${request.timestamp} is more than ${tolerance} ms from this node's clock`,
        );
      }
      if (!components.members().some((member) => member.ed25519 === request.ed25519)) {
        throw new QuorumRefusal('not-a-member', `${request.ed25519} is not an active node here`);
      }
      if (!judgesFailed(request.ed25519)) {
        throw new QuorumRefusal(
          'not-failed',
          `this node's tests do not show ${request.ed25519} failing for ${failAfter} ms`,
        );
      }
      const listed = await chain.nodeIdOf(request.ed25519);
      if (listed === undefined || listed.toString() !== request.nodeId) {
        throw new QuorumRefusal(
          'wrong-node-id',
          `the contract lists ${request.ed25519} as ${listed ?? 'nothing'}, not ${request.nodeId}`,
        );
      }
      const me = await ownId();
      if (me === undefined) {
        throw new QuorumRefusal('not-registered', 'this node has no id on the contract');
      }
      const signed = await signDeregistration(decisionOf(request), { nodeId: me, seed }, crypto);
      return { nodeId: me.toString(), signature: signed.signature.toLowerCase() };
    },
    records: () => records,
    judgesFailed,
  };
}
