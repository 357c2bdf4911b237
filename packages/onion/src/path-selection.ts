/**
 * The pure part of path selection: random choices drawn from an injected `random()`, the /24
 * rule, and the check that a pool can hold the wanted paths at all.
 */
import { type OnionNode, subnetOf } from './onion-node.js';

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** A random integer in [0, n). */
export function randomIndex(random: RandomSource, n: number): number {
  const value = random();
  const index = Math.floor((Number.isFinite(value) ? value : 0) * n);
  return Math.min(Math.max(index, 0), n - 1);
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: RandomSource): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Uniform numbers from `crypto.getRandomValues` (browsers and Node both have it). */
export function secureRandom(): number {
  const buffer = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buffer);
  return (buffer[0] as number) / 2 ** 32;
}

/**
 * Picks `count` relays for a path behind `guard`: at most one node per /24 subnet, none in the
 * guard's subnet. Subnets are drawn uniformly first, then one node within each (as Session
 * desktop does), so an operator with many nodes in one /24 gets no more weight than one node.
 *
 * @returns the relays in path order, or `undefined` when the candidates span too few subnets.
 */
export function selectRelays(
  candidates: readonly OnionNode[],
  guard: OnionNode,
  count: number,
  random: RandomSource,
): OnionNode[] | undefined {
  const guardSubnet = subnetOf(guard.ip);
  const bySubnet = new Map<string, OnionNode[]>();
  for (const node of candidates) {
    if (node.ed25519 === guard.ed25519) continue;
    const subnet = subnetOf(node.ip);
    if (subnet === guardSubnet) continue;
    const group = bySubnet.get(subnet);
    if (group === undefined) bySubnet.set(subnet, [node]);
    else group.push(node);
  }
  if (bySubnet.size < count) return undefined;
  const subnets = shuffled([...bySubnet.keys()], random).slice(0, count);
  return subnets.map((subnet) => {
    const group = bySubnet.get(subnet) as OnionNode[];
    return group[randomIndex(random, group.length)] as OnionNode;
  });
}

/**
 * Why `nodes` cannot hold `guardCount` disjoint paths of `hops` nodes each with distinct /24
 * subnets per path, or `undefined` when it may. (Passing this check is necessary, not
 * sufficient: a build may still fall short, and is then retried.)
 */
export function poolShortfall(
  nodes: readonly OnionNode[],
  hops: number,
  guardCount: number,
): string | undefined {
  const needed = hops * guardCount;
  if (nodes.length < needed) {
    return `only ${nodes.length} usable nodes; ${needed} are needed (${guardCount} paths of ${hops} nodes)`;
  }
  const subnets = new Set(nodes.map((node) => subnetOf(node.ip))).size;
  if (subnets < hops) {
    return `the usable nodes span only ${subnets} /24 subnets; a path of ${hops} nodes needs ${hops}`;
  }
  return undefined;
}
