/**
 * Crypto benchmark (`pnpm --filter @murmur/bench run bench:crypto`; build @murmur/wire and
 * @murmur/crypto first). For every @murmur/crypto operation it prints the ops/s on the native
 * backend (sodium-native), on the wasm backend (libsodium-wrappers-sumo) and, where one exists,
 * of the same steps done with raw sodium-native calls (node:crypto where sodium-native has no
 * such primitive: AES-GCM, HMAC-SHA256, HKDF), measured in the same run, with native/raw.
 *
 * Messages are 1 KiB. Each cell: a warm-up, then ROUNDS timed rounds of ROUND_MS, interleaved
 * across the cells of a row (order alternating) so that the machine's noise hits them alike.
 * ops/s is per second of this process's CPU time (not wall time: the machine is shared), the
 * median over rounds; native/raw is the median of the per-round ratios.
 * Target: encryptForRecipient and decryptIncoming on native ≥ 0.9 of raw.
 *
 * Options: `--rounds N` (default 9), `--round-ms N` (default 200), `--only text` (rows whose
 * name contains text).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { arch, cpus, platform, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Identity, type LayerEncryption, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { numberOption } from './args.js';
import { median } from './stats.js';

/** The sodium-native functions the raw baseline calls (the package ships no types). */
interface RawSodium {
  randombytes_buf(buffer: Uint8Array): void;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
  crypto_sign_ed25519_pk_to_curve25519(x25519: Uint8Array, ed25519: Uint8Array): void;
  crypto_sign_ed25519_sk_to_curve25519(x25519: Uint8Array, ed25519: Uint8Array): void;
  crypto_scalarmult_base(publicKey: Uint8Array, secretKey: Uint8Array): void;
  crypto_scalarmult(shared: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array): void;
  crypto_box_seal(ciphertext: Uint8Array, message: Uint8Array, publicKey: Uint8Array): void;
  crypto_box_seal_open(
    message: Uint8Array,
    ciphertext: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): boolean;
  crypto_generichash(output: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  crypto_hash_sha256(output: Uint8Array, input: Uint8Array): void;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    ciphertext: Uint8Array,
    message: Uint8Array,
    additionalData: Uint8Array | null,
    secretNonce: null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    message: Uint8Array,
    secretNonce: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    nonce: Uint8Array,
    key: Uint8Array,
  ): number;
  sodium_pad(buffer: Uint8Array, unpaddedLength: number, blockSize: number): number;
  sodium_unpad(buffer: Uint8Array, paddedLength: number, blockSize: number): number;
}

type Operation = () => unknown;

interface Row {
  name: string;
  native: Operation;
  wasm: Operation;
  raw?: Operation;
  /** Set when an operation returns a promise (each call is awaited). */
  async?: boolean;
}

const args = process.argv.slice(2);
const ROUNDS = numberOption('rounds', 9);
const ROUND_MS = numberOption('round-ms', 200);
const onlyIndex = args.indexOf('--only');
const ONLY = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const MESSAGE_SIZE = 1024;

const require = createRequire(import.meta.url);
const raw = require('sodium-native') as RawSodium;

/** Results are folded in here so that no call can be optimised away. */
let sink = 0;
function consume(value: unknown): void {
  if (value instanceof Uint8Array) sink ^= value.length;
  else if (typeof value === 'string') sink ^= value.length;
  else if (value !== undefined && value !== null) sink ^= 1;
}

/**
 * Runs `operation` for about `ms` milliseconds of wall time; returns operations per second of
 * this process's CPU time (user + system). CPU time is what the work costs: when other
 * processes on this shared 2-core machine take the CPU away, wall time grows but CPU time
 * does not.
 */
async function run(operation: Operation, isAsync: boolean, ms: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  do {
    for (let i = 0; i < 8; i++) consume(isAsync ? await operation() : operation());
    count += 8;
  } while (performance.now() - start < ms);
  const cpu = process.cpuUsage(cpuStart);
  return count / ((cpu.user + cpu.system) / 1e6);
}

