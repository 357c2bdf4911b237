#!/usr/bin/env node
/**
 * `murmur-sim`: runs a scenario with a progress bar on stderr, prints the summary on stdout and
 * writes the optional PNG chart and JSON results. Exit code 0 on success, 2 for a usage error,
 * 1 for any other failure.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { createProgressBar, formatDuration, renderPng } from '@murmur/terminal';
import { InvalidInputError, MurmurError } from '@murmur/wire';
import { parseCommandLine, USAGE } from './command-line.js';
import { phaseRanges, resolveScenarioOptions, runScenario } from './scenario.js';
import { scenarioChart } from './scenario-chart.js';
import { formatSummary } from './summary.js';
import { formatNumber } from './table.js';

async function main(argv: readonly string[]): Promise<number> {
  let commandLine: ReturnType<typeof parseCommandLine>;
  let totalBlocks: number;
  try {
    commandLine = parseCommandLine(argv);
    if (commandLine.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    totalBlocks = phaseRanges(resolveScenarioOptions(commandLine.scenario)).churn.last;
  } catch (error) {
    process.stderr.write(
      `murmur-sim: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  const bar = commandLine.quiet
    ? undefined
    : createProgressBar({ total: totalBlocks }, { stream: process.stderr });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  try {
    const result = await runScenario(commandLine.scenario, {
      signal: abort.signal,
      onProgress: (progress) =>
        bar?.update(progress.height, [
          `${progress.phase}`,
          `active ${formatNumber(progress.activeNodes)}`,
          `swarms ${formatNumber(progress.swarms)}`,
        ]),
    });
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    bar?.finish();
    process.stdout.write(formatSummary(result, commandLine.markdown ? 'markdown' : 'plain'));
    const cores = cpus();
    const machine = `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}`;
    process.stderr.write(
      `murmur-sim: ran in ${formatDuration(elapsedMs)} (${(elapsedMs / 1000).toFixed(1)} s, CPU ${(cpuMs / 1000).toFixed(1)} s) on ${machine}\n`,
    );
    const chart = scenarioChart(result);
    if (commandLine.svg !== undefined) {
      await writeFile(commandLine.svg, chart);
      process.stderr.write(`murmur-sim: chart written to ${commandLine.svg}\n`);
    }
    if (commandLine.png !== undefined) {
      await writeFile(commandLine.png, renderPng(chart));
      process.stderr.write(`murmur-sim: chart written to ${commandLine.png}\n`);
    }
    if (commandLine.json !== undefined) {
      const document = {
        ...result,
        run: { elapsedMs: Math.round(elapsedMs), cpuMs: Math.round(cpuMs), machine },
      };
      await writeFile(commandLine.json, `${JSON.stringify(document, jsonNumbers, 2)}\n`);
      process.stderr.write(`murmur-sim: results written to ${commandLine.json}\n`);
    }
    return 0;
  } catch (error) {
    bar?.finish();
    if (abort.signal.aborted) {
      process.stderr.write('murmur-sim: interrupted\n');
      return 130;
    }
    const text =
      error instanceof MurmurError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`murmur-sim: ${text}\n`);
    return error instanceof InvalidInputError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** JSON has no NaN or infinities: they become null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

process.exitCode = await main(process.argv.slice(2));
