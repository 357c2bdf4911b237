/**
 * A program's settings from command-line flags, environment variables and a JSON settings file,
 * each value checked with its key's TypeBox schema (compiled by {@link createChecker}): one way
 * for every Murmur program (murmur-node's `config.json`, murmur-relay's `relay.json`). Pure: the
 * programs read the file and pass its values in.
 */
import Type, { type TSchema } from 'typebox';
import { LOG_LEVELS } from './log-levels.js';
import { createChecker, type SchemaChecker } from './schema-check.js';

/** How a setting's text (a flag or a variable) becomes its value. */
export type SettingKind = 'string' | 'integer' | 'number' | 'boolean' | 'size';

/** One setting: its flag (without `--`), its variable (without the prefix), its schema. */
export interface SettingSpec {
  flag: string;
  env: string;
  kind: SettingKind;
  /** Checks the value; its `description` words what is wanted ("a port number from 0 to 65535"). */
  schema: TSchema;
  /** Shown in `--help`. */
  help: string;
  default?: unknown;
}

/** Where a value came from. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

/** Inputs of {@link resolveSettings}. */
export interface SettingsInputs {
  /** Flags as `node:util` parseArgs gives them, by flag name. */
  flags: Record<string, unknown>;
  /** The environment. */
  env: Record<string, string | undefined>;
  /** The variables' prefix (`MURMUR_NODE_`). */
  envPrefix: string;
  /** The settings file's name in messages (`config.json`). */
  fileName: string;
  /** The file's values (`{}` when there is none). */
  fileValues: Record<string, unknown>;
}

/** What {@link resolveSettings} found: the values, where each came from, and every problem. */
export interface ResolvedSettings {
  values: Record<string, unknown>;
  sources: Record<string, SettingSource>;
  /** One line per bad value or unknown key of the file, naming where it came from. */
  problems: string[];
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/**
 * A flag's or variable's text as a value of `kind`; text that is not one is returned as it is
 * (its schema then refuses it, quoting it).
 */
export function settingFromText(kind: SettingKind, text: string): unknown {
  const trimmed = text.trim();
  switch (kind) {
    case 'string':
      return text;
    case 'integer':
      return /^-?[0-9]+$/.test(trimmed) ? Number(trimmed) : text;
    case 'number':
      return /^-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?$/i.test(trimmed) ? Number(trimmed) : text;
    case 'boolean': {
      const value = trimmed.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(value)) return true;
      if (['false', '0', 'no', 'off'].includes(value)) return false;
      return text;
    }
    case 'size': {
      const match = /^([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(trimmed);
      if (match === null) return text;
      return Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1));
    }
  }
}

/** A value as a message quotes it (JSON, at most 60 characters). */
export function shownSetting(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

const checkerCache = new WeakMap<TSchema, SchemaChecker<TSchema>>();

function checkerOf(spec: SettingSpec): SchemaChecker<TSchema> {
  let checker = checkerCache.get(spec.schema);
  if (checker === undefined) {
    checker = createChecker(spec.schema);
    checkerCache.set(spec.schema, checker);
  }
  return checker;
}

function wanted(spec: SettingSpec): string {
  return (spec.schema as { description?: string }).description ?? 'valid';
}

/**
 * Resolves every setting of `specs`: a flag, else a variable, else the file, else the default
 * (the first that sets a value wins; an empty variable sets nothing). Only the value used is
 * checked. Unknown keys of the file (and `dataDir`, which comes from the command line) are
 * problems too.
 */
export function resolveSettings(
  specs: Readonly<Record<string, SettingSpec>>,
  inputs: SettingsInputs,
): ResolvedSettings {
  const { flags, env, envPrefix, fileName, fileValues } = inputs;
  const problems: string[] = [];
  for (const key of Object.keys(fileValues)) {
    if (key === 'dataDir') {
      problems.push(`${fileName} dataDir: not allowed in the file (use --data-dir)`);
    } else if (!Object.hasOwn(specs, key)) {
      problems.push(`${fileName} ${key}: unknown setting`);
    }
  }
  const values: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const flagValue = flags[spec.flag];
    const envName = `${envPrefix}${spec.env}`;
    const envValue = env[envName];
    let raw: unknown;
    let value: unknown;
    let origin: string;
    let source: SettingSource;
    if (typeof flagValue === 'string' || typeof flagValue === 'boolean') {
      raw = flagValue;
      value = typeof flagValue === 'boolean' ? flagValue : settingFromText(spec.kind, flagValue);
      origin = `--${spec.flag}`;
      source = 'flag';
    } else if (envValue !== undefined && envValue !== '') {
      raw = envValue;
      value = settingFromText(spec.kind, envValue);
      origin = envName;
      source = 'env';
    } else if (Object.hasOwn(fileValues, key)) {
      raw = fileValues[key];
      // A size may be written as text in the file too ("500M").
      value = spec.kind === 'size' && typeof raw === 'string' ? settingFromText('size', raw) : raw;
      origin = `${fileName} ${key}`;
      source = 'file';
    } else {
      values[key] = spec.default;
      sources[key] = 'default';
      continue;
    }
    if (!checkerOf(spec).check(value)) {
      problems.push(`${origin}: must be ${wanted(spec)} (got ${shownSetting(raw)})`);
      continue;
    }
    values[key] = value;
    sources[key] = source;
  }
  return { values, sources, problems };
}

/**
 * Checks values about to be written to a settings file: the known keys with good values, and a
 * problem for every other (`undefined` values are left out).
 */
export function checkSettingValues(
  specs: Readonly<Record<string, SettingSpec>>,
  values: Readonly<Record<string, unknown>>,
): { values: Record<string, unknown>; problems: string[] } {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec === undefined) problems.push(`${key}: unknown setting`);
    else if (!checkerOf(spec).check(value)) {
      problems.push(`${key}: invalid value ${shownSetting(value)}`);
    } else out[key] = value;
  }
  return { values: out, problems };
}

/**
 * The `logLevel` setting every program has (`--log-level`, `<PREFIX>LOG_LEVEL`, the file's
 * `logLevel`): one of {@link LOG_LEVELS}, default `info`.
 */
export const LOG_LEVEL_SETTING = {
  flag: 'log-level',
  env: 'LOG_LEVEL',
  kind: 'string',
  schema: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { description: `one of ${LOG_LEVELS.join(', ')}` },
  ),
  default: 'info',
  help: `log level (${LOG_LEVELS.join(', ')})`,
} as const satisfies SettingSpec;

/**
 * A program's data directory, which holds its settings file and so cannot come from it: the
 * `--data-dir` flag, else `<envPrefix>DATA_DIR`, else `fallback` (empty values count as unset),
 * with where it came from.
 */
export function settingsDataDir(inputs: {
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
  envPrefix: string;
  fallback: string;
}): { dataDir: string; source: SettingSource } {
  const flag = inputs.flags['data-dir'];
  if (typeof flag === 'string' && flag !== '') return { dataDir: flag, source: 'flag' };
  const variable = inputs.env[`${inputs.envPrefix}DATA_DIR`];
  if (variable !== undefined && variable !== '') return { dataDir: variable, source: 'env' };
  return { dataDir: inputs.fallback, source: 'default' };
}
