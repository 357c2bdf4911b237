/**
 * Runs once before the e2e files: the suite needs the built programs and builds nothing itself.
 */

import { programsFromEnvironment } from '@murmur/testnet';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  // The configuration's env names the programs (MURMUR_LEDGER_CLI, MURMUR_NODE_CLI). Throws
  // MissingBuildError: "run `pnpm build` first (missing …/dist/cli.js; …)".
  programsFromEnvironment({ ...process.env, ...project.config.env });
}
