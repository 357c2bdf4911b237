/**
 * `pnpm api-report`: writes every package's `api-report.md`. `--check` writes nothing and exits
 * 1 naming the packages whose report is out of date. `--usage` prints, per entry point, which
 * workspaces import each name (and which names no other workspace imports).
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from '../../config/workspace.ts';
import { buildReports, REPORT_FILE, staleReports, usageTable } from './report.ts';

if (process.argv.includes('--usage')) {
  process.stdout.write(`${usageTable()}\n`);
  process.exit(0);
}
const reports = buildReports();
if (process.argv.includes('--check')) {
  const stale = staleReports(reports);
  if (stale.length > 0) {
    process.stderr.write(
      `API reports out of date: ${stale.join(', ')}. Run \`pnpm api-report\` and review the diff.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${reports.size} API reports up to date\n`);
} else {
  for (const [dir, report] of reports) {
    writeFileSync(join(dir, REPORT_FILE), report);
    process.stdout.write(`wrote ${relative(root, join(dir, REPORT_FILE))}\n`);
  }
}
