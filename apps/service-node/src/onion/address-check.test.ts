import { describe, expect, it } from 'vitest';
import { isPublicAddress } from './address-check.js';
import { createHttpOnionProxy, ProxyTargetRefused } from './proxy.js';

describe('isPublicAddress', () => {
  it('accepts public unicast IPv4 and IPv6', () => {
    for (const address of [
      '1.1.1.1',
      '8.8.8.8',
      '93.184.216.34',
      '2606:4700:4700::1111',
      '2a00:1450::1',
    ]) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('refuses loopback, private, link-local, shared, multicast and special ranges', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.255.254',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '198.18.0.1',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '2001:db8::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::192.168.0.1',
      'not an address',
      'localhost',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });
});

describe('the proxy resolves host names first', () => {
  it('refuses a name that resolves to a private address, or does not resolve', async () => {
    const target = {
      host: 'intranet.example',
      target: '/oxen/v4/lsrpc',
      port: 80,
      protocol: 'http' as const,
      method: 'POST',
      body: new Uint8Array(0),
    };
    const proxy = createHttpOnionProxy({}, { resolve: async () => ['93.184.216.34', '10.1.2.3'] });
    await expect(proxy.forward(target)).rejects.toBeInstanceOf(ProxyTargetRefused);
    const nowhere = createHttpOnionProxy(
      {},
      {
        resolve: async () => {
          throw new Error('ENOTFOUND');
        },
      },
    );
    await expect(nowhere.forward(target)).rejects.toThrow(/does not resolve/);
  });
});
