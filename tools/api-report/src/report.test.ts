import { describe, expect, it } from 'vitest';
import { buildReports, reportedPackages, shippedTestSupport, staleReports } from './report.ts';

describe('API reports', () => {
  const reports = buildReports();

  it('cover every package with an exports map', () => {
    expect(reports.size).toBe(reportedPackages().length);
    expect(reports.size).toBeGreaterThanOrEqual(6);
    for (const report of reports.values()) expect(report).toMatch(/^- `\w+` \w+$/m);
  });

  it('are checked in and up to date (run `pnpm api-report` and review the diff)', () => {
    expect(staleReports(reports)).toEqual([]);
  });

  it('no published package ships its test support', () => {
    expect(shippedTestSupport()).toEqual([]);
  });
});
