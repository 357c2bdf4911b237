/**
 * What Session's own storage-server test suite found Murmur doing differently, each checked
 * here against the dispatcher (the suite itself runs with `pnpm conformance:session`):
 * a `05` account signing with its own key bytes, Session's exact error texts, `get_expiries`'
 * answer, the unrevoke list without the revoke cap, and `ifelse`.
 */
// biome-ignore-all lint/suspicious/noThenProperty: `then` is the name Session's `ifelse` gives its branch.
import { bytesToHex, HARDFORK, type Logger, silentLogger } from '@murmur/wire';
import { STORAGE_SERVER_VERSION } from '@murmur/wire/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnswerBody, expectRefusal, okBody } from '../test-support/assertions.js';
import { createHarness, type Harness, OWN_SWARM, TEST_NOW } from '../test-support/harness.js';
import type { RpcResult } from './context.js';
import { createRpcDispatcher } from './dispatcher.js';

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
});

afterEach(() => {
  h.close();
});

/** A `05` account whose 32 key bytes are an Ed25519 key (as Session's suite makes them). */
function edAccount(): { pubkey: string; secretKey: Uint8Array } {
  for (;;) {
    const pair = h.crypto.ed25519KeyPairFromSeed(h.crypto.randomBytes(32));
    const pubkey = `05${bytesToHex(pair.publicKey)}`;
    if (h.network.snapshot()?.swarmFor(pubkey)?.id === OWN_SWARM) {
      return { pubkey, secretKey: pair.secretKey };
    }
  }
}

function data(text: string): string {
  return Buffer.from(text).toString('base64');
}

async function storePublic(pubkey: string, text: string): Promise<string> {
  const result = await h.dispatcher.call('store', {
    pubkey,
    timestamp: TEST_NOW,
    ttl: 60_000,
    data: data(text),
  });
  return okBody(result).hash as string;
}

describe('a 05 pubkey without pubkey_ed25519', () => {
  it('is checked with the pubkey’s own 32 bytes, as Session’s verify_signature does', async () => {
    const account = edAccount();
    const hash = await storePublic(account.pubkey, 'hi');
    const signed = {
      pubkey: account.pubkey,
      timestamp: TEST_NOW,
      signature: h.crypto.signRequest(
        'retrieve',
        { namespace: 0, timestamp: TEST_NOW },
        account.secretKey,
      ),
    };
    const body = okBody(await h.dispatcher.call('retrieve', signed));
    expect(body.messages?.map((m) => m.hash)).toEqual([hash]);

    // Signed by the account's Ed25519 key but without saying so: the X25519 bytes do not verify.
    const alice = h.account();
    await storePublic(alice.sessionId, 'keep me');
    const unnamed = h.sign('delete_all', alice, { namespace: 0, timestamp: TEST_NOW });
    const { pubkey_ed25519: _left, ...withoutKey } = unnamed;
    expectRefusal(
      await h.dispatcher.call('delete_all', { ...withoutKey, pubkey: alice.sessionId }),
      401,
      /^delete_all signature verification failed$/,
    );
    expect(h.store.stats().messages).toBe(2);
  });
});

