/** docs/PROTOCOL.md's example of the staking contract signatures matches the code. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes } from '@murmur/wire';
import { privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { testCrypto } from '../test-support/chain.js';
import {
  attestationBindingMessage,
  attestationPrivateKey,
  verifyAttestationBinding,
} from './attestation.js';
import { deregistrationDigest } from './quorum.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

function example(): Map<string, string> {
  const doc = readFileSync(
    resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs/PROTOCOL.md'),
    'utf8',
  );
  const block = /<!-- example: evm-attestation -->\n```\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error('docs/PROTOCOL.md has no evm-attestation example');
  const values = new Map<string, string>();
  for (const line of block.trim().split('\n')) {
    const match = /^(.+?)\s{2,}(\S+)$/.exec(line);
    if (match !== null) values.set(match[1] as string, match[2] as string);
  }
  return values;
}

describe('docs/PROTOCOL.md: staking contract signatures', () => {
  it('the example is what the code computes', () => {
    const values = example();
    const seed = new Uint8Array(32).fill(1);
    const pair = crypto.ed25519KeyPairFromSeed(seed);
    const ed25519 = bytesToHex(pair.publicKey);
    const key = attestationPrivateKey(seed, crypto);
    const attestation = privateKeyToAccount(key).address.toLowerCase();
    const binding = {
      ed25519,
      attestation,
      chainId: 31_337,
      contract: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as const,
    };
    const message = bytesToHex(attestationBindingMessage(binding));
    expect({
      ed25519: values.get('ed25519'),
      key: values.get('attestation key'),
      attestation: values.get('attestation'),
      message: values.get('binding message'),
      digest: values.get('digest'),
    }).toEqual({
      ed25519,
      key: key.slice(2),
      attestation,
      message,
      digest: deregistrationDigest({
        ...binding,
        nodeId: 7n,
        reason: 1,
        timestamp: 1_800_000_000n,
      }).slice(2),
    });
    expect(hexToBytes(message).length).toBe(134);
    expect(verifyAttestationBinding(binding, values.get('binding sig') as string, crypto)).toBe(
      true,
    );
  });
});
