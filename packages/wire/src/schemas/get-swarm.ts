/**
 * `get_swarm` (alias `get_snodes_for_pubkey`): the members of the swarm an account belongs to.
 * A 421 "wrong swarm" answer has the same body.
 */
import Type, { type Static } from 'typebox';
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
 * One swarm member as nodes list it. `port` is the HTTPS storage port as a string (kept for old
 * clients); `port_https` / `port_omq` are sent where known (Murmur nodes send both: `port_omq`
 * is their peer-link port). `address`, `pubkey_legacy` and `port_quic` appear in Session nodes'
 * answers only.
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

/** A listed swarm node as a {@link SwarmMember} (keys lower-cased, `port_https` preferred). */
export function toSwarmMember(node: SwarmNode): SwarmMember {
  const member: SwarmMember = {
    pubkeyEd25519: node.pubkey_ed25519.toLowerCase(),
    pubkeyX25519: node.pubkey_x25519.toLowerCase(),
    ip: node.ip,
    port: node.port_https ?? Number(node.port),
  };
  if (node.port_omq !== undefined) member.portOmq = node.port_omq;
  return member;
}

/** A {@link SwarmMember} as nodes list it in `get_swarm` and 421 answers. */
export function toSwarmNode(member: SwarmMember): SwarmNode {
  const node: SwarmNode = {
    ip: member.ip,
    port: String(member.port),
    pubkey_ed25519: member.pubkeyEd25519,
    pubkey_x25519: member.pubkeyX25519,
    port_https: member.port,
  };
  if (member.portOmq !== undefined) node.port_omq = member.portOmq;
  return node;
}
