/**
 * `get_swarm` (alias `get_snodes_for_pubkey`): the members of the swarm an account belongs to.
 * A 421 "wrong swarm" answer has the same body.
 */
import Type, { type Static } from 'typebox';
import { bytesToBase32z, hexToBytes } from '../encoding.js';
import type { SwarmMember } from '../errors.js';
import {
  Ed25519PubkeySchema,
  Ipv4Schema,
  NetworkFields,
  OptionalNullable,
  PortSchema,
  PortStringSchema,
  PubkeySchema,
  SwarmIdHexSchema,
  X25519PubkeySchema,
} from './common.js';

/** What a `get_swarm` request carries: the account, as `pubkey` or its old alias `pubKey`. */
export const GetSwarmParamsSchema = Type.Object(
  {
    pubkey: OptionalNullable(PubkeySchema),
    pubKey: OptionalNullable(PubkeySchema),
  },
  { description: 'an object of get_swarm parameters' },
);

/** `get_swarm` parameters as they may arrive. */
export type GetSwarmParamsInput = Static<typeof GetSwarmParamsSchema>;

/** `get_swarm` parameters after validation and normalisation. */
export interface GetSwarmParams {
  /** The account, lower-case hex. */
  pubkey: string;
}

/**
 * One swarm member as nodes list it, in Session's shape (SS `rpc/request_handler.cpp`
 * `swarm_to_json`): `address` (`<z-base-32 of the Ed25519 key>.snode`, deprecated in Session),
 * `pubkey_legacy` (the Ed25519 key), `pubkey_x25519`, `pubkey_ed25519`, `port` (the HTTPS storage
 * port as a string, deprecated in Session), `port_https` and `ip`. Session nodes also send
 * `port_omq` / `port_quic` (their QUIC port); Murmur nodes serve no QUIC, so they leave both out
 * rather than advertise a port that speaks something else. The decoder accepts all of them.
 */
export const SwarmNodeSchema = Type.Object(
  {
    ip: Ipv4Schema,
    port: PortStringSchema,
    pubkey_ed25519: Ed25519PubkeySchema,
    pubkey_x25519: X25519PubkeySchema,
    port_https: Type.Optional(PortSchema),
    port_omq: Type.Optional(PortSchema),
    port_quic: Type.Optional(PortSchema),
    address: Type.Optional(Type.String()),
    pubkey_legacy: Type.Optional(Ed25519PubkeySchema),
  },
  { description: 'a swarm member ({ip, port, pubkey_ed25519, pubkey_x25519, ...})' },
);

/** One swarm member as nodes list it. */
export type SwarmNode = Static<typeof SwarmNodeSchema>;

/** The answer to `get_swarm`: the members and the swarm ID in hex. */
export const GetSwarmResponseSchema = Type.Object({
  snodes: Type.Array(SwarmNodeSchema),
  swarm: SwarmIdHexSchema,
  ...NetworkFields,
});

/** The answer to `get_swarm`. */
export type GetSwarmResponse = Static<typeof GetSwarmResponseSchema>;

/** The body of a 421 "wrong swarm" answer: the account's real swarm, as `get_swarm` gives it. */
export const WrongSwarmBodySchema = GetSwarmResponseSchema;

/** The body of a 421 answer. */
export type WrongSwarmBody = GetSwarmResponse;

/**
 * Decodes a listed swarm node (from `get_swarm` or a 421 body) into a {@link SwarmMember}: keys
 * lower-cased, `port_https` preferred over the string `port`. `port_omq` / `port_quic` (Session's
 * QUIC port) are not used: Murmur speaks HTTPS only.
 */
export function toSwarmMember(node: SwarmNode): SwarmMember {
  return {
    pubkeyEd25519: node.pubkey_ed25519.toLowerCase(),
    pubkeyX25519: node.pubkey_x25519.toLowerCase(),
    ip: node.ip,
    port: node.port_https ?? Number(node.port),
  };
}

/**
 * The one encoder of a swarm member as nodes list it, in `get_swarm` answers and 421 bodies
 * alike (see {@link SwarmNodeSchema} for the fields and their order, Session's).
 */
export function toSwarmNode(member: SwarmMember): SwarmNode {
  return {
    address: `${bytesToBase32z(hexToBytes(member.pubkeyEd25519))}.snode`,
    pubkey_legacy: member.pubkeyEd25519,
    pubkey_x25519: member.pubkeyX25519,
    pubkey_ed25519: member.pubkeyEd25519,
    port: String(member.port),
    port_https: member.port,
    ip: member.ip,
  };
}
