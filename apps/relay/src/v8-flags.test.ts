import { describe, expect, it } from 'vitest';
import { RELAY_V8_FLAGS, relayV8Flags } from './v8-flags.js';

describe('relayV8Flags', () => {
  it('keeps the young generation small by default', () => {
    expect(relayV8Flags({})).toEqual(['--max-semi-space-size=1', '--semi-space-growth-factor=1']);
    expect(RELAY_V8_FLAGS.split(' ')).toEqual(relayV8Flags({}));
  });

  it('takes MURMUR_RELAY_V8_FLAGS instead, and none when it is empty', () => {
    expect(
      relayV8Flags({ MURMUR_RELAY_V8_FLAGS: ' --max-semi-space-size=4  --optimize-for-size ' }),
    ).toEqual(['--max-semi-space-size=4', '--optimize-for-size']);
    expect(relayV8Flags({ MURMUR_RELAY_V8_FLAGS: '' })).toEqual([]);
    expect(relayV8Flags({ MURMUR_RELAY_V8_FLAGS: '   ' })).toEqual([]);
  });
});
