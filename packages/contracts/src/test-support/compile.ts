/**
 * Compiles the Solidity sources with solc-js (from npm, offline) into ABIs and bytecode. Used by
 * `scripts/compile.ts` (which writes `src/artifacts.ts`) and by the test that recompiles and
 * compares with the committed artifacts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the `.sol` files are. */
export const CONTRACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../contracts');

/** The compiler settings: pinned so that the output is reproducible. */
export const COMPILER_SETTINGS = {
  // Arbitrum One and anvil both run Cancun; solc 0.8.37 would default to osaka.
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  viaIR: false,
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

/** One compiled contract. */
export interface CompiledContract {
  name: string;
  source: string;
  abi: unknown[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<
      string,
      {
        abi: unknown[];
        evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
      }
    >
  >;
}

function solFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...solFiles(path));
    else if (entry.name.endsWith('.sol')) out.push(path);
  }
  return out.sort();
}

/** Compiles every `.sol` file under {@link CONTRACTS_DIR}; throws on any compiler error. */
export function compileContracts(): { version: string; contracts: CompiledContract[] } {
  const require = createRequire(import.meta.url);
  const solc = require('solc') as { compile(input: string): string; version(): string };
  const sources: Record<string, { content: string }> = {};
  for (const path of solFiles(CONTRACTS_DIR)) {
    sources[relative(CONTRACTS_DIR, path)] = { content: readFileSync(path, 'utf8') };
  }
  const output = JSON.parse(
    solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: COMPILER_SETTINGS })),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((error) => error.formattedMessage).join('\n')}`);
  }
  const contracts: CompiledContract[] = [];
  for (const [source, byName] of Object.entries(output.contracts)) {
    for (const [name, compiled] of Object.entries(byName)) {
      if (compiled.evm.bytecode.object.length === 0) continue; // interfaces
      contracts.push({
        name,
        source,
        abi: compiled.abi,
        bytecode: `0x${compiled.evm.bytecode.object}`,
        deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      });
    }
  }
  contracts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: solc.version(), contracts };
}
