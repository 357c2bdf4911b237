#!/usr/bin/env node
/**
 * `murmur-desktop`'s entry: tunes V8's heap for a long-running, mostly idle daemon before
 * anything else is loaded, then runs `cli-main.ts`.
 *
 * Where the idle memory went (one account, `/proc/<pid>/status`; see docs/BENCHMARKS.md
 * "Desktop"): of 127 MB, 48 MB are file-backed pages (Node's binary, the native addons) and 79 MB
 * anonymous memory. Node alone is 42 MB; importing `@murmur/wire` (its TypeBox checkers, loaded
 * by every Murmur package) adds about 20 MB, `@murmur/client` 7, fastify 3, the crypto backends
 * (sodium-native, the libsodium WebAssembly build for ML-KEM) 4, the rest (pino, prom-client,
 * ws, uqr, better-sqlite3) about 1 each. On top of that V8's young generation had grown to its
 * default maximum during the start-up burst, and an idle process never gives it back. A daemon
 * that handles a few messages a minute gains nothing from a large young generation, so it is kept
 * at 1 MB semi-spaces that do not grow (a few more, cheap, scavenges under load), and V8 favours
 * size over speed: 45 MB anonymous instead of 79. `MURMUR_DESKTOP_V8_FLAGS` replaces the flags
 * (empty: V8's defaults).
 */
import { setFlagsFromString } from 'node:v8';

/** Young generation kept small; V8 favours memory size over speed of rarely run code. */
export const DESKTOP_V8_FLAGS =
  '--max-semi-space-size=1 --semi-space-growth-factor=1 --optimize-for-size';

const flags = process.env['MURMUR_DESKTOP_V8_FLAGS'] ?? DESKTOP_V8_FLAGS;
for (const flag of flags.split(/\s+/)) if (flag !== '') setFlagsFromString(flag);
await import('./cli-main.js');
