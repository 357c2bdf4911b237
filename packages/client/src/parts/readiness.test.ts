import { describe, expect, it } from 'vitest';
import { createReadiness } from './readiness.js';

function source() {
  let ready = false;
  const listeners = new Set<() => void>();
  return {
    set(value: boolean) {
      ready = value;
      for (const listener of [...listeners]) listener();
    },
    listeners,
    whenReady: createReadiness({
      ready: () => ready,
      subscribe: (check) => {
        listeners.add(check);
        return [() => listeners.delete(check)];
      },
    }),
  };
}

describe('readiness', () => {
  it('resolves at once when ready, else on the change that makes it ready, and unsubscribes', async () => {
    const s = source();
    let done = false;
    const waiting = s.whenReady().then(() => {
      done = true;
    });
    expect(s.listeners.size).toBe(1);
    s.set(false);
    await Promise.resolve();
    expect(done).toBe(false);
    s.set(true);
    await waiting;
    expect(done).toBe(true);
    expect(s.listeners.size).toBe(0);
    await s.whenReady(); // ready now: no subscription
    expect(s.listeners.size).toBe(0);
  });

  it('rejects with ABORTED on the signal, before or while waiting, and leaves no listener', async () => {
    const s = source();
    const controller = new AbortController();
    const waiting = s.whenReady({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(s.listeners.size).toBe(0);
    // Already aborted: throws at once (as `MurmurClient.whenReady` always did).
    expect(() => s.whenReady({ signal: controller.signal })).toThrow(
      expect.objectContaining({ code: 'ABORTED' }),
    );
    expect(s.listeners.size).toBe(0);
  });
});
