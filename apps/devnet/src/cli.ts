#!/usr/bin/env node
/**
 * The `murmur-devnet` executable: a thin dispatcher over the commands in `commands/`.
 */
import { processIo } from './cli/args.js';
import { runCli } from './cli/dispatch.js';

// A launcher that stops reading our stdout must not crash a running ledger (EPIPE).
process.stdout.on('error', () => undefined);
const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// Leave the event loop to drain; a handle left open by a library must not keep us alive.
setTimeout(() => process.exit(code), 2_000).unref();
