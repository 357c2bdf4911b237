/**
 * Runs once before the e2e files: the suite needs the built programs and builds nothing itself.
 */
import { resolvePrograms } from '../../src/cli-paths.js';

export default function setup(): void {
  // Throws MissingBuildError: "run `pnpm build` first (missing apps/service-node/dist/cli.js; …)".
  resolvePrograms();
}
