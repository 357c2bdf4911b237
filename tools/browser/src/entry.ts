/**
 * What the browser runs: the packages' real code paths, bundled for the browser by esbuild
 * (`platform: 'browser'`, no Node built-ins) and run in Chromium by test/browser.test.ts. Every
 * check records its outcome in `window.murmurBrowserCheck`; the test asserts on it once.
 */
import { createClient, createMemoryStorage } from '@murmur/client';
import { createFakeNetwork } from '@murmur/client/test-support/fake-network';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { buildOnionRequest, decodeOnionResponse, type OnionNode } from '@murmur/onion';
import {
  encodeRelayBody,
  encryptFinalResponse,
  parseOnionRequestBody,
  peelOnionLayer,
} from '@murmur/onion/node';
import { bytesToHex, utf8Decode, utf8Encode } from '@murmur/wire';

/** The outcome the test reads. */
export interface BrowserCheckResult {
  done: boolean;
  backend?: string;
  aesGcm?: string;
  checks: Record<string, string>;
  error?: string;
}

declare global {
  interface Window {
    murmurBrowserCheck: BrowserCheckResult;
  }
}

const result: BrowserCheckResult = { done: false, checks: {} };
window.murmurBrowserCheck = result;

async function sessionProtocol(crypto: MurmurCrypto): Promise<string> {
  const alice = crypto.generateIdentity();
  const bob = crypto.generateIdentity();
  const sealed = crypto.encryptForRecipient(
    crypto.padMessage(utf8Encode('hello from a browser')),
    alice,
    bob.sessionId,
  );
  const opened = crypto.decryptIncoming(sealed, bob);
  const text = utf8Decode(crypto.unpadMessage(opened.plaintext));
  if (text !== 'hello from a browser' || opened.senderSessionId !== alice.sessionId) {
    return `wrong round trip: ${text}`;
  }
  return 'ok';
}

async function onionRoundTrip(crypto: MurmurCrypto, encType: 'aes-gcm' | 'xchacha20') {
  const nodes = Array.from({ length: 4 }, (_, index) => {
    const keyPair = crypto.x25519KeyPair();
    const node: OnionNode = {
      ed25519: bytesToHex(crypto.randomBytes(32)),
      x25519: bytesToHex(keyPair.publicKey),
      ip: `10.0.${index}.1`,
      port: 20_000 + index,
    };
    return { node, keyPair };
  });
  const byKey = new Map(nodes.map((entry) => [entry.node.ed25519, entry.keyPair]));
  const request = await buildOnionRequest(crypto, {
    path: nodes.slice(0, 3).map((entry) => entry.node),
    destination: { type: 'node', node: (nodes[3] as (typeof nodes)[number]).node },
    payload: { method: 'info', params: {} },
    encType,
  });
  let body = request.body;
  let target = request.guard.ed25519;
  for (let hop = 0; hop < 8; hop++) {
    const keyPair = byKey.get(target);
    if (keyPair === undefined) return `no node ${target}`;
    const peeled = await peelOnionLayer(crypto, keyPair, parseOnionRequestBody(body));
    if (peeled.role === 'relay') {
      body = encodeRelayBody(peeled.next);
      target = peeled.destination;
      continue;
    }
    if (peeled.role !== 'final') return `unexpected layer ${peeled.role}`;
    const rpc = JSON.parse(utf8Decode(peeled.rpcBody)) as { method: string };
    if (rpc.method !== 'info') return `wrong rpc ${rpc.method}`;
    const reply = await encryptFinalResponse(crypto, peeled, { status: 200, body: { t: 42 } });
    const response = await decodeOnionResponse(crypto, request, { status: 200, body: reply });
    return JSON.stringify(response.body) === JSON.stringify({ t: 42 })
      ? 'ok'
      : `wrong answer ${JSON.stringify(response)}`;
  }
  return 'too many hops';
}

async function clientsExchange(crypto: MurmurCrypto): Promise<string> {
  const network = createFakeNetwork({ crypto });
  const make = () =>
    createClient(
      { seeds: [network.seedUrl], pollIntervalMs: 40, requestTimeoutMs: 5_000 },
      { crypto, storage: createMemoryStorage(), fetch: network.fetch },
    );
  const alice = make();
  const bob = make();
  try {
    for (const client of [alice, bob]) {
      await client.account.create();
      await client.start();
      await client.whenReady({ signal: AbortSignal.timeout(30_000) });
    }
    const received = new Promise<string>((resolve) => {
      bob.on('message', (message) => resolve(message.text));
    });
    const sent = await alice.sendMessage(bob.sessionId as string, 'hello Bob, from Chromium');
    await alice.waitForDelivery(sent.id, { signal: AbortSignal.timeout(30_000) });
    const text = await received;
    return text === 'hello Bob, from Chromium' ? 'ok' : `wrong text ${text}`;
  } finally {
    await alice.stop();
    await bob.stop();
  }
}

async function run(): Promise<void> {
  // No backend named: in a browser sodium-native cannot load, so this is the WebAssembly one.
  const crypto = await loadCrypto();
  result.backend = crypto.backend;
  result.aesGcm = crypto.aesGcm;
  const checks: [string, () => Promise<string>][] = [
    ['session-protocol', () => sessionProtocol(crypto)],
    ['onion-aes-gcm', () => onionRoundTrip(crypto, 'aes-gcm')],
    ['onion-xchacha20', () => onionRoundTrip(crypto, 'xchacha20')],
    ['client-exchange', () => clientsExchange(crypto)],
  ];
  for (const [name, check] of checks) {
    try {
      result.checks[name] = await check();
    } catch (error) {
      result.checks[name] =
        `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
  }
}

run()
  .catch((error: unknown) => {
    result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  })
  .finally(() => {
    result.done = true;
  });
