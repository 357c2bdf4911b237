/**
 * Message states arrive by two roads: the event stream (`message-state`, in the order the daemon
 * emitted them) and HTTP answers (a send, a retry, a history page), each a snapshot the daemon
 * took at some moment while the request was in flight. The roads are not ordered with each
 * other: under load the answer to a retry (`queued`) can reach the page after the stream already
 * said `sent`, and applying it would show `queued` for good.
 *
 * The rule: remember the last state the stream reported for each message, numbered in arrival
 * order. An answer to a request that left at mark `m` keeps its snapshot only when the stream
 * said nothing of that message since `m`; otherwise the stream's latest state wins (any later
 * change comes through the stream too, so the last word is always the stream's). Events for a
 * message the page does not show yet (a send whose answer is still on its way) are kept the
 * same way and applied when it appears.
 */

/** What the stream reports of a message's state. */
export interface StreamedState<State extends string, Protocol extends string> {
  state: State;
  protocol?: Protocol;
}

/** The latest streamed state per message, bounded (oldest forgotten first). */
export interface StateLog<State extends string, Protocol extends string> {
  /** The mark to take when a request leaves. */
  mark(): number;
  /** Records a `message-state` event. */
  record(id: string, update: StreamedState<State, Protocol>): void;
  /**
   * The message as it should show, given an answer to a request that left at `since`: the
   * snapshot, or with the stream's state when the stream spoke of it after `since`.
   */
  settle<M extends { id: string; state?: State | undefined; protocol?: Protocol | undefined }>(
    message: M,
    since: number,
  ): M;
}

/** A state log remembering at most `limit` messages (default 2,000). */
export function createStateLog<State extends string, Protocol extends string>(
  limit = 2_000,
): StateLog<State, Protocol> {
  let sequence = 0;
  const latest = new Map<string, { at: number; update: StreamedState<State, Protocol> }>();
  return {
    mark: () => sequence,
    record(id, update) {
      sequence++;
      // Re-inserted so that the map's order is arrival order and the oldest go first.
      latest.delete(id);
      latest.set(id, { at: sequence, update });
      while (latest.size > limit) {
        const oldest = latest.keys().next().value as string;
        latest.delete(oldest);
      }
    },
    settle(message, since) {
      const known = latest.get(message.id);
      if (known === undefined || known.at <= since) return message;
      return {
        ...message,
        state: known.update.state,
        ...(known.update.protocol === undefined ? {} : { protocol: known.update.protocol }),
      };
    },
  };
}

/**
 * The same rule for a whole state rather than per message: the accounts list and an account's
 * health (the stream reports them whole: `accounts`, `health`), the conversation list (the
 * stream says it changed, `conversations`, and the page fetches it again), the settings.
 *
 * - Overlapping requests come back in any order: an answer is dropped when the answer of a
 *   request that left after it was already applied.
 * - When the stream carries the state itself, an answer is dropped when the stream reported it
 *   after the request left: every change of such a state is streamed, so the stream's last word
 *   is at least as new as the snapshot (and whatever changes later is streamed too).
 */
export interface SnapshotOrder {
  /** The ticket to take when a request leaves. */
  begin(): number;
  /** Records that the stream reported the state (before the page applies it). */
  streamed(): void;
  /** Whether the answer to the request with `ticket` may be applied; if so, it is now the newest. */
  accept(ticket: number): boolean;
}

export function createSnapshotOrder(): SnapshotOrder {
  let clock = 0;
  let newest = 0;
  return {
    begin: () => ++clock,
    streamed() {
      newest = ++clock;
    },
    accept(ticket) {
      if (ticket < newest) return false;
      newest = ticket;
      return true;
    },
  };
}
