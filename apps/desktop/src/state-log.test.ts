import { describe, expect, it } from 'vitest';
import { createStateLog } from '../ui/src/state-log.js';

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