describe('Session’s error texts', () => {
  it('answers the stale-timestamp texts of delete_all, expire_all and a store signature', async () => {
    const alice = h.account();
    const stale = h.sign('delete_all', alice, {
      pubkey: alice.sessionId,
      timestamp: TEST_NOW - 120_000,
    });
    const result = await h.dispatcher.call('delete_all', stale);
    expect(result).toEqual({ status: 406, body: 'delete_all timestamp too far from current time' });

    const expireAll = h.sign('expire_all', alice, {
      pubkey: alice.sessionId,
      expiry: TEST_NOW - 120_000,
    });
    expect(await h.dispatcher.call('expire_all', expireAll)).toEqual({
      status: 406,
      body: 'expire_all timestamp should be >= current time',
    });

    const signedAt = TEST_NOW - 100_000;
    const store = {
      pubkey: alice.sessionId,
      namespace: 123,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: data('x'),
      ...h.sign('store', alice, { namespace: 123, sig_timestamp: signedAt }),
      sig_timestamp: signedAt,
    };
    expect(await h.dispatcher.call('store', store)).toEqual({
      status: 406,
      body: 'store signature timestamp too far from current time',
    });
  });

  it('answers the 400 texts of an invalid namespace, a missing signature, a non-Session key and an unknown method', async () => {
    const alice = h.account();
    const group = h.group();
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'store',
        {
          pubkey: alice.sessionId,
          namespace: 32768,
          timestamp: TEST_NOW,
          ttl: 60_000,
          data: data('x'),
        },
        "invalid request: Invalid value given for 'namespace': value out of range",
      ],
      [
        'retrieve',
        { pubkey: alice.sessionId, namespace: 40, timestamp: TEST_NOW },
        "invalid request: Required field 'signature' missing",
      ],
      [
        'delete_all',
        {
          pubkey: group.pubkey,
          pubkey_ed25519: bytesToHex(group.publicKey),
          timestamp: TEST_NOW,
          signature: 'A'.repeat(86),
        },
        'invalid request: pubkey_ed25519 is only permitted for 05[...] pubkeys',
      ],
    ];
    for (const [method, params, body] of cases) {
      expect(await h.dispatcher.call(method, params)).toEqual({ status: 400, body });
    }
    expect(await h.dispatcher.handleBody('{"method":"frobnicate","params":{}}')).toEqual({
      status: 400,
      body: 'no method frobnicate',
    });
  });

  it('answers one text for every failed signature: revoked and under-privileged subaccounts too', async () => {
    const group = h.group();
    const subaccount = (flags: number) => {
      const sub = h.crypto.ed25519KeyPairFromSeed(h.crypto.randomBytes(32));
      const token = new Uint8Array(36);
      token[0] = 0x03;
      token[1] = flags;
      token.set(sub.publicKey, 4);
      return {
        secretKey: sub.secretKey,
        token: Buffer.from(token).toString('base64'),
        sig: Buffer.from(h.crypto.sign(token, group.secretKey)).toString('base64'),
        bytes: token,
      };
    };
    const retrieveAs = (sub: ReturnType<typeof subaccount>) => ({
      pubkey: group.pubkey,
      namespace: 42,
      timestamp: TEST_NOW,
      signature: h.crypto.signRequest(
        'retrieve',
        { namespace: 42, timestamp: TEST_NOW },
        sub.secretKey,
      ),
      subaccount: sub.token,
      subaccount_sig: sub.sig,
    });
    const noRights = subaccount(0x00);
    expect(await h.dispatcher.call('retrieve', retrieveAs(noRights))).toEqual({
      status: 401,
      body: 'retrieve signature verification failed',
    });
    const reader = subaccount(0x01);
    expect((await h.dispatcher.call('retrieve', retrieveAs(reader))).status).toBe(200);
    const revoke = {
      pubkey: group.pubkey,
      revoke: reader.token,
      timestamp: TEST_NOW,
      signature: h.crypto.signRequest(
        'revoke_subaccount',
        { timestamp: TEST_NOW, revoke: [reader.bytes] },
        group.secretKey,
      ),
    };
    expect((await h.dispatcher.call('revoke_subaccount', revoke)).status).toBe(200);
    expect(await h.dispatcher.call('retrieve', retrieveAs(reader))).toEqual({
      status: 401,
      body: 'retrieve signature verification failed',
    });
  });
});

describe('the reason behind Session’s text', () => {
  it('goes to the node’s log, not to the answer', async () => {
    const lines: {
      fields: { method?: string; status?: number; reason?: string };
      message: string;
    }[] = [];
    const record = ((fields: { reason?: string }, message: string) => {
      lines.push({ fields, message });
    }) as Logger['debug'];
    const logger: Logger = { ...silentLogger(), debug: record };
    const dispatcher = createRpcDispatcher({ ...h.context, logger });
    const alice = h.account();
    const mallory = h.account();
    // Signed by Mallory, who claims her key for Alice's account.
    const forged = h.sign('retrieve', mallory, { namespace: 0, timestamp: TEST_NOW });
    const result = await dispatcher.call('retrieve', { ...forged, pubkey: alice.sessionId });
    expect(result).toEqual({ status: 401, body: 'retrieve signature verification failed' });
    const refusal = lines.find((line) => line.message === 'storage RPC refused');
    expect(refusal?.fields).toMatchObject({ method: 'retrieve', status: 401 });
    expect(refusal?.fields.reason).toMatch(/`pubkey_ed25519` does not belong to `pubkey`/);
  });
});

