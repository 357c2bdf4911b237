import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { testCrypto } from '../test-support/chain.js';
import {
  attestationBindingMessage,
  attestationPrivateKey,
  verifyAttestationBinding,
} from './attestation.js';
import { evmWalletAddress, walletEvmAddress } from './translate.js';

let crypto: MurmurCrypto;
beforeAll(async () => {
  crypto = await testCrypto();
});

const contract = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('attestation keys', () => {
  it('derive one secp256k1 key per Ed25519 seed, deterministically, and differently per seed', () => {
    const seed = new Uint8Array(32).fill(7);
    const key = attestationPrivateKey(seed, crypto);
    expect(key).toMatch(/^0x[0-9a-f]{64}$/);
    expect(attestationPrivateKey(seed, crypto)).toBe(key);
    expect(attestationPrivateKey(new Uint8Array(32).fill(8), crypto)).not.toBe(key);
    expect(() => attestationPrivateKey(new Uint8Array(31), crypto)).toThrow(/32 bytes/);
  });

  it('the node signs the binding; a follower accepts it only for the same key, address, chain and contract', () => {
    const seed = new Uint8Array(32).fill(9);
    const pair = crypto.ed25519KeyPairFromSeed(seed);
    const attestation = privateKeyToAccount(attestationPrivateKey(seed, crypto)).address;
    const binding = { ed25519: bytesToHex(pair.publicKey), attestation, chainId: 31_337, contract };
    const signature = bytesToHex(crypto.sign(attestationBindingMessage(binding), pair.secretKey));
    expect(verifyAttestationBinding(binding, signature, crypto)).toBe(true);
    expect(verifyAttestationBinding(binding, `0x${signature}`, crypto)).toBe(true);
    expect(verifyAttestationBinding({ ...binding, chainId: 1 }, signature, crypto)).toBe(false);
    expect(
      verifyAttestationBinding(
        { ...binding, contract: '0x0000000000000000000000000000000000000001' },
        signature,
        crypto,
      ),
    ).toBe(false);
    expect(
      verifyAttestationBinding(
        { ...binding, attestation: '0x0000000000000000000000000000000000000002' },
        signature,
        crypto,
      ),
    ).toBe(false);
    expect(verifyAttestationBinding(binding, 'zz', crypto)).toBe(false);
  });

  it('maps EVM addresses to registry wallets and back', () => {
    const wallet = evmWalletAddress(contract);
    expect(wallet).toBe(`000000000000000000000000${contract.slice(2).toLowerCase()}`);
    expect(walletEvmAddress(wallet)).toBe(contract.toLowerCase());
    expect(walletEvmAddress('ab'.repeat(32))).toBeUndefined();
    expect(() => evmWalletAddress('0x12')).toThrow(/not an EVM address/);
  });
});
