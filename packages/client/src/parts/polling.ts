/**
 * Polling: one poll round. A signed `batch` of `retrieve`s (one per namespace, each from the
 * last hash seen there) to the account's swarm; the messages go to the receiver, then the last
 * hash is stored; retrieved messages are deleted from the swarm when asked; every 100 rounds
 * the seen-hash table is pruned. The poller (`../poller.ts`) schedules the rounds.
 */
import type { Identity, MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  bytesToHex,
  errorFromResponse,
  InvalidResponseError,
  parseResponse,
  type RetrieveResponse,
} from '@murmur/wire';
import type { Receiver } from '../receiver.js';
import type { ClientStorage } from '../storage/types.js';
import type { Transport } from '../transport.js';

/** The storage key of the last hash retrieved from a namespace. */
export function lastHashKey(sessionId: string, namespace: number): string {
  return `murmur:client:last-hash:${sessionId}:${namespace}`;
}

/** Polling options. */
export interface PollRoundInit {
  /** The namespaces polled. */
  namespaces: readonly number[];
  /** Delete messages from the swarm once processed. */
  deleteAfterRetrieve: boolean;
  /** Seen message hashes kept at most. */
  maxSeenHashes: number;
}

/** What a poll round uses. */
export interface PollRoundComponents {
  crypto: Pick<MurmurCrypto, 'signRequest'>;
  storage: Pick<ClientStorage, 'getValue' | 'setValue' | 'pruneSeenHashes'>;
  transport: Pick<Transport, 'swarmRequest'>;
  receiver: Pick<Receiver, 'process'>;
  /** The account (throws when there is none). */
  identity(): Promise<Identity>;
  /** Network time, ms. */
  now(): number;
  /** Deletes processed messages from the swarm. */
  deleteMessages(self: Identity, hashes: string[]): Promise<void>;
  /** Reports a failed deletion (the round does not wait for it). */
  onDeleteError(error: unknown): void;
}

/** One poll round: resolves with whether the swarm has more. */
export type PollRound = (options: AbortOptions) => Promise<{ more: boolean }>;

/** Creates the poll round. */
export function createPollRound(init: PollRoundInit, components: PollRoundComponents): PollRound {
  const { namespaces } = init;
  const { crypto, storage, transport, receiver } = components;
  let pollsSincePrune = 0;

  return async (options) => {
    const self = await components.identity();
    const lastHashes = await Promise.all(
      namespaces.map((namespace) => storage.getValue(lastHashKey(self.sessionId, namespace))),
    );
    const ed25519 = bytesToHex(self.ed25519.publicKey);
    const { value: answers } = await transport.swarmRequest(
      {
        pubkey: self.sessionId,
        method: 'batch',
        params: (now) => ({
          requests: namespaces.map((namespace, index) => {
            const lastHash = lastHashes[index];
            const params: Record<string, unknown> = {
              pubkey: self.sessionId,
              namespace,
              timestamp: now,
              pubkey_ed25519: ed25519,
              signature: crypto.signRequest(
                'retrieve',
                { namespace, timestamp: now },
                self.ed25519.secretKey,
              ),
              ...(lastHash === undefined || lastHash === '' ? {} : { last_hash: lastHash }),
            };
            return { method: 'retrieve', params };
          }),
        }),
        parse: (body) => {
          const batch = parseResponse('batch', body);
          if (batch.results.length !== namespaces.length) {
            throw new InvalidResponseError(
              `batch: ${batch.results.length} results for ${namespaces.length} retrieves`,
            );
          }
          const failures = batch.results
            .filter((result) => result.code < 200 || result.code > 299)
            .map((result) => errorFromResponse(result.code, result.body));
          // The transport handles a wrong swarm and a clock error: report those first.
          const first =
            failures.find((error) => error.code === 'WRONG_SWARM') ??
            failures.find((error) => error.code === 'CLOCK_OUT_OF_SYNC') ??
            failures[0];
          if (first !== undefined) throw first;
          return batch.results.map((result) => parseResponse('retrieve', result.body));
        },
      },
      options,
    );

    let more = false;
    const processed: string[] = [];
    for (const [index, namespace] of namespaces.entries()) {
      const answer = answers[index] as RetrieveResponse;
      const result = await receiver.process(self, namespace, answer.messages);
      processed.push(...result.processed);
      const last = answer.messages.at(-1);
      // Stored after the messages: a crash in between re-delivers (and de-duplicates).
      if (last !== undefined)
        await storage.setValue(lastHashKey(self.sessionId, namespace), last.hash);
      more ||= answer.more;
    }
    if (init.deleteAfterRetrieve && processed.length > 0) {
      void components
        .deleteMessages(self, processed)
        .catch((error: unknown) => components.onDeleteError(error));
    }
    if (++pollsSincePrune >= 100) {
      pollsSincePrune = 0;
      await storage.pruneSeenHashes(components.now(), init.maxSeenHashes);
    }
    return { more };
  };
}
