#!/usr/bin/env node
/**
 * `murmur-desktop`'s entry: tunes V8's heap for a long-running, mostly idle daemon before
 * anything else is loaded, then runs `cli-main.ts`.
 *
 * Where the idle memory went (measured, see docs/BENCHMARKS.md "Desktop"): about 42 MB is Node
 * itself, the modules and live objects about 25 MB more, and about 20 MB was an empty young
 * generation: loading the modules (TypeBox checkers, fastify, the crypto backends) allocates a
 * burst that grows V8's new space to its default maximum, and an idle process never gives it
 * back. A daemon that handles a few messages a minute gains nothing from a large new space, so
 * it is capped here (a few more, cheap, scavenges under load). `MURMUR_DESKTOP_V8_FLAGS` replaces
 * the flags (empty: V8's defaults).
 */
import { setFlagsFromString } from 'node:v8';

/** Young generation kept small; V8 favours memory size over speed of rarely run code. */
export const DESKTOP_V8_FLAGS =
  '--max-semi-space-size=1 --semi-space-growth-factor=1 --optimize-for-size';

const flags = process.env['MURMUR_DESKTOP_V8_FLAGS'] ?? DESKTOP_V8_FLAGS;
for (const flag of flags.split(/\s+/)) if (flag !== '') setFlagsFromString(flag);
await import('./cli-main.js');
