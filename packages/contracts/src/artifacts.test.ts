/** The committed ABIs and bytecode are what the Solidity sources compile to today. */
import { describe, expect, it } from 'vitest';
import * as artifacts from './artifacts.js';
import { compileContracts } from './test-support/compile.js';

describe('committed artifacts', () => {
  it('match a fresh solc-js compilation of contracts/', () => {
    const { version, contracts } = compileContracts();
    expect(artifacts.SOLC_VERSION).toBe(version);
    const exported = artifacts as unknown as Record<string, unknown>;
    const names = Object.keys(exported).filter((name) => name.endsWith('Bytecode'));
    expect(names.sort()).toEqual(
      contracts
        .map((contract) => `${contract.name[0]?.toLowerCase()}${contract.name.slice(1)}Bytecode`)
        .sort(),
    );
    for (const contract of contracts) {
      const id = `${contract.name[0]?.toLowerCase()}${contract.name.slice(1)}`;
      expect(
        exported[`${id}Abi`],
        `${contract.name} ABI: run pnpm --filter @murmur/contracts compile`,
      ).toEqual(contract.abi);
      expect(exported[`${id}Bytecode`], `${contract.name} bytecode: run the compile script`).toBe(
        contract.bytecode,
      );
    }
  });
});
