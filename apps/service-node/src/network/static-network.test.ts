import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '@murmur/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStaticNetwork, readStaticNetworkFile } from './static-network.js';

const toX25519 = (hex: string) => hex.split('').reverse().join('');
const key = (digit: string) => digit.repeat(64);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function refusal(action: () => unknown): InvalidInputError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an error');
}

describe('static network files', () => {
  it('reads a good file', () => {
    const network = parseStaticNetwork(
      {
        height: 3,
        nodes: [{ ed25519: key('a'), ip: '127.0.0.1', storagePort: 22021, swarmId: 'ff' }],
      },
      toX25519,
    );
    expect(network.height).toBe(3);
    expect(network.nodes[0]).toMatchObject({
      ed25519: key('a'),
      swarmId: 255n,
      storagePort: 22021,
    });
  });

  it('refuses a bad file with an InvalidInputError naming the field, and leaves it alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-static-network-'));
    dirs.push(dir);
    const path = join(dir, 'network.json');
    const text = JSON.stringify({
      nodes: [{ ed25519: key('a'), ip: '127.0.0.1', storagePort: 70_000, swarmId: 1 }],
    });
    writeFileSync(path, text);
    const error = refusal(() => readStaticNetworkFile(path, toX25519));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe(
      'the network file: `nodes[0].storagePort` must be a port number from 1 to 65535',
    );
    expect(error.details).toEqual({ field: 'nodes[0].storagePort' });
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(
      refusal(() =>
        parseStaticNetwork(
          { nodes: [{ ed25519: key('a'), ip: '300.1.1.1', swarmId: 1 }] },
          toX25519,
        ),
      ).message,
    ).toBe('the network file: `nodes[0].ip` must be a dotted-quad IPv4 address');
    expect(
      refusal(() => parseStaticNetwork({ nodes: [{ ed25519: key('a') }] }, toX25519)).message,
    ).toMatch(/`nodes\[0\]\.swarmId` is required/);
    expect(refusal(() => parseStaticNetwork([], toX25519)).message).toMatch(/`nodes` array/);
    writeFileSync(path, '{ nope');
    expect(refusal(() => readStaticNetworkFile(path, toX25519)).message).toMatch(/not valid JSON/);
  });
});
