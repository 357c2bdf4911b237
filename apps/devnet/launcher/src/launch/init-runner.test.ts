import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failedInitNode, initRunnerArgs, NO_MAIN_EXIT_CODE } from './init-runner.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testnet-init-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runner(cliSource: string, jobs: { name: string; args: string[] }[]) {
  const cli = join(dir, 'cli.js');
  writeFileSync(cli, cliSource);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return spawnSync(process.execPath, initRunnerArgs(cli, jobs), { encoding: 'utf8' });
}

describe('the init runner', () => {
  it("calls the CLI's main(['init', …]) once per node, in order", () => {
    const result = runner(
      `export async function main(argv, io) { io.stdout('ran ' + argv.join(' ') + '\\n'); return 0; }`,
      [
        { name: 'node-01', args: ['--data-dir', '/a'] },
        { name: 'node-02', args: ['--data-dir', '/b'] },
      ],
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      '{"testnet":"init","name":"node-01"}\nran init --data-dir /a\n{"testnet":"init","name":"node-02"}\nran init --data-dir /b\n',
    );
  });

  it('stops at the first failure and names the node', () => {
    const result = runner(
      `export async function main(argv) { return argv.includes('/b') ? 2 : 0; }`,
      [
        { name: 'node-01', args: ['/a'] },
        { name: 'node-02', args: ['/b'] },
        { name: 'node-03', args: ['/c'] },
      ],
    );
    expect(result.status).toBe(2);
    expect(failedInitNode(result.stdout)).toBe('node-02');
    expect(result.stdout).not.toContain('node-03');
  });

  it('says when the CLI has no main export', () => {
    const result = runner('export const nothing = 1;', [{ name: 'node-01', args: [] }]);
    expect(result.status).toBe(NO_MAIN_EXIT_CODE);
  });

  it('finds no failed node in clean output', () => {
    expect(failedInitNode('{"testnet":"init","name":"node-01"}\nInitialised /a\n')).toBeUndefined();
  });
});
