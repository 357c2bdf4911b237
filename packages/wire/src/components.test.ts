import { describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from './components.js';

describe('silentLogger', () => {
  it('accepts every call and returns itself as child', () => {
    const logger = silentLogger();
    expect(() => {
      logger.trace('x');
      logger.debug({ a: 1 }, 'x');
      logger.info('x');
      logger.warn({ a: 1 });
      logger.error('x');
    }).not.toThrow();
    expect(logger.child({ component: 'test' })).toBe(logger);
  });
});

describe('systemClock', () => {
  it('reads Date.now and cannot be replaced', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(Object.isFrozen(systemClock)).toBe(true);
  });
});
