/**
 * Reading `kvLens.*` settings into the core's `KvLensSettings`, validating every value so a typo in
 * settings.json degrades to the default (with a message for the log) instead of a wrong number.
 */
import { DEFAULT_SETTINGS } from '../core/settings';
import type { KvLensSettings, RuleSeverity } from '../core/settings';
import { KV_DTYPES } from '../core/dtype';

/** The configuration section; every key of `KvLensSettings` lives under it. */
export const SETTINGS_SECTION = 'kvLens';

/** Every settings key, in the order package.json lists them. */
export const SETTING_KEYS = [
  'context',
  'batch',
  'kvDtype',
  'tensorParallel',
  'gpuMemoryGiB',
  'ruleSeverities',
  'extraGlobs',
] as const satisfies readonly (keyof KvLensSettings)[];

// Fails to compile when KvLensSettings gains a key SETTING_KEYS does not list.
type MissingKey = Exclude<keyof KvLensSettings, (typeof SETTING_KEYS)[number]>;
const allKeysListed: MissingKey extends never ? true : never = true;
void allKeysListed;


/** Severities a rule can be set to. */
export const RULE_SEVERITIES = ['error', 'warning', 'information', 'hint', 'off'] as const satisfies readonly RuleSeverity[];

/** The settings, and what was wrong with the raw values (each replaced by its default). */
export interface SettingsReading {
  settings: KvLensSettings;
  problems: string[];
}

/** Reads every key through `get` (VS Code's `WorkspaceConfiguration.get`, or a plain object in tests). */
export function readSettings(get: (key: keyof KvLensSettings) => unknown): SettingsReading {
  const problems: string[] = [];
  const pick = <K extends keyof KvLensSettings>(key: K, valid: (v: unknown) => v is KvLensSettings[K], expected: string): KvLensSettings[K] => {
    const raw = get(key);
    if (raw === undefined || raw === null) return DEFAULT_SETTINGS[key];
    if (valid(raw)) return raw;
    problems.push(`${SETTINGS_SECTION}.${key}: ${JSON.stringify(raw)} is not ${expected}; using ${JSON.stringify(DEFAULT_SETTINGS[key])}`);
    return DEFAULT_SETTINGS[key];
  };
  const settings: KvLensSettings = {
    context: pick('context', (v): v is number => isInt(v) && v >= 0, 'a whole number >= 0'),
    batch: pick('batch', (v): v is number => isInt(v) && v >= 1, 'a whole number >= 1'),
    kvDtype: pick('kvDtype', (v): v is KvLensSettings['kvDtype'] => v === 'auto' || (KV_DTYPES as readonly unknown[]).includes(v), `"auto" or one of ${KV_DTYPES.join(', ')}`),
    tensorParallel: pick('tensorParallel', (v): v is number => isInt(v) && v >= 1, 'a whole number >= 1'),
    gpuMemoryGiB: pick('gpuMemoryGiB', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a number > 0'),
    ruleSeverities: readRuleSeverities(get('ruleSeverities'), problems),
    extraGlobs: pick('extraGlobs', (v): v is string[] => Array.isArray(v) && v.every((g) => typeof g === 'string'), 'a list of globs'),
  };
  return { settings, problems };
}

// One bad entry should not throw away the user's other rule settings.
function readRuleSeverities(raw: unknown, problems: string[]): Record<string, RuleSeverity> {
  if (raw === undefined || raw === null) return { ...DEFAULT_SETTINGS.ruleSeverities };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`${SETTINGS_SECTION}.ruleSeverities: expected an object of rule code -> severity`);
    return { ...DEFAULT_SETTINGS.ruleSeverities };
  }
  const out: Record<string, RuleSeverity> = {};
  for (const [code, severity] of Object.entries(raw)) {
    if ((RULE_SEVERITIES as readonly unknown[]).includes(severity)) out[code] = severity as RuleSeverity;
    else problems.push(`${SETTINGS_SECTION}.ruleSeverities.${code}: ${JSON.stringify(severity)} is not one of ${RULE_SEVERITIES.join(', ')}; ignored`);
  }
  return out;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Full setting ids (`kvLens.context`, ...), for `affectsConfiguration`. */
export function settingIds(): string[] {
  return SETTING_KEYS.map((k) => `${SETTINGS_SECTION}.${k}`);
}

/** The keys whose values differ between two readings (what a configuration change actually changed). */
export function changedKeys(before: KvLensSettings, after: KvLensSettings): (keyof KvLensSettings)[] {
  return SETTING_KEYS.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
