import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  announcedAddress,
  basePortLayout,
  distinctAddressesSupported,
  findFreePorts,
  httpsUrl,
  httpUrl,
  isPortFree,
  nodeAddress,
} from './ports.js';

describe('basePortLayout', () => {
  it('puts node i at basePort + 1 + 2(i − 1) and its relay on the next port', () => {
    expect(basePortLayout(20_000, 1)).toEqual({ storagePort: 20_001, relayPort: 20_002 });
    expect(basePortLayout(20_000, 2)).toEqual({ storagePort: 20_003, relayPort: 20_004 });
    expect(basePortLayout(20_000, 20)).toEqual({ storagePort: 20_039, relayPort: 20_040 });
  });

  it('refuses bad bases, bad indexes and layouts past 65535', () => {
    expect(() => basePortLayout(0, 1)).toThrow(/basePort/);
    expect(() => basePortLayout(70_000, 1)).toThrow(/basePort/);
    expect(() => basePortLayout(20_000, 0)).toThrow(/index/);
    expect(() => basePortLayout(65_530, 4)).toThrow(/no room for node 4/);
  });
});

describe('nodeAddress', () => {
  it('gives each node its own loopback /24 when distinct', () => {
    expect(nodeAddress(1, '127.0.0.1', true)).toBe('127.0.1.1');
    expect(nodeAddress(255, '127.0.0.1', true)).toBe('127.0.255.1');
    expect(nodeAddress(256, '127.0.0.1', true)).toBe('127.1.0.1');
    const subnets = new Set(
      Array.from({ length: 600 }, (_, i) =>
        nodeAddress(i + 1, '127.0.0.1', true)
          .split('.')
          .slice(0, 3)
          .join('.'),
      ),
    );
    expect(subnets.size).toBe(600);
    expect(subnets.has('127.0.0')).toBe(false);
  });

  it('uses the host for every node otherwise', () => {
    expect(nodeAddress(7, '127.0.0.1', false)).toBe('127.0.0.1');
  });

  it('knows where distinct addresses work', () => {
    expect(distinctAddressesSupported('127.0.0.1', 'linux')).toBe(true);
    expect(distinctAddressesSupported('127.0.0.1', 'darwin')).toBe(false);
    expect(distinctAddressesSupported('10.0.0.5', 'linux')).toBe(false);
  });
});

describe('addresses and URLs', () => {
  it('announces loopback for wildcard listeners', () => {
    expect(announcedAddress('0.0.0.0')).toBe('127.0.0.1');
    expect(announcedAddress('localhost')).toBe('127.0.0.1');
    expect(announcedAddress('127.0.3.1')).toBe('127.0.3.1');
  });

  it('brackets IPv6 hosts', () => {
    expect(httpUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80');
    expect(httpUrl('::1', 80)).toBe('http://[::1]:80');
    expect(httpsUrl('127.0.0.1', 22021)).toBe('https://127.0.0.1:22021');
    expect(httpsUrl('::1', 443)).toBe('https://[::1]:443');
  });
});

describe('findFreePorts and isPortFree', () => {
  it('returns distinct free ports, never an excluded one', async () => {
    const first = await findFreePorts(6);
    expect(new Set(first).size).toBe(6);
    for (const port of first) expect(await isPortFree('127.0.0.1', port)).toBe(true);
    const second = await findFreePorts(6, '127.0.0.1', { exclude: first });
    for (const port of second) expect(first).not.toContain(port);
  });

  it('sees a port in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      expect(await isPortFree('127.0.0.1', port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await isPortFree('127.0.0.1', port)).toBe(true);
  });

  it('checks its count', async () => {
    await expect(findFreePorts(-1)).rejects.toThrow(/count/);
  });
});
