/**
 * Runs murmur-devnet commands in process with captured output.
 */
import type { CommandEnv, CommandIo } from '../cli/args.js';
import { runCli } from '../cli/dispatch.js';

/** What a command printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `murmur-devnet ...argv` in this process. */
export async function cli(argv: readonly string[], env: CommandEnv = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
