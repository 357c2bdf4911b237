import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortError } from './errors.js';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('resolves after the time, with or without a signal', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('rejects with AbortError (cause: the reason) when aborted, before or during', async () => {
    const before = new AbortController();
    before.abort('stop');
    await expect(sleep(60_000, before.signal)).rejects.toBeInstanceOf(AbortError);
    const during = new AbortController();
    const waiting = sleep(60_000, during.signal);
    during.abort('later');
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError', cause: 'later' });
  });

  it('leaves no abort listener behind, however many sleeps share one signal', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(0, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
