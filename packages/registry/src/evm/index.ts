/**
 * `@murmur/registry/evm`: the staking registry on an EVM chain. {@link createEvmLedgerSource}
 * follows Murmur's staking contract (`@murmur/contracts`) and derives registry blocks for the
 * same follower, state machine and swarm formation as the devnet ledger; the attestation-key
 * helpers bind a node's secp256k1 quorum key to its Ed25519 identity. This subpath brings in
 * viem; the main entry of `@murmur/registry` stays free of it.
 */
export { attestationPrivateKey } from './attestation.js';
export {
  createEvmLedgerSource,
  type EvmCheckpointStore,
  EvmLedgerError,
  type EvmLedgerErrorKind,
  type EvmLedgerSource,
  type EvmLedgerSourceComponents,
  type EvmLedgerSourceEvents,
  type EvmLedgerSourceInit,
} from './evm-ledger-source.js';
export { fileCheckpointStore } from './file-checkpoint.js';
export { type EvmLedgerView, evmLedgerView } from './ledger-view.js';
export {
  type ChainReceipt,
  type ChainTarget,
  contributeOnChain,
  createEvmWalletFile,
  type EvmWalletFile,
  exitOnChain,
  loadEvmWalletFile,
  type RegisterOnChainInit,
  registerNodeOnChain,
  requestExitOnChain,
} from './operator.js';
export {
  attestationAddress,
  contractQuorumChain,
  type DeregistrationDecision,
  deregistrationDigest,
  type QuorumSignature,
  signDeregistration,
  submitDeregistration,
} from './quorum.js';
export {
  type EvmChainIdentity,
  evmRegistryChainId,
  evmRegistryParams,
} from './translate.js';
export {
  createUptimeQuorum,
  type DeregistrationRequest,
  DeregistrationRequestSchema,
  type GatherResult,
  type QuorumChain,
  type QuorumMember,
  QuorumRefusal,
  type QuorumRefusalKind,
  type QuorumSignatureJson,
  QuorumSignatureSchema,
  type UptimeAnswer,
  UptimeAnswerSchema,
  type UptimeChallenge,
  UptimeChallengeSchema,
  type UptimeQuorum,
  type UptimeQuorumComponents,
  type UptimeQuorumInit,
  type UptimeRecord,
} from './uptime-quorum.js';
