/**
 * The summary printed at the end of a run: a header naming the scenario, then tables of the
 * per-block figures (churn phase and join phase), the pubkey spread over the final swarms, and
 * what the registry did.
 */

import { formatTable, type TableSpec as Table, type TableStyle } from '@murmur/terminal';
import type { SeriesSummary, Spread } from './metrics.js';
import type { Phase, PhaseSummary, ScenarioResult } from './scenario.js';
import { formatNumber, formatPercent } from './table.js';

type Formatter = (value: number) => string;

const count: Formatter = (value) => formatNumber(value, 2);
const share: Formatter = (value) => formatPercent(value, 3);

/** Rows of the per-block tables: label, field, how to format it. */
const PER_BLOCK_ROWS: readonly [string, keyof Omit<PhaseSummary, 'blocks'>, Formatter][] = [
  ['active nodes', 'activeNodes', count],
  ['swarms', 'swarms', count],
  ['smallest swarm (nodes)', 'minSize', count],
  ['swarm size p25', 'p25Size', count],
  ['median swarm size', 'medianSize', count],
  ['swarm size p75', 'p75Size', count],
  ['largest swarm (nodes)', 'maxSize', count],
  ['swarms under 5 nodes', 'swarmsUnder5', count],
  ['swarms over 10 nodes', 'swarmsOver10', count],
  ['nodes joined', 'joined', count],
  ['nodes left', 'left', count],
  ['nodes that changed swarm', 'changedSwarm', count],
  ['pubkeys that changed swarm (of all)', 'pubkeysMovedShare', share],
  ['data copied to joining nodes (of stored)', 'copiedShare', share],
  ['data copied, in node-loads', 'copiedNodeLoads', count],
];

function range(result: ScenarioResult, phase: Phase): string {
  const { first, last } = result.phases[phase];
  return last < first ? 'none' : `${formatNumber(first)}–${formatNumber(last)}`;
}

/** The per-block table of one phase. */
export function perBlockTable(result: ScenarioResult, phase: Phase): Table {
  const summary = result.summary[phase];
  const row = (label: string, series: SeriesSummary, format: Formatter) => [
    label,
    format(series.min),
    format(series.mean),
    format(series.median),
    format(series.p99),
    format(series.max),
  ];
  return {
    title: `Per block, ${phase} phase (blocks ${range(result, phase)}, ${formatNumber(summary.blocks)} blocks)`,
    columns: [
      { header: 'figure', align: 'left' },
      { header: 'min' },
      { header: 'mean' },
      { header: 'median' },
      { header: 'p99' },
      { header: 'max' },
    ],
    rows: PER_BLOCK_ROWS.map(([label, field, format]) => row(label, summary[field], format)),
  };
}

/** The pubkey spread over the final swarms and nodes. */
export function spreadTable(result: ScenarioResult): Table {
  const row = (label: string, value: Spread) => [
    label,
    formatNumber(value.count),
    formatNumber(value.min),
    formatNumber(value.mean, 1),
    formatNumber(value.max),
    formatNumber(value.coefficientOfVariation, 3),
    formatNumber(value.maxOverMean, 3),
  ];
  return {
    title: `${formatNumber(result.options.pubkeys)} random pubkeys over the final swarms (block ${formatNumber(result.finalHeight)})`,
    columns: [
      { header: 'pubkeys per', align: 'left' },
      { header: 'holders' },
      { header: 'min' },
      { header: 'mean' },
      { header: 'max' },
      { header: 'CV' },
      { header: 'max/mean' },
    ],
    rows: [row('swarm', result.spread.perSwarm), row('node', result.spread.perNode)],
  };
}

/** What the registry did: transactions, node events, failing nodes. */
export function registryTable(result: ScenarioResult): Table {
  const { registry } = result;
  const rejected = Object.entries(registry.rejected);
  const rows: string[][] = [
    ['transactions submitted', formatNumber(registry.transactions)],
    [
      'transactions refused',
      rejected.length === 0
        ? '0'
        : rejected.map(([reason, n]) => `${formatNumber(n ?? 0)} ${reason}`).join(', '),
    ],
    [
      'registrations (pooled)',
      `${formatNumber(registry.registrations)} (${formatNumber(registry.pooledRegistrations)})`,
    ],
    ['contributions', formatNumber(registry.contributions)],
    ['unlock requests', formatNumber(registry.unlockRequests)],
    ['uptime proofs', formatNumber(registry.uptimeProofs)],
  ];
  for (const event of [
    'activated',
    'exited',
    'proof-missed',
    'decommissioned',
    'recommissioned',
    'deregistered',
  ]) {
    rows.push([`registry events: ${event}`, formatNumber(registry.events[event] ?? 0)]);
  }
  const failing = registry.failing;
  rows.push(
    [
      'failing nodes: chosen / stopped proofs',
      `${formatNumber(failing.chosen)} / ${formatNumber(failing.stopped)}`,
    ],
    ['failing nodes: decommissioned', formatNumber(failing.decommissioned)],
    ['failing nodes: deregistered', formatNumber(failing.deregistered)],
    ['failing nodes: still registered', formatNumber(failing.stillRegistered)],
    ['stored-data check: pubkeys misplaced', formatNumber(result.storedDataMismatches)],
  );
  return {
    title: 'Registry',
    columns: [{ header: 'figure', align: 'left' }, { header: 'count' }],
    rows,
  };
}

/** The lines that name the scenario. */
export function describeScenario(result: ScenarioResult): string[] {
  const o = result.options;
  const blockTime =
    o.blockTimeMs % 60_000 === 0 ? `${o.blockTimeMs / 60_000} min` : `${o.blockTimeMs / 1000} s`;
  return [
    `murmur-sim: ${formatNumber(o.nodes)} nodes, churn ${o.churnPercent}% a block, ${o.failPercent}% failing, ${formatNumber(o.pubkeys)} pubkeys, seed ${JSON.stringify(o.seed)}`,
    `parameters: ${o.params} (${blockTime} blocks, uptime proof every ${o.proofIntervalBlocks} blocks, unlock after ${formatNumber(o.unlockBlocks)} blocks), ${formatNumber(o.operators)} operators, ${formatNumber(o.contributors)} contributors, ${o.pooledPercent}% pooled`,
    `phases: join ${range(result, 'join')}, notice ${range(result, 'notice')}, churn ${range(result, 'churn')}; final block ${formatNumber(result.finalHeight)} ${result.finalBlockHash}`,
  ];
}

/** The whole summary: scenario lines and every table, separated by blank lines. */
export function formatSummary(result: ScenarioResult, style: TableStyle = 'plain'): string {
  const header = describeScenario(result);
  const tables = [
    perBlockTable(result, 'churn'),
    perBlockTable(result, 'join'),
    spreadTable(result),
    registryTable(result),
  ];
  const head =
    style === 'markdown' ? header.map((line) => `${line}  `).join('\n') : header.join('\n');
  return `${[head, ...tables.map((table) => formatTable(table, style))].join('\n\n')}\n`;
}
