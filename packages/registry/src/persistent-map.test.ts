import { InternalError } from '@murmur/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersistentMap } from './persistent-map.js';

const key = fc.oneof(
  fc.uint8Array({ minLength: 2, maxLength: 4 }).map((bytes) => Buffer.from(bytes).toString('hex')),
  fc.string({ maxLength: 4 }),
);
const operation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), key }),
);

describe('PersistentMap', () => {
  it('behaves as a Map, and drafts never change the map they came from (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(operation, { maxLength: 20 }), { maxLength: 6 }), (rounds) => {
        let map = PersistentMap.empty<number>();
        const model = new Map<string, number>();
        const history: [PersistentMap<number>, Map<string, number>][] = [];
        for (const round of rounds) {
          const draft = map.draft();
          for (const op of round) {
            if (op.kind === 'set') {
              draft.set(op.key, op.value);
              model.set(op.key, op.value);
            } else {
              draft.delete(op.key);
              model.delete(op.key);
            }
            expect(draft.size).toBe(model.size);
          }
          const next = draft.commit();
          if (round.length === 0) expect(next).toBe(map);
          history.push([next, new Map(model)]);
          map = next;
        }
        for (const [snapshot, expected] of history) {
          expect(snapshot.size).toBe(expected.size);
          expect(new Map(snapshot.entries())).toEqual(expected);
          expect(snapshot.sortedKeys()).toEqual([...expected.keys()].sort());
          for (const [k, v] of expected) {
            expect(snapshot.get(k)).toBe(v);
            expect(snapshot.has(k)).toBe(true);
          }
        }
      }),
    );
  });

  it('shares untouched shards and refuses use after commit', () => {
    const map = PersistentMap.from([
      ['aa01', 1],
      ['bb02', 2],
    ]);
    const draft = map.draft();
    draft.set('aa03', 3);
    const next = draft.commit();
    expect(next.get('bb02')).toBe(2);
    expect(map.has('aa03')).toBe(false);
    expect(draft.commit()).toBe(next);
    expect(() => draft.set('cc', 1)).toThrow(InternalError);
    expect([...PersistentMap.from([['x', 1]])]).toEqual([['x', 1]]);
  });
});
