import { AbortError, NotFoundError, RequestTimeoutError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import type { StateResponse, TransactionStatusResponse, WalletResponse } from './ledger-api.js';
import { fetchNextNonce, waitForTransaction } from './ledger-calls.js';

const address = 'ab'.repeat(32);
const state = { wallets: [{ address, nonce: 4 }] } as unknown as StateResponse;

describe('fetchNextNonce', () => {
  it("is the ledger's nextNonce (it counts the mempool)", async () => {
    const ledger = {
      getWallet: async () => ({ nextNonce: 7 }) as WalletResponse,
      getState: async () => state,
    };
    expect(await fetchNextNonce(ledger, address)).toBe(7);
  });

  it('falls back to the state when the route is missing or odd', async () => {
    const ledger = {
      getWallet: async (): Promise<WalletResponse> => {
        throw new NotFoundError('no route');
      },
      getState: async () => state,
    };
    expect(await fetchNextNonce(ledger, address)).toBe(5);
    expect(await fetchNextNonce(ledger, 'cd'.repeat(32))).toBe(1);
  });

  it('never falls back on an abort or a timeout', async () => {
    let stateAsked = 0;
    const failing = (error: Error) => ({
      getWallet: async (): Promise<WalletResponse> => {
        throw error;
      },
      getState: async () => {
        stateAsked += 1;
        return state;
      },
    });
    await expect(fetchNextNonce(failing(new AbortError()), address)).rejects.toBeInstanceOf(
      AbortError,
    );
    await expect(
      fetchNextNonce(failing(new RequestTimeoutError('slow')), address),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
    const controller = new AbortController();
    controller.abort();
    await expect(
      fetchNextNonce(failing(new TypeError('fetch failed')), address, {
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(stateAsked).toBe(0);
  });
});

describe('waitForTransaction', () => {
  const answering = (answers: TransactionStatusResponse[]) => {
    let asked = 0;
    return {
      asked: () => asked,
      getTransactionStatus: async () => {
        const answer = answers[Math.min(asked, answers.length - 1)];
        asked += 1;
        return answer as TransactionStatusResponse;
      },
    };
  };

  it('resolves the height once the transaction is in a block', async () => {
    const ledger = answering([
      { id: 'a', status: 'pending' },
      { id: 'a', status: 'pending' },
      { id: 'a', status: 'included', height: 9 },
    ]);
    expect(await waitForTransaction(ledger, 'a', { pollMs: 1 })).toBe(9);
    expect(ledger.asked()).toBe(3);
  });

  it('fails at once with NotFoundError when the ledger does not know it', async () => {
    const ledger = answering([{ id: 'a', status: 'unknown' }]);
    await expect(waitForTransaction(ledger, 'a', { pollMs: 1 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(ledger.asked()).toBe(1);
  });

  it('times out with RequestTimeoutError while pending, and stops on abort', async () => {
    const pending = answering([{ id: 'a', status: 'pending' }]);
    await expect(
      waitForTransaction(pending, 'a', { pollMs: 1, timeoutMs: 5 }),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
    const controller = new AbortController();
    const waiting = waitForTransaction(pending, 'a', { pollMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });
});
