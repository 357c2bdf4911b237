import { describe, expect, it } from 'vitest';
import { createSnapshotOrder, createStateLog } from '../ui/src/state-log.js';

type State = 'securing' | 'queued' | 'sending' | 'sent' | 'failed';
type Protocol = 'v1' | 'v2' | 'v2-no-pfs';

describe("the conversation's state log (HTTP answers never undo the event stream)", () => {
  it("keeps a retry's late answer from undoing the `sent` the stream already reported", () => {
    const log = createStateLog<State, Protocol>();
    const since = log.mark();
    // The daemon emits queued, sending, sent while the answer (a `queued` snapshot) is late.
    log.record('m1', { state: 'queued' });
    log.record('m1', { state: 'sending' });
    log.record('m1', { state: 'sent', protocol: 'v2' });
    expect(log.settle({ id: 'm1', state: 'queued' as State }, since)).toEqual({
      id: 'm1',
      state: 'sent',
      protocol: 'v2',
    });
  });

  it("keeps the answer's snapshot when the stream said nothing of that message since the request left", () => {
    const log = createStateLog<State, Protocol>();
    log.record('m1', { state: 'sent' });
    log.record('other', { state: 'queued' });
    const since = log.mark();
    log.record('other', { state: 'sent' });
    const answer = { id: 'm1', state: 'failed' as State, text: 'hello' };
    expect(log.settle(answer, since)).toBe(answer);
    // A message the stream never spoke of.
    const fresh = { id: 'm9', state: 'queued' as State };
    expect(log.settle(fresh, since)).toBe(fresh);
  });

  it('applies states streamed before the message was shown (a send whose answer came last)', () => {
    const log = createStateLog<State, Protocol>();
    const since = log.mark();
    log.record('new', { state: 'sending' });
    log.record('new', { state: 'sent', protocol: 'v1' });
    expect(log.settle({ id: 'new', state: 'queued' as State, text: 'x' }, since)).toEqual({
      id: 'new',
      state: 'sent',
      protocol: 'v1',
      text: 'x',
    });
  });

  it('remembers a bounded number of messages, forgetting the least recently reported first', () => {
    const log = createStateLog<State, Protocol>(3);
    const since = log.mark();
    log.record('a', { state: 'sent' });
    log.record('b', { state: 'sent' });
    log.record('c', { state: 'sent' });
    log.record('a', { state: 'failed' });
    log.record('d', { state: 'sent' });
    // `b` was the oldest report: forgotten, so its snapshot stands.
    expect(log.settle({ id: 'b', state: 'queued' as State }, since).state).toBe('queued');
    expect(log.settle({ id: 'a', state: 'queued' as State }, since).state).toBe('failed');
    expect(log.settle({ id: 'c', state: 'queued' as State }, since).state).toBe('sent');
    expect(log.settle({ id: 'd', state: 'queued' as State }, since).state).toBe('sent');
  });
});

describe('whole states (the accounts list, health, the conversation list, settings)', () => {
  it('drops the late answer of an older request once a newer one was shown', () => {
    const order = createSnapshotOrder();
    // Two refreshes of the conversation list overlap: the first (an unread count of 1) comes
    // back after the second (read: 0).
    const first = order.begin();
    const second = order.begin();
    expect(order.accept(second)).toBe(true);
    expect(order.accept(first)).toBe(false);
    // In their own order both apply.
    const third = order.begin();
    const fourth = order.begin();
    expect(order.accept(third)).toBe(true);
    expect(order.accept(fourth)).toBe(true);
  });

  it('drops an answer whose request left before the stream reported the state', () => {
    const order = createSnapshotOrder();
    // A GET of the accounts leaves; the stream reports an unlock; the answer (locked) comes last.
    const ticket = order.begin();
    order.streamed();
    expect(order.accept(ticket)).toBe(false);
    // A request that leaves after the stream spoke is applied.
    const later = order.begin();
    expect(order.accept(later)).toBe(true);
  });

  it('applies every answer when the stream is silent and requests do not overlap', () => {
    const order = createSnapshotOrder();
    let applied = 0;
    for (let i = 0; i < 5; i++) if (order.accept(order.begin())) applied++;
    expect(applied).toBe(5);
  });
});
