import { describe, expect, it } from 'vitest';
import { isDevnetNetwork, relaySchemeFor } from './network.js';

describe('the relays scheme of a network', () => {
  it('a devnet (plain http seeds on loopback) uses ws; any other network wss', () => {
    expect(relaySchemeFor({ seeds: ['http://127.0.0.1:22100/json_rpc'] })).toBe('ws');
    expect(relaySchemeFor({ seeds: ['http://localhost:22100/json_rpc'] })).toBe('ws');
    expect(relaySchemeFor({ seeds: ['http://[::1]:22100/json_rpc'] })).toBe('ws');
    expect(relaySchemeFor({ seeds: ['https://127.0.0.1:22100/json_rpc'] })).toBe('wss');
    expect(relaySchemeFor({ seeds: ['http://seed.example.org/json_rpc'] })).toBe('wss');
    expect(
      relaySchemeFor({ seeds: ['http://127.0.0.1:1/json_rpc', 'https://seed.example.org/'] }),
    ).toBe('wss');
    expect(isDevnetNetwork({ seeds: [] })).toBe(false);
  });
});
