import { describe, expect, it } from 'vitest';
import { STORAGE_SERVER_VERSION } from './constants.js';
import { parseResponse } from './index.js';
import { parseRequestParams } from './server.js';
import {
  ACTIVE_NODE_RECORD_BYTES,
  decodeActiveNodesBin,
  encodeActiveNodesBin,
  encodeServiceNodeState,
  type ListedServiceNode,
  selectServiceNodes,
} from './service-nodes.js';

const nodes: ListedServiceNode[] = [1, 2, 3, 4].map((n) => ({
  ed25519: String(n).repeat(64),
  x25519: String(n + 4).repeat(64),
  ip: `203.0.113.${n}`,
  storagePort: 22_020 + n,
  relayPort: 23_000 + n,
  swarmId: n === 4 ? 0x3fff_ffff_ffff_ffffn : BigInt(n) << 60n,
  requestedUnlockHeight: 0,
  active: n !== 2,
}));

describe('node lists as oxend answers them', () => {
  it('selects: active_only, a limit picks that many at random, a negative limit shuffles all', () => {
    const first = () => 0;
    expect(
      selectServiceNodes(nodes, { active_only: true }, first).map((n) => n.ed25519[0]),
    ).toEqual(['1', '3', '4']);
    expect(selectServiceNodes(nodes, { active_only: false, limit: 2 }, first)).toHaveLength(2);
    const last = (bound: number) => bound - 1;
    const all = selectServiceNodes(nodes, { active_only: false, limit: -1 }, last);
    expect(all.map((n) => n.ed25519[0])).toEqual(['4', '1', '2', '3']);
    expect(selectServiceNodes(nodes, { active_only: false, limit: 9 }, first)).toHaveLength(4);
  });

  it("encodes oxend's fields: numeric swarm_id and hex swarm, storage_lmq_port, the version", () => {
    const node = nodes[0] as ListedServiceNode;
    expect(encodeServiceNodeState(node)).toEqual({
      service_node_pubkey: node.ed25519,
      public_ip: '203.0.113.1',
      storage_port: 22_021,
      storage_lmq_port: 0,
      pubkey_x25519: node.x25519,
      pubkey_ed25519: node.ed25519,
      requested_unlock_height: 0,
      active: true,
      funded: true,
      swarm_id: 2 ** 60,
      swarm: '1000000000000000',
      storage_server_version: [...STORAGE_SERVER_VERSION],
      relay_port: 23_001,
    });
    // Android's request (fields as a list), answered with just those fields.
    const query = parseRequestParams('oxend_request', {
      endpoint: 'get_service_nodes',
      params: {
        active_only: true,
        fields: ['public_ip', 'storage_port', 'pubkey_x25519', 'pubkey_ed25519'],
      },
    });
    if (query.endpoint !== 'get_service_nodes') throw new Error('unexpected endpoint');
    expect(Object.keys(encodeServiceNodeState(node, query.params.fields))).toEqual([
      'public_ip',
      'storage_port',
      'pubkey_x25519',
      'pubkey_ed25519',
    ]);
  });

  it('writes active_nodes_bin as Android reads it: 51-byte records, big-endian', () => {
    const text = encodeActiveNodesBin(nodes);
    const bytes = Buffer.from(text, 'base64');
    expect(bytes.length).toBe(3 * ACTIVE_NODE_RECORD_BYTES);
    // The fourth node, third record: key, swarm u64 BE, IPv4, HTTPS port, QUIC port 0, version.
    const record = bytes.subarray(2 * 51, 3 * 51);
    expect(record.subarray(0, 32).toString('hex')).toBe('4'.repeat(64));
    expect(record.readBigUInt64BE(32)).toBe(0x3fff_ffff_ffff_ffffn);
    expect([...record.subarray(40, 44)]).toEqual([203, 0, 113, 4]);
    expect(record.readUInt16BE(44)).toBe(22_024);
    expect(record.readUInt16BE(46)).toBe(0);
    expect([...record.subarray(48, 51)]).toEqual([...STORAGE_SERVER_VERSION]);
    expect(decodeActiveNodesBin(text).map((node) => node.ip)).toEqual([
      '203.0.113.1',
      '203.0.113.3',
      '203.0.113.4',
    ]);
    // The answer is a JSON string (Android reads the body as a JSON primitive).
    expect(parseResponse('active_nodes_bin', JSON.stringify(text))).toBe(text);
  });
});
