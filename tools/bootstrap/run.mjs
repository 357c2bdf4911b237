#!/usr/bin/env node
// The entry point behind `npm test` and `npm run devnet` on a fresh machine that has only Node and
// npm. It brings pnpm 12.4.2 and the dependencies when they are missing (skipping what is already
// there), builds the workspace through turbo, then runs the job. Plain Node, no dependencies.
//
//   node tools/bootstrap/run.mjs setup            install and build only
//   node tools/bootstrap/run.mjs test             + unit tests, then the end-to-end tests
//   node tools/bootstrap/run.mjs devnet [args]    + `murmur-devnet up [args]`
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.4.2';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [job = 'setup', ...rest] = process.argv.slice(2);
const args = rest[0] === '--' ? rest.slice(1) : rest;

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function step(text) {
  process.stdout.write(`\n▸ ${text}\n`);
}

function fail(text) {
  process.stderr.write(`\n✖ ${text}\n`);
  process.exit(1);
}

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: root, env, stdio: 'inherit', ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function capture(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, env, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

// 1. Node itself.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Murmur needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
}

// 2. Native builds (better-sqlite3) compile against the headers of the running Node, never a
//    download: point node-gyp at them when they are installed beside the binary (Debian: /usr).
const nodePrefix = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(nodePrefix, 'include', 'node', 'node_version.h'))) {
  env.npm_config_nodedir = nodePrefix;
}

// 3. pnpm, exactly 12.4.2: the one on PATH if it is that version, else a private copy in
//    .murmur/toolchain (never replaces a pnpm the user installed globally).
function ensurePnpm() {
  if (capture('pnpm', ['--version']) === PNPM_VERSION) return;
  const toolchain = join(root, '.murmur', 'toolchain');
  const bin = join(toolchain, 'node_modules', '.bin');
  env.PATH = `${bin}${delimiter}${env.PATH ?? ''}`;
  if (capture(join(bin, 'pnpm'), ['--version']) === PNPM_VERSION) return;
  step(`installing pnpm ${PNPM_VERSION} into .murmur/toolchain`);
  mkdirSync(toolchain, { recursive: true });
  writeFileSync(join(toolchain, 'package.json'), '{"private":true}\n');
  const status = run('npm', [
    'install',
    '--prefix',
    toolchain,
    '--no-audit',
    '--no-fund',
    '--save-exact',
    `pnpm@${PNPM_VERSION}`,
  ]);
  if (status !== 0 || capture(join(bin, 'pnpm'), ['--version']) !== PNPM_VERSION) {
    fail(`could not install pnpm ${PNPM_VERSION} with npm (exit ${status}).`);
  }
}

// 4. Dependencies: install when the lockfile or any manifest changed since the last install.
function manifestDigest() {
  const hash = createHash('sha256');
  const files = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json'];
  // Every workspace package's manifest, from the list in pnpm-workspace.yaml.
  const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:[ \t]+-[^\n]*\n)+)/m.exec(workspace)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const entry = /^\s*-\s*["']?([^"'\s]+)["']?\s*$/.exec(line)?.[1];
    if (entry === undefined) continue;
    const dirs = entry.endsWith('/*')
      ? existsSync(join(root, entry.slice(0, -2)))
        ? readdirSync(join(root, entry.slice(0, -2)))
            .sort()
            .map((name) => join(entry.slice(0, -2), name))
        : []
      : [entry];
    for (const dir of dirs) {
      if (existsSync(join(root, dir, 'package.json'))) files.push(join(dir, 'package.json'));
    }
  }
  for (const file of files) {
    hash.update(file);
    if (existsSync(join(root, file))) hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

function ensureDependencies() {
  const stamp = join(root, 'node_modules', '.murmur-install-stamp');
  const digest = manifestDigest();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  step(
    'installing dependencies (pnpm install --frozen-lockfile; native modules build from source)',
  );
  if (run('pnpm', ['install', '--frozen-lockfile']) !== 0) {
    fail('pnpm install failed; the messages above name the package. Is the registry reachable?');
  }
  writeFileSync(stamp, digest);
}

function build() {
  step('building the workspace (turbo run build; unchanged packages come from the cache)');
  if (run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) {
    fail('the build failed; the compiler messages above name the file.');
  }
}

ensurePnpm();
ensureDependencies();
build();

switch (job) {
  case 'setup':
    step('ready');
    break;
  case 'test': {
    // `--continue`: one package's failure never hides the other packages' results, and the
    // end-to-end tests run even when a unit suite failed; the job fails at the end, naming both.
    step('unit and route tests (turbo run test --continue)');
    const unit = run('pnpm', [
      'exec',
      'turbo',
      'run',
      'test',
      '--concurrency=2',
      '--continue',
      ...args,
    ]);
    step('end-to-end tests against real processes (turbo run test:e2e --continue)');
    const e2e = run('pnpm', [
      'exec',
      'turbo',
      'run',
      'test:e2e',
      '--concurrency=1',
      '--continue',
      ...args,
    ]);
    const failed = [
      unit !== 0 ? 'unit tests (the turbo summary above names each failed package)' : undefined,
      e2e !== 0 ? 'end-to-end tests (each node log file is named above)' : undefined,
    ].filter((part) => part !== undefined);
    if (failed.length > 0) fail(`failed: ${failed.join('; ')}.`);
    step('all tests passed');
    break;
  }
  case 'devnet': {
    const cli = join(root, 'apps', 'devnet', 'dist', 'cli.js');
    if (!existsSync(cli)) {
      fail('the devnet has not landed yet (apps/devnet); `npm test` runs the test suite.');
    }
    // Ctrl-C reaches the whole foreground process group: the devnet handles it (stopping every
    // process it started) and this parent waits for it to finish instead of dying first.
    const child = spawn(process.execPath, [cli, 'up', ...args], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(signal, () => {
        if (signal !== 'SIGINT') child.kill(signal);
      });
    }
    child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 130)));
    break;
  }
  default:
    fail(`unknown job "${job}": use setup, test or devnet.`);
}
