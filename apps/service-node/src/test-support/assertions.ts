/**
 * Assertions shared by the RPC and route tests.
 */
import { expect } from 'vitest';
import type { RpcResult } from '../rpc/context.js';
import type { MessageStore } from '../storage/message-store.js';

/** Everything the store holds, as comparable text (hash, namespace, expiry per message). */
export function storeContents(store: MessageStore): string[] {
  return store
    .messagesAfter(0, 1_000_000)
    .map((m) => `${m.owner}/${m.namespace}/${m.hash}/${m.expiry}/${m.timestamp}`);
}

/** Runs `action` and checks that the store holds exactly the same messages afterwards. */
export async function expectStoreUnchanged<T>(
  store: MessageStore,
  action: () => Promise<T>,
): Promise<T> {
  const before = storeContents(store);
  const result = await action();
  expect(storeContents(store)).toEqual(before);
  return result;
}

/** Asserts an error answer: its status and that its text matches `message`. */
export function expectRefusal(result: RpcResult, status: number, message: RegExp): void {
  expect({ status: result.status, body: result.body }).toMatchObject({ status });
  const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  expect(text).toMatch(message);
}

/** One swarm member's result, with the fields tests read. */
export interface MemberAnswer {
  [key: string]: unknown;
  hash?: string;
  signature?: string;
  expiry?: number | number[];
  already?: boolean;
  deleted?: string[] | Record<string, string[]>;
  updated?: string[] | Record<string, string[]>;
  unchanged?: Record<string, number>;
  count?: number;
  failed?: boolean;
}

/** A JSON answer, with the fields tests read. */
export interface AnswerBody {
  [key: string]: unknown;
  hash?: string;
  swarm?: Record<string, MemberAnswer> | string;
  messages?: { hash: string; timestamp: number; expiration: number; data: string }[];
  more?: boolean;
  results?: { code: number; body: unknown }[];
  expiries?: Record<string, number>;
  t?: number;
  hf?: number[];
}

/** The body of a successful JSON answer. */
export function okBody(result: RpcResult): AnswerBody {
  if (result.status !== 200 || typeof result.body === 'string') {
    throw new Error(
      `expected a 200 JSON answer, got ${result.status}: ${JSON.stringify(result.body)}`,
    );
  }
  return result.body as AnswerBody;
}
