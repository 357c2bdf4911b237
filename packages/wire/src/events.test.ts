import { describe, expect, it, vi } from 'vitest';
import { createEmitter } from './events.js';

interface Events {
  tick: number;
  name: string;
}

describe('createEmitter', () => {
  it('calls the listeners of an event in order, and only those', () => {
    const emitter = createEmitter<Events>();
    const calls: string[] = [];
    emitter.on('tick', (n) => calls.push(`a${n}`));
    emitter.on('tick', (n) => calls.push(`b${n}`));
    emitter.on('name', (s) => calls.push(s));
    emitter.emit('tick', 1);
    expect(calls).toEqual(['a1', 'b1']);
    expect(emitter.listenerCount('tick')).toBe(2);
  });

  it('removes listeners through the returned function, off() and clear()', () => {
    const emitter = createEmitter<Events>();
    const listener = vi.fn();
    const remove = emitter.on('tick', listener);
    remove();
    emitter.emit('tick', 1);
    emitter.on('tick', listener);
    emitter.off('tick', listener);
    emitter.emit('tick', 2);
    emitter.on('tick', listener);
    emitter.clear();
    emitter.emit('tick', 3);
    expect(listener).not.toHaveBeenCalled();
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('lets a listener remove itself while the event is being emitted', () => {
    const emitter = createEmitter<Events>();
    const seen: number[] = [];
    const remove = emitter.on('tick', (n) => {
      seen.push(n);
      remove();
    });
    emitter.on('tick', (n) => seen.push(n * 10));
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(seen).toEqual([1, 10, 20]);
  });

  it('reports a throwing listener and still calls the others', () => {
    const errors: [unknown, string][] = [];
    const emitter = createEmitter<Events>((error, name) => errors.push([error, String(name)]));
    const after = vi.fn();
    const boom = new Error('boom');
    emitter.on('tick', () => {
      throw boom;
    });
    emitter.on('tick', after);
    emitter.emit('tick', 1);
    expect(after).toHaveBeenCalledWith(1);
    expect(errors).toEqual([[boom, 'tick']]);
  });
});
