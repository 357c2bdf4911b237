/**
 * The top costs of a V8 CPU profile (`bench:node --cpu-prof <dir>` writes one per node thread):
 * `pnpm --filter @murmur/bench exec tsx src/profile-top.ts <file.cpuprofile> [--top 30]
 * [--match <text>]`.
 *
 * Prints the busy share of the thread (samples not in `(idle)`), then the functions with the
 * most self time and those with the most total time (self plus callees, counted once per
 * sample however deep the recursion), each in % of the busy samples, with their file and line
 * (bundled files shortened to their name). `--match` keeps only functions whose name or file
 * contains the text.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { scriptArgs } from './args.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: flags, positionals } = parseArgs({
  args: scriptArgs(),
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, match: { type: 'string' } },
});
const file = positionals[0];
if (file === undefined) {
  process.stderr.write('usage: profile-top.ts <file.cpuprofile> [--top n] [--match text]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  // Line and column: a bundled, minified file holds many functions on one line.
  const where = url === '' ? '' : ` ${basename(url)}:${lineNumber + 1}:${columnNumber + 1}`;
  return `${functionName === '' ? '(anonymous)' : functionName}${where}`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let busy = 0;
let all = 0;
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0;
  all += micros;
  const node = byId.get(id) as ProfileNode;
  const name = node.callFrame.functionName;
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
    if (name !== '(idle)') {
      busy += micros;
      self.set(name, (self.get(name) ?? 0) + micros);
      total.set(name, (total.get(name) ?? 0) + micros);
    }
    return;
  }
  busy += micros;
  self.set(label(node), (self.get(label(node)) ?? 0) + micros);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = label(byId.get(at) as ProfileNode);
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + micros);
  }
});

const top = Number(flags.top);
const keep = (name: string) => flags.match === undefined || name.includes(flags.match);
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  const rows = [...map.entries()].filter(([name]) => keep(name)).sort((a, b) => b[1] - a[1]);
  for (const [name, micros] of rows.slice(0, top)) {
    process.stdout.write(
      `${((100 * micros) / busy).toFixed(1).padStart(6)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}\n`,
    );
  }
};
process.stdout.write(
  `${file}: ${(all / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / all).toFixed(0)} %)\n`,
);
print('self time, % of busy', self);
print('total time (self + callees), % of busy', total);