function bytes(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

/** The rows: every @murmur/crypto operation, with its raw sodium-native equivalent where one exists. */
async function buildRows(native: MurmurCrypto, wasm: MurmurCrypto): Promise<Row[]> {
  const alice = native.identityFromSeed(bytes(32, 1));
  const bob = native.identityFromSeed(bytes(32, 2));
  const message = bytes(MESSAGE_SIZE, 0x61);
  const seed = bytes(32, 3);
  const phrase = native.phraseFromSeed(seed);
  const padded = native.padMessage(message);
  const v1 = native.encryptForRecipient(message, alice, bob.sessionId);
  const intermediate = await native.encryptIntermediate(message, alice, bob.sessionId);
  const signature = native.sign(message, alice.ed25519.secretKey);
  const retrieve = { namespace: 5, timestamp: 1767225600000 };
  const requestSignature = native.signRequest('retrieve', retrieve, alice.ed25519.secretKey);
  const node = native.x25519KeyPair();

  // Many distinct senders, more than the per-object sender-ID cache holds, so that every call
  // of the "new sender" row converts the sender's key.
  const SENDERS = 8192;
  const fromMany: Uint8Array[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const sender = native.generateIdentity();
    fromMany.push(native.encryptForRecipient(message, sender, bob.sessionId));
  }
  let nextNative = 0;
  let nextWasm = 0;
  let nextRaw = 0;

  // Raw Session Protocol steps (what libsession-util does), on the same keys.
  const rawEncrypt = (sender: Identity, recipientX25519: Uint8Array) => {
    const length = message.length;
    const inner = new Uint8Array(length + 96);
    inner.set(message, 0);
    inner.set(sender.ed25519.publicKey, length);
    inner.set(recipientX25519, length + 32);
    const sig = new Uint8Array(64);
    raw.crypto_sign_detached(sig, inner.subarray(0, length + 64), sender.ed25519.secretKey);
    inner.set(sig, length + 32);
    const out = new Uint8Array(inner.length + 48);
    raw.crypto_box_seal(out, inner, recipientX25519);
    return out;
  };
  const rawDecrypt = (ciphertext: Uint8Array, convert: boolean) => {
    const inner = new Uint8Array(ciphertext.length - 48);
    if (!raw.crypto_box_seal_open(inner, ciphertext, bob.x25519.publicKey, bob.x25519.secretKey)) {
      throw new Error('raw open failed');
    }
    const length = inner.length - 96;
    const senderKey = inner.slice(length, length + 32);
    const sig = inner.slice(length + 32);
    inner.set(bob.x25519.publicKey, length + 32);
    if (!raw.crypto_sign_verify_detached(sig, inner.subarray(0, length + 64), senderKey)) {
      throw new Error('raw verify failed');
    }
    if (convert) {
      const x25519 = new Uint8Array(32);
      raw.crypto_sign_ed25519_pk_to_curve25519(x25519, senderKey);
    }
    return inner.subarray(0, length);
  };
  const rawIdentity = (seed32: Uint8Array) => {
    const publicKey = new Uint8Array(32);
    const secretKey = new Uint8Array(64);
    raw.crypto_sign_seed_keypair(publicKey, secretKey, seed32);
    const x25519Public = new Uint8Array(32);
    const x25519Secret = new Uint8Array(32);
    raw.crypto_sign_ed25519_pk_to_curve25519(x25519Public, publicKey);
    raw.crypto_sign_ed25519_sk_to_curve25519(x25519Secret, secretKey);
    return `05${Buffer.from(x25519Public).toString('hex')}`;
  };
  const rawX25519 = (secretKey: Uint8Array, publicKey: Uint8Array) => {
    const shared = new Uint8Array(32);
    raw.crypto_scalarmult(shared, secretKey, publicKey);
    return shared;
  };
  const rawEphemeral = () => {
    const secretKey = new Uint8Array(32);
    raw.randombytes_buf(secretKey);
    const publicKey = new Uint8Array(32);
    raw.crypto_scalarmult_base(publicKey, secretKey);
    return { publicKey, secretKey };
  };
  const rawAesGcmSeal = (key: Uint8Array, plaintext: Uint8Array) => {
    const iv = new Uint8Array(12);
    raw.randombytes_buf(iv);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const rawAesGcmOpen = (key: Uint8Array, sealed: Uint8Array) => {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([
      decipher.update(sealed.subarray(12, sealed.length - 16)),
      decipher.final(),
    ]);
  };
  const rawXChaChaSeal = (key: Uint8Array, plaintext: Uint8Array) => {
    const out = new Uint8Array(24 + plaintext.length + 16);
    const nonce = out.subarray(0, 24);
    raw.randombytes_buf(nonce);
    raw.crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.subarray(24),
      plaintext,
      null,
      null,
      nonce,
      key,
    );
    return out;
  };
  const rawXChaChaOpen = (key: Uint8Array, sealed: Uint8Array) => {
    const out = new Uint8Array(sealed.length - 40);
    raw.crypto_aead_xchacha20poly1305_ietf_decrypt(
      out,
      null,
      sealed.subarray(24),
      null,
      sealed.subarray(0, 24),
      key,
    );
    return out;
  };
  const rawLayerKey = (
    mode: LayerEncryption,
    shared: Uint8Array,
    client: Uint8Array,
    server: Uint8Array,
  ) => {
    if (mode === 'aes-gcm') return createHmac('sha256', 'LOKI').update(shared).digest();
    const key = new Uint8Array(32);
    raw.crypto_generichash(key, Buffer.concat([shared, client, server]));
    return key;
  };

  const rows: Row[] = [
    {
      name: 'generateIdentity',
      native: () => native.generateIdentity(),
      wasm: () => wasm.generateIdentity(),
      raw: () => {
        const fresh = new Uint8Array(32);
        raw.randombytes_buf(fresh);
        return rawIdentity(fresh);
      },
    },
    {
      name: 'identityFromSeed',
      native: () => native.identityFromSeed(seed),
      wasm: () => wasm.identityFromSeed(seed),
      raw: () => rawIdentity(seed),
    },
    {
      name: 'phraseFromSeed',
      native: () => native.phraseFromSeed(seed),
      wasm: () => wasm.phraseFromSeed(seed),
    },
    {
      name: 'seedFromPhrase',
      native: () => native.seedFromPhrase(phrase),
      wasm: () => wasm.seedFromPhrase(phrase),
    },
    {
      name: 'parseSessionId',
      native: () => native.parseSessionId(bob.sessionId),
      wasm: () => wasm.parseSessionId(bob.sessionId),
    },
    {
      name: 'encryptForRecipient',
      native: () => native.encryptForRecipient(message, alice, bob.sessionId),
      wasm: () => wasm.encryptForRecipient(message, alice, bob.sessionId),
      raw: () => rawEncrypt(alice, bob.x25519.publicKey),
    },
    {
      name: 'decryptIncoming (known sender)',
      native: () => native.decryptIncoming(v1, bob),
      wasm: () => wasm.decryptIncoming(v1, bob),
      raw: () => rawDecrypt(v1, false),
    },
    {
      name: 'decryptIncoming (new sender; raw incl. pk_to_curve25519)',
      native: () => native.decryptIncoming(fromMany[nextNative++ % SENDERS] as Uint8Array, bob),
      wasm: () => wasm.decryptIncoming(fromMany[nextWasm++ % SENDERS] as Uint8Array, bob),
      raw: () => rawDecrypt(fromMany[nextRaw++ % SENDERS] as Uint8Array, true),
    },
    {
      name: 'padMessage (raw: sodium_pad)',
      native: () => native.padMessage(message),
      wasm: () => wasm.padMessage(message),
      raw: () => {
        const out = new Uint8Array(MESSAGE_SIZE + 160);
        out.set(message);
        return out.subarray(0, raw.sodium_pad(out, MESSAGE_SIZE, 160));
      },
    },
    {
      name: 'unpadMessage (raw: sodium_unpad)',
      native: () => native.unpadMessage(padded),
      wasm: () => wasm.unpadMessage(padded),
      raw: () => padded.slice(0, raw.sodium_unpad(padded, padded.length, 160)),
    },
    {
      name: 'encryptIntermediate',
      async: true,
      native: () => native.encryptIntermediate(message, alice, bob.sessionId),
      wasm: () => wasm.encryptIntermediate(message, alice, bob.sessionId),
      raw: () => {
        const ephemeral = rawEphemeral();
        const shared = rawX25519(ephemeral.secretKey, bob.x25519.publicKey);
        const salt = Buffer.concat([ephemeral.publicKey, bob.x25519.publicKey]);
        const key = new Uint8Array(hkdfSync('sha256', shared, salt, 'Murmur intermediate v1', 32));
        const inner = Buffer.alloc(message.length + 96);
        inner.set(message);
        inner.set(alice.ed25519.publicKey, message.length);
        inner.set(bob.x25519.publicKey, message.length + 32);
        const sig = new Uint8Array(64);
        raw.crypto_sign_detached(
          sig,
          inner.subarray(0, message.length + 64),
          alice.ed25519.secretKey,
        );
        inner.set(sig, message.length + 32);
        return Buffer.concat([Buffer.of(1), ephemeral.publicKey, rawAesGcmSeal(key, inner)]);
      },
    },
    {
      name: 'decryptIntermediate (known sender)',
      async: true,
      native: () => native.decryptIntermediate(intermediate, bob),
      wasm: () => wasm.decryptIntermediate(intermediate, bob),
      raw: () => {
        const ephemeral = intermediate.subarray(1, 33);
        const shared = rawX25519(bob.x25519.secretKey, ephemeral);
        const salt = Buffer.concat([ephemeral, bob.x25519.publicKey]);
        const key = new Uint8Array(hkdfSync('sha256', shared, salt, 'Murmur intermediate v1', 32));
        const inner = rawAesGcmOpen(key, intermediate.subarray(33));
        const length = inner.length - 96;
        const senderKey = inner.subarray(length, length + 32);
        const sig = inner.slice(length + 32);
        inner.set(bob.x25519.publicKey, length + 32);
        return raw.crypto_sign_verify_detached(sig, inner.subarray(0, length + 64), senderKey);
      },
    },
  ];

  for (const mode of ['aes-gcm', 'xchacha20'] as const) {
    const layer = await native.encryptLayer(message, node.publicKey, mode);
    const response = await native.encryptLayerResponse(message, layer.key, mode);
    const seal = mode === 'aes-gcm' ? rawAesGcmSeal : rawXChaChaSeal;
    const open = mode === 'aes-gcm' ? rawAesGcmOpen : rawXChaChaOpen;
    rows.push(
      {
        name: `encryptLayer ${mode}`,
        async: true,
        native: () => native.encryptLayer(message, node.publicKey, mode),
        wasm: () => wasm.encryptLayer(message, node.publicKey, mode),
        raw: () => {
          const ephemeral = rawEphemeral();
          const shared = rawX25519(ephemeral.secretKey, node.publicKey);
          return seal(rawLayerKey(mode, shared, ephemeral.publicKey, node.publicKey), message);
        },
      },
      {
        name: `decryptLayer ${mode} (node side)`,
        async: true,
        native: () => native.decryptLayer(layer.ciphertext, node, layer.ephemeralPublicKey, mode),
        wasm: () => wasm.decryptLayer(layer.ciphertext, node, layer.ephemeralPublicKey, mode),
        raw: () => {
          const shared = rawX25519(node.secretKey, layer.ephemeralPublicKey);
          return open(
            rawLayerKey(mode, shared, layer.ephemeralPublicKey, node.publicKey),
            layer.ciphertext,
          );
        },
      },
      {
        name: `encryptLayerResponse ${mode}`,
        async: true,
        native: () => native.encryptLayerResponse(message, layer.key, mode),
        wasm: () => wasm.encryptLayerResponse(message, layer.key, mode),
        raw: () => seal(layer.key, message),
      },
      {
        name: `decryptLayerResponse ${mode}`,
        async: true,
        native: () => native.decryptLayerResponse(response, layer.key, mode),
        wasm: () => wasm.decryptLayerResponse(response, layer.key, mode),
        raw: () => open(layer.key, response),
      },
    );
  }

  const requestBytes = native.signedRequestBytes('retrieve', retrieve);
  const requestSignatureBytes = Buffer.from(requestSignature, 'base64');
  rows.push(
    {
      name: 'signedRequestMessage (retrieve)',
      native: () => native.signedRequestMessage('retrieve', retrieve),
      wasm: () => wasm.signedRequestMessage('retrieve', retrieve),
    },
    {
      name: 'signRequest (retrieve)',
      native: () => native.signRequest('retrieve', retrieve, alice.ed25519.secretKey),
      wasm: () => wasm.signRequest('retrieve', retrieve, alice.ed25519.secretKey),
      raw: () => {
        const sig = Buffer.alloc(64);
        raw.crypto_sign_detached(
          sig,
          Buffer.from(`retrieve5${retrieve.timestamp}`),
          alice.ed25519.secretKey,
        );
        return sig.toString('base64');
      },
    },
    {
      name: 'verifyRequest (retrieve)',
      native: () =>
        native.verifyRequest('retrieve', retrieve, requestSignature, alice.ed25519.publicKey),
      wasm: () =>
        wasm.verifyRequest('retrieve', retrieve, requestSignature, alice.ed25519.publicKey),
      raw: () =>
        raw.crypto_sign_verify_detached(
          requestSignatureBytes,
          requestBytes,
          alice.ed25519.publicKey,
        ),
    },
    {
      name: 'messageHash',
      native: () => native.messageHash(alice.sessionId, 5, message),
      wasm: () => wasm.messageHash(alice.sessionId, 5, message),
      raw: () => {
        const hash = Buffer.alloc(32);
        const input = Buffer.concat([
          Buffer.from(alice.sessionId, 'hex'),
          Buffer.from('5'),
          message,
        ]);
        raw.crypto_generichash(hash, input);
        return hash.toString('base64').replace(/=+$/, '');
      },
    },
    {
      name: 'sign',
      native: () => native.sign(message, alice.ed25519.secretKey),
      wasm: () => wasm.sign(message, alice.ed25519.secretKey),
      raw: () => {
        const sig = new Uint8Array(64);
        raw.crypto_sign_detached(sig, message, alice.ed25519.secretKey);
        return sig;
      },
    },
    {
      name: 'verify',
      native: () => native.verify(signature, message, alice.ed25519.publicKey),
      wasm: () => wasm.verify(signature, message, alice.ed25519.publicKey),
      raw: () => raw.crypto_sign_verify_detached(signature, message, alice.ed25519.publicKey),
    },
    {
      name: 'x25519',
      native: () => native.x25519(alice.x25519.secretKey, bob.x25519.publicKey),
      wasm: () => wasm.x25519(alice.x25519.secretKey, bob.x25519.publicKey),
      raw: () => rawX25519(alice.x25519.secretKey, bob.x25519.publicKey),
    },
    {
      name: 'blake2b (32 bytes)',
      native: () => native.blake2b(message),
      wasm: () => wasm.blake2b(message),
      raw: () => {
        const hash = new Uint8Array(32);
        raw.crypto_generichash(hash, message);
        return hash;
      },
    },
    {
      name: 'sha256',
      native: () => native.sha256(message),
      wasm: () => wasm.sha256(message),
      raw: () => {
        const hash = new Uint8Array(32);
        raw.crypto_hash_sha256(hash, message);
        return hash;
      },
    },
  );
  return ONLY === undefined ? rows : rows.filter((row) => row.name.includes(ONLY));
}

function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '-';
  if (rate >= 100_000) return `${(rate / 1000).toFixed(0)}k`;
  if (rate >= 10_000) return `${(rate / 1000).toFixed(1)}k`;
  return rate.toFixed(0);
}

