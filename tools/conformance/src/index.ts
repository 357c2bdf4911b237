/**
 * `@murmur/conformance`: runs Session's storage-server test suite against a Murmur devnet.
 */
export { type CommandLine, parseCommandLine, USAGE } from './command-line.js';
export {
  type RunningDevnet,
  type StartDevnetOptions,
  seedHeight,
  startDevnet,
  waitForHeight,
} from './devnet.js';
export {
  DOCUMENTED_FAILURES,
  formatResults,
  formatTally,
  parseReport,
  type Tally,
  type TestResult,
  tally,
  undocumentedFailures,
} from './report.js';
export {
  type ExtractedSuite,
  extractSuite,
  locateSuite,
  SUITE_DIR,
  SuiteNotFoundError,
  type SuiteSource,
} from './suite.js';
