/**
 * The command line of `murmur-sim`: options, defaults, usage text and their parsing into
 * {@link ScenarioOptions} plus the outputs to write.
 */
import { parseArgs } from 'node:util';
import { InvalidInputError } from '@murmur/wire';
import type { ScenarioOptions } from './scenario.js';

/** The defaults of the command line (the documented default run). */
export const CLI_DEFAULTS = Object.freeze({
  nodes: 10_000,
  blocks: 500,
  churn: 0.5,
  fail: 1,
  pubkeys: 1_000_000,
  params: 'oxen',
  seed: 'murmur',
} as const);

/** The usage text (`--help`). */
export const USAGE = `Usage: murmur-sim [options]

Runs the real @murmur/registry state machine (signed transactions, applyBlock) and
@murmur/swarm on a synthetic network, without any network: nodes join, churn, fail
uptime proofs; prints swarm sizes, what moves per block and how pubkeys spread.

Scenario
  --nodes <n>            nodes that join (default ${CLI_DEFAULTS.nodes})
  --blocks <n>           blocks of churn after the join and notice phases (default ${CLI_DEFAULTS.blocks})
  --churn <percent>      percent of the nodes that leave, and as many that join,
                         per block (default ${CLI_DEFAULTS.churn})
  --fail <percent>       percent of the nodes that stop sending uptime proofs during
                         the churn phase (default ${CLI_DEFAULTS.fail})
  --pubkeys <n>          random pubkeys modelling the stored data (default ${CLI_DEFAULTS.pubkeys})
  --params oxen|devnet   registry parameter set (default ${CLI_DEFAULTS.params}: 2-minute blocks)
  --seed <text>          seed of keys, choices and pubkeys (default "${CLI_DEFAULTS.seed}")
  --unlock-blocks <n>    blocks from an unlock request to the exit
                         (default: the set's value, at most 30)
  --join-batch <n>       registrations per block in the join phase (default 250)
  --pooled <percent>     percent of registrations pooled with contributors (default 10)

Output
  --svg <file>           write a chart of swarm sizes per block (SVG)
  --png <file>           the same chart as a PNG (rendered from the SVG by resvg)
  --json <file>          write every figure, per block and summarised (JSON)
  --markdown             print the summary tables as Markdown
  --quiet                no progress bar
  -h, --help             show this text
`;

/** What the command line asks for. */
export interface CommandLine {
  help: boolean;
  scenario: ScenarioOptions;
  svg: string | undefined;
  png: string | undefined;
  json: string | undefined;
  markdown: boolean;
  quiet: boolean;
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  const parsed = Number(trimmed.replace(/_/g, ''));
  if (trimmed === '' || !Number.isFinite(parsed)) {
    throw new InvalidInputError(`--${name} needs a number, got ${JSON.stringify(value)}`, {
      details: { field: name },
    });
  }
  return parsed;
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      nodes: { type: 'string' },
      blocks: { type: 'string' },
      churn: { type: 'string' },
      fail: { type: 'string' },
      pubkeys: { type: 'string' },
      params: { type: 'string' },
      seed: { type: 'string' },
      'unlock-blocks': { type: 'string' },
      'join-batch': { type: 'string' },
      pooled: { type: 'string' },
      svg: { type: 'string' },
      png: { type: 'string' },
      json: { type: 'string' },
      markdown: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

/**
 * Parses `argv` (without the node and script paths). Throws `InvalidInputError` for an unknown
 * option, a missing value or a value that is not a number where one is needed; the scenario's
 * own ranges are checked by `runScenario`.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
  } catch (error) {
    throw new InvalidInputError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  const text = (name: Exclude<keyof typeof values, 'markdown' | 'quiet' | 'help'>) => values[name];
  const params = text('params') ?? CLI_DEFAULTS.params;
  if (params !== 'oxen' && params !== 'devnet') {
    throw new InvalidInputError(`--params must be oxen or devnet, got ${JSON.stringify(params)}`, {
      details: { field: 'params' },
    });
  }
  const optional = (name: 'unlock-blocks' | 'join-batch' | 'pooled') => {
    const value = text(name);
    return value === undefined ? undefined : numberOption(value, name, 0);
  };
  return {
    help: values.help === true,
    scenario: {
      nodes: numberOption(text('nodes'), 'nodes', CLI_DEFAULTS.nodes),
      blocks: numberOption(text('blocks'), 'blocks', CLI_DEFAULTS.blocks),
      churnPercent: numberOption(text('churn'), 'churn', CLI_DEFAULTS.churn),
      failPercent: numberOption(text('fail'), 'fail', CLI_DEFAULTS.fail),
      pubkeys: numberOption(text('pubkeys'), 'pubkeys', CLI_DEFAULTS.pubkeys),
      params,
      seed: text('seed') ?? CLI_DEFAULTS.seed,
      unlockBlocks: optional('unlock-blocks'),
      joinBatch: optional('join-batch'),
      pooledPercent: optional('pooled'),
    },
    svg: text('svg'),
    png: text('png'),
    json: text('json'),
    markdown: values.markdown === true,
    quiet: values.quiet === true,
  };
}