async function main(): Promise<void> {
  const [native, wasm] = await Promise.all([
    loadCrypto({ backend: 'native' }),
    loadCrypto({ backend: 'wasm' }),
  ]);
  const rows = await buildRows(native, wasm);
  const cpu = cpus();
  console.log(
    `# @murmur/crypto benchmark: ${MESSAGE_SIZE}-byte messages, ops per CPU-second, median of ${ROUNDS} rounds of ${ROUND_MS} ms (ratio: median of per-round ratios)`,
  );
  console.log(
    `# ${cpu[0]?.model ?? 'unknown CPU'} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${platform()} ${arch()}`,
  );
  console.log('');
  console.log('| method | native ops/s | wasm ops/s | raw sodium-native ops/s | native/raw |');
  console.log('|---|---:|---:|---:|---:|');
  const targets: string[] = [];
  for (const row of rows) {
    const isAsync = row.async === true;
    // native and raw side by side (in both orders), wasm at one end.
    const variants: [string, Operation][] = [['native', row.native]];
    if (row.raw !== undefined) variants.push(['raw', row.raw]);
    variants.push(['wasm', row.wasm]);
    for (const [, operation] of variants) await run(operation, isAsync, ROUND_MS / 2);
    const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so that neither side always runs first after the other.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      const rates = new Map<string, number>();
      for (const [name, operation] of order)
        rates.set(name, await run(operation, isAsync, ROUND_MS));
      for (const [name, rate] of rates) samples.get(name)?.push(rate);
      const rawRate = rates.get('raw');
      if (rawRate !== undefined) ratios.push((rates.get('native') ?? 0) / rawRate);
    }
    const nativeRate = median(samples.get('native') ?? []);
    const wasmRate = median(samples.get('wasm') ?? []);
    const rawRate = row.raw === undefined ? undefined : median(samples.get('raw') ?? []);
    // The ratio is the median of per-round ratios: native and raw of one round ran back to
    // back, so a busy spell on this shared machine slows both.
    const ratio = rawRate === undefined ? '-' : median(ratios).toFixed(2);
    console.log(
      `| ${row.name} | ${formatRate(nativeRate)} | ${formatRate(wasmRate)} | ${formatRate(rawRate)} | ${ratio} |`,
    );
    if (row.name === 'encryptForRecipient' || row.name.startsWith('decryptIncoming (known')) {
      targets.push(`${row.name}: native/raw ${ratio} (target >= 0.90)`);
    }
  }
  console.log('');
  for (const line of targets) console.log(`# ${line}`);
  if (sink === -1) console.log('');
}

await main();
