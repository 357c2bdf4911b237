/**
 * `murmur-node init` for many data directories in one process: a small ES module run with
 * `node --input-type=module -e`, which imports murmur-node's CLI module and calls its exported
 * `main(['init', …])` — the very code `murmur-node init` runs — once per node. Loading the CLI
 * module costs about half a second of CPU; paying it once instead of once per node keeps a
 * 20-node start quick. It exits with {@link NO_MAIN_EXIT_CODE} when the CLI exports no `main`,
 * and the caller then runs the CLI once per node.
 *
 * Its output (one `{"testnet":"init","name":…}` line before each node, then the CLI's own
 * output) goes to `<dir>/logs/init.log`.
 */

/** Exit code of the runner when the CLI module has no `main` export. */
export const NO_MAIN_EXIT_CODE = 90;

/** One node to initialise: its name and the flags of `murmur-node init`. */
export interface InitJob {
  name: string;
  args: string[];
}

/** The runner's source (argv: the CLI file, then the jobs as JSON). */
export const INIT_RUNNER_SOURCE = `
import { pathToFileURL } from 'node:url';
const [cli, jobsText] = process.argv.slice(1);
const jobs = JSON.parse(jobsText);
const cliModule = await import(pathToFileURL(cli).href);
if (typeof cliModule.main !== 'function') {
  process.stderr.write(cli + ' exports no main function\\n');
  process.exit(${NO_MAIN_EXIT_CODE});
}
const io = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
for (const job of jobs) {
  process.stdout.write(JSON.stringify({ testnet: 'init', name: job.name }) + '\\n');
  const code = await cliModule.main(['init', ...job.args], io);
  if (code !== 0) {
    process.stdout.write(JSON.stringify({ testnet: 'init-failed', name: job.name, code }) + '\\n');
    process.exit(code === ${NO_MAIN_EXIT_CODE} ? 1 : code);
  }
}
process.exit(0);
`;

/** The arguments of `node` that run the runner on `jobs`. */
export function initRunnerArgs(nodeCli: string, jobs: readonly InitJob[]): string[] {
  return ['--input-type=module', '-e', INIT_RUNNER_SOURCE, nodeCli, JSON.stringify(jobs)];
}

/** The node whose init failed, from the runner's output (its last `init-failed` line). */
export function failedInitNode(output: string): string | undefined {
  let name: string | undefined;
  for (const line of output.split('\n')) {
    if (!line.includes('"init-failed"')) continue;
    try {
      const event = JSON.parse(line) as { testnet?: unknown; name?: unknown };
      if (event.testnet === 'init-failed' && typeof event.name === 'string') name = event.name;
    } catch {
      // Another program's line.
    }
  }
  return name;
}
