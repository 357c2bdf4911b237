#!/usr/bin/env node
/**
 * `murmur-relay`'s entry: tunes V8's heap before anything else is loaded, then runs
 * `cli-main.ts` (as `murmur-desktop` does).
 *
 * A relay's work is many small short-lived objects (a 2048-byte cell, its decoded form, a
 * layer's output) that die young. V8's default lets the young generation grow to 16 MiB
 * semi-spaces during a burst and never gives the memory back. Kept at 1 MiB semi-spaces that do
 * not grow, a relay with 1,000 open circuits measured about 10 MiB less resident memory (74
 * against 84 MiB) with no loss of cell forwarding throughput in the same run
 * (`pnpm --filter @murmur/bench run bench:circuits`, docs/BENCHMARKS.md "Circuits").
 * `MURMUR_RELAY_V8_FLAGS` replaces the flags (empty: V8's defaults).
 */
import { setFlagsFromString } from 'node:v8';
import { relayV8Flags } from './v8-flags.js';

for (const flag of relayV8Flags(process.env)) setFlagsFromString(flag);
const { main } = await import('./cli-main.js');
main();
