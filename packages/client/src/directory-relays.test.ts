/** The seed directory keeps each node's registered relay port: the relays of circuits. */
import { silentLogger } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { createSeedDirectory } from './directory.js';

const key = (n: number, fill: string) => `${fill.repeat(62)}${n.toString(16).padStart(2, '0')}`;

function seedFetch(states: Record<string, unknown>[]): typeof fetch {
  return (async () =>
    new Response(
      JSON.stringify({
        jsonrpc: '2.0',
        id: '0',
        result: { service_node_states: states, height: 7 },
      }),
      { status: 200 },
    )) as typeof fetch;
}

describe('seed directory relays', () => {
  it('lists the nodes that sent a relay port, with that port, and none before a refresh', async () => {
    const states = [1, 2, 3].map((n) => ({
      public_ip: `127.0.${n}.1`,
      storage_port: 22000 + n,
      pubkey_ed25519: key(n, 'a'),
      pubkey_x25519: key(n, 'b'),
      ...(n === 2 ? {} : { relay_port: 23000 + n }),
    }));
    const directory = createSeedDirectory(
      { seeds: ['http://127.0.0.1:1/json_rpc'] },
      { fetch: seedFetch(states), logger: silentLogger(), random: Math.random },
    );
    expect(directory.relays()).toEqual([]);
    await directory.refresh();
    expect(directory.nodes()).toHaveLength(3);
    expect(directory.relays()).toEqual([
      { ed25519: key(1, 'a'), x25519: key(1, 'b'), ip: '127.0.1.1', port: 23001 },
      { ed25519: key(3, 'a'), x25519: key(3, 'b'), ip: '127.0.3.1', port: 23003 },
    ]);
  });
});
