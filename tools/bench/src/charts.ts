/**
 * Charts of the figures recorded in docs/BENCHMARKS.md: `pnpm --filter @murmur/bench run charts`
 * reads the tables there (nothing is measured again) and writes each chart as SVG, and as a PNG
 * rendered from it, to docs/images/:
 *
 * - `devnet-startup`: `murmur-devnet up` with 20 nodes, each phase and the whole, per run, with
 *   the 15 s target (## Devnet);
 * - `latency`: send → receive p50 / p90 / p99 at each poll interval (## Client) and on the devnet
 *   (## Devnet), with the 1.5 s p50 target.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { barChart, renderPng } from '@murmur/terminal';

const COLORS = ['#143e82', '#7ca6db', '#cedef2'];
const TARGET = '#c82828';

/** The rows (cells, trimmed) of the first table after `heading` whose header starts with `header`. */
export function tableRows(markdown: string, heading: string, header: string): string[][] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/BENCHMARKS.md has no "${heading}" section`);
  const lines = markdown.slice(start).split('\n');
  const top = lines.findIndex((line) => line.startsWith(header));
  if (top < 0) throw new Error(`no table "${header}…" under "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(top + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The first number of a cell (`**6.89 s**` → 6.89, `8,217 ms (one message…)` → 8217). */
export function figure(cell: string): number {
  const match = /-?[\d,]*\.?\d+/.exec(cell.replace(/\*/g, ''));
  if (match === null) throw new Error(`no number in "${cell}"`);
  return Number(match[0].replace(/,/g, ''));
}

/** The devnet start-up chart: every phase and the whole, seconds, three runs. */
export function devnetStartupChart(markdown: string): string {
  const rows = tableRows(markdown, '## Devnet', '| figure | run 1 | run 2 | run 3 |');
  const groups = rows.map((row) => {
    const label = (row[0] as string)
      .replace(/\*/g, '')
      .replace(/^… /, '')
      .replace(/ \(.*$/, '');
    return { label, values: [1, 2, 3].map((column) => figure(row[column] as string)) };
  });
  return barChart({
    title: 'murmur-devnet up, 20 nodes: time to all-ready and its phases',
    subtitle:
      'Three runs (docs/BENCHMARKS.md, ## Devnet); "health" runs beside "swarms formed". Target: all-ready in 15 s.',
    valueLabel: 'seconds',
    series: ['run 1', 'run 2', 'run 3'].map((name, index) => ({
      name,
      color: COLORS[index] as string,
    })),
    groups,
    format: (value) => `${value.toFixed(2)} s`,
    rules: [{ value: 15, label: 'target 15 s', color: TARGET }],
    labelWidth: 250,
  });
}

/** The latency chart: send → receive p50 / p90 / p99, ms, per poll interval and on the devnet. */
export function latencyChart(markdown: string): string {
  const intervals = tableRows(markdown, '## Client', '| poll interval |').map((row) => ({
    label: `client bench, poll ${row[0]}`,
    values: [1, 2, 3].map((column) => figure(row[column] as string)),
  }));
  const devnet = tableRows(markdown, '## Devnet', '| 40 messages, poll every 1,500 ms |').find(
    (row) => (row[0] as string).includes('send → receive'),
  );
  if (devnet === undefined) throw new Error('no send → receive row under "## Devnet"');
  const groups = [
    ...intervals,
    {
      label: 'devnet, poll 1,500 ms',
      values: [1, 2, 3].map((column) => Math.round(figure(devnet[column] as string) * 1000)),
    },
  ];
  return barChart({
    title: 'Send → receive latency: p50, p90 and p99 of 40 messages',
    subtitle:
      'Two clients through 3-hop onion paths, loopback (docs/BENCHMARKS.md, ## Client and ## Devnet). The wait is the next poll.',
    valueLabel: 'milliseconds',
    series: ['p50', 'p90', 'p99'].map((name, index) => ({ name, color: COLORS[index] as string })),
    groups,
    format: (value) => `${value.toLocaleString('en-US')} ms`,
    rules: [{ value: 1_500, label: 'p50 target 1,500 ms', color: TARGET }],
    labelWidth: 250,
  });
}

/** Writes every chart (SVG and PNG) into `directory`; returns the files written. */
export function writeCharts(markdown: string, directory: string): string[] {
  const written: string[] = [];
  for (const [name, svg] of [
    ['devnet-startup', devnetStartupChart(markdown)],
    ['latency', latencyChart(markdown)],
  ] as const) {
    writeFileSync(`${directory}/${name}.svg`, svg);
    writeFileSync(`${directory}/${name}.png`, renderPng(svg));
    written.push(`${name}.svg`, `${name}.png`);
  }
  return written;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
  const written = writeCharts(readFileSync(`${docs}BENCHMARKS.md`, 'utf8'), `${docs}images`);
  console.log(`wrote ${written.map((file) => `docs/images/${file}`).join(', ')}`);
}