describe('an unexpected failure', () => {
  it('answers 500 "request failed", as Session’s server, and logs the cause', async () => {
    const errors: unknown[] = [];
    const logger: Logger = {
      ...silentLogger(),
      error: ((fields: unknown) => {
        errors.push(fields);
      }) as Logger['error'],
    };
    const broken = new Proxy(h.store, {
      get(target, key) {
        if (key === 'retrieve') {
          return () => {
            throw new Error('disk gone');
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const dispatcher = createRpcDispatcher({ ...h.context, store: broken, logger });
    const alice = h.account();
    const signed = h.sign('retrieve', alice, { namespace: 0, timestamp: TEST_NOW });
    expect(await dispatcher.call('retrieve', { ...signed, pubkey: alice.sessionId })).toEqual({
      status: 500,
      body: 'request failed',
    });
    expect(errors).toHaveLength(1);
  });
});

describe('get_expiries', () => {
  it('answers expiries alone, as Session’s server', async () => {
    const alice = h.account();
    const hash = await storePublic(alice.sessionId, 'e');
    const signed = h.sign('get_expiries', alice, {
      pubkey: alice.sessionId,
      messages: [hash],
      timestamp: TEST_NOW,
    });
    expect(okBody(await h.dispatcher.call('get_expiries', signed))).toEqual({
      expiries: { [hash]: TEST_NOW + 60_000 },
    });
  });
});

describe('revoke_subaccount and unrevoke_subaccount', () => {
  function tokens(count: number): Uint8Array[] {
    return Array.from({ length: count }, () => {
      const token = new Uint8Array(36);
      token[0] = 0x03;
      token[1] = 0x01;
      token.set(h.crypto.randomBytes(32), 4);
      return token;
    });
  }

  it('caps the revoke list at 50 but takes an unrevoke of any length', async () => {
    const group = h.group();
    const revoked = tokens(50);
    const signed = (method: 'revoke_subaccount' | 'unrevoke_subaccount', list: Uint8Array[]) => {
      const key = method === 'revoke_subaccount' ? 'revoke' : 'unrevoke';
      return {
        pubkey: group.pubkey,
        [key]: list.map((token) => Buffer.from(token).toString('base64')),
        timestamp: TEST_NOW,
        signature: h.crypto.signRequest(
          method,
          { timestamp: TEST_NOW, [key]: list },
          group.secretKey,
        ),
      };
    };
    expect(
      await h.dispatcher.call('revoke_subaccount', signed('revoke_subaccount', tokens(51))),
    ).toEqual({
      status: 400,
      body: 'invalid request: invalid revoke: cannot revoke more than 50 subaccounts at once',
    });
    expect(
      (await h.dispatcher.call('revoke_subaccount', signed('revoke_subaccount', revoked))).status,
    ).toBe(200);
    const unrevoke = [...revoked, ...tokens(11)];
    const body = okBody(
      await h.dispatcher.call('unrevoke_subaccount', signed('unrevoke_subaccount', unrevoke)),
    );
    const members = Object.values(body.swarm as Record<string, { count?: number }>);
    expect(members.map((member) => member.count)).toEqual(members.map(() => 50));
  });
});

/** An `ifelse` answer. */
interface IfElseAnswer {
  hf: number[];
  v: number[];
  height: number;
  condition: boolean;
  result?: { code: number; body: unknown };
}

function ifElseAnswer(result: RpcResult): IfElseAnswer {
  return okBody(result) as unknown as IfElseAnswer;
}

describe('ifelse', () => {
  const store = (pubkey: string, text: string) => ({
    method: 'store',
    params: { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: data(text) },
  });

  it('runs then or else by hard fork, version and height, and answers the condition', async () => {
    const alice = h.account();
    const run = async (params: unknown) => ifElseAnswer(await h.dispatcher.call('ifelse', params));

    const no = await run({
      if: { hf_at_least: [2_000_000] },
      then: store(alice.sessionId, 'yes'),
      else: store(alice.sessionId, 'no'),
    });
    expect(no).toMatchObject({
      hf: [...HARDFORK],
      v: [...STORAGE_SERVER_VERSION],
      height: 10,
      condition: false,
      result: { code: 200 },
    });
    const noBody = (no.result as { body: AnswerBody }).body;
    expect(noBody.hash).toBe(h.crypto.messageHash(alice.sessionId, 0, Buffer.from('no')));

    const cases: [Record<string, unknown>, boolean][] = [
      [{ hf_at_least: [HARDFORK[0]] }, true],
      [{ hf_at_least: [HARDFORK[0], HARDFORK[1] + 1] }, false],
      [{ hf_before: [HARDFORK[0]] }, false],
      [{ hf_before: [99_999, 99] }, true],
      [{ v_at_least: [2, 2] }, true],
      [{ v_before: [2, 8] }, false],
      [{ height_at_least: 10 }, true],
      [{ height_before: 10 }, false],
      [{ hf_at_least: [HARDFORK[0]], height_before: 1234 }, true],
      [{ hf_at_least: [], height_at_least: 11 }, false],
    ];
    for (const [condition, expected] of cases) {
      const answer = await run({ if: condition, then: { method: 'info', params: {} } });
      expect(answer.condition, JSON.stringify(condition)).toBe(expected);
      expect('result' in answer, JSON.stringify(condition)).toBe(expected);
    }
  });

  it('nests ifelse and batch in its branches, and answers a branch’s refusal as its result', async () => {
    const alice = h.account();
    const nested = ifElseAnswer(
      await h.dispatcher.call('ifelse', {
        if: { hf_at_least: [19] },
        then: {
          method: 'ifelse',
          params: {
            if: { height_at_least: 5 },
            then: {
              method: 'batch',
              params: { requests: [store(alice.sessionId, 'a'), store(alice.sessionId, 'b')] },
            },
          },
        },
      }),
    );
    const inner = nested.result?.body as IfElseAnswer;
    expect(inner.condition).toBe(true);
    const batch = inner.result?.body as AnswerBody;
    expect(batch.results?.map((result) => result.code)).toEqual([200, 200]);
    expect(h.store.stats().messages).toBe(2);

    const refused = ifElseAnswer(
      await h.dispatcher.call('ifelse', {
        if: { hf_at_least: [19] },
        then: { method: 'retrieve', params: { pubkey: alice.sessionId } },
      }),
    );
    expect(refused.result).toEqual({ code: 401, body: 'retrieve: request signature required' });
  });

  it('refuses a request without a condition or a branch, or inside a batch, with Session’s texts', async () => {
    const info = { method: 'info', params: {} };
    const cases: [unknown, string][] = [
      [{ then: info }, 'invalid request: Invalid ifelse request: no valid "if" field'],
      [
        { if: {}, then: info },
        'invalid request: Invalid ifelse request: must specify at least one "if" condition',
      ],
      [
        { if: { hf_at_least: [19] } },
        'invalid request: Invalid ifelse request: at least one of "then"/"else" required',
      ],
      [
        { if: { hf_at_least: [19] }, then: { method: 'nope', params: {} } },
        'invalid request: Invalid ifelse request method "then"',
      ],
      [
        { if: { hf_at_least: [19] }, else: { method: 'info' } },
        'invalid request: Invalid ifelse request: else must have method/params keys',
      ],
    ];
    for (const [params, body] of cases) {
      expect(await h.dispatcher.call('ifelse', params)).toEqual({ status: 400, body });
    }
    expect(
      await h.dispatcher.call('batch', {
        requests: [{ method: 'ifelse', params: { if: { hf_at_least: [19] }, then: info } }],
      }),
    ).toEqual({
      status: 400,
      body: 'invalid request: Invalid batch subrequest: subrequests may not contain meta-requests',
    });
  });
});
