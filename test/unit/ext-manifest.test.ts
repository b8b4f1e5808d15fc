import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HOVER_COMMANDS } from '../../src/core/hover/markdown';
import { LINT_RULES } from '../../src/core/lint/rules';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { HUB_SETTINGS } from '../../src/extension/hub/constants';
import { COMMAND_IDS, CONTEXT_IS_MODEL_CONFIG, CommandId } from '../../src/extension/contributions/commandIds';
import { injectionGrammar, modelConfigSchema } from '../../src/extension/contributions/jsonAssets';
import { activationEvents, capabilities, contributes } from '../../src/extension/contributions/manifest';
import { readSettings } from '../../src/extension/settingsReader';

const ROOT = join(__dirname, '../..');
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const pkg = json('package.json');
const regenerate = 'run `npm run write:manifest`';

test('manifest: package.json and the generated files are up to date with the tables', () => {
  assert.deepEqual(pkg.contributes, contributes(), `contributes drifted: ${regenerate}`);
  assert.deepEqual(pkg.activationEvents, activationEvents(), `activationEvents drifted: ${regenerate}`);
  assert.deepEqual(pkg.capabilities, capabilities(), `capabilities drifted: ${regenerate}`);
  assert.deepEqual(json('schemas/model-config.schema.json'), modelConfigSchema(), `schema drifted: ${regenerate}`);
  assert.deepEqual(json('syntaxes/kv-lens.injection.json'), injectionGrammar(), `grammar drifted: ${regenerate}`);
});

test('manifest: every command has a title, the KV Lens category, and an icon unless internal', () => {
  const commands = pkg.contributes.commands as { command: string; category: string; title: string; icon?: string }[];
  assert.deepEqual(commands.map((c) => c.command).sort(), [...COMMAND_IDS].sort());
  for (const c of commands) {
    assert.equal(c.category, 'KV Lens');
    assert.ok(c.title.length > 3);
    if (c.command !== CommandId.GetState) assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, c.command);
  }
  const palette = pkg.contributes.menus.commandPalette as { command: string; when: string }[];
  assert.equal(palette.find((m) => m.command === CommandId.GetState)?.when, 'false', 'the internal command stays out of the palette');
  const title = pkg.contributes.menus['editor/title'] as { command: string; when: string }[];
  assert.deepEqual(title.map((m) => m.command), [CommandId.OpenPanel]);
  assert.match(title[0]!.when, new RegExp(CONTEXT_IS_MODEL_CONFIG.replace('.', '\\.')));
});

test('manifest: every command a hover links to is a registered command', () => {
  for (const id of Object.values(HOVER_COMMANDS)) assert.ok(COMMAND_IDS.has(id), `hover links to ${id}, which is not registered`);
});

test('manifest: the configuration mirrors KvLensSettings, defaults included', () => {
  const props = pkg.contributes.configuration.properties as Record<string, { default: unknown; type: string }>;
  // Besides KvLensSettings: the Hub's own settings (where model ids' configs come from; src/extension/hub/settings.ts).
  assert.deepEqual(Object.keys(props).sort(), [...Object.keys(DEFAULT_SETTINGS), ...Object.keys(HUB_SETTINGS)].map((k) => `kvLens.${k}`).sort());
  for (const [key, s] of Object.entries(HUB_SETTINGS)) assert.deepEqual(props[`kvLens.${key}`]!.default, s.default, key);
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) assert.deepEqual(props[`kvLens.${key}`]!.default, value, key);
  // The settings reader accepts every default and every enum value package.json offers.
  const get = (key: string) => props[`kvLens.${key}`]!.default;
  assert.deepEqual(readSettings(get).problems, []);
  for (const dtype of (props['kvLens.kvDtype'] as unknown as { enum: string[] }).enum) {
    assert.deepEqual(readSettings((k) => (k === 'kvDtype' ? dtype : get(k))).problems, [], dtype);
  }
});

test('manifest: every lint rule can be set to any severity or off', () => {
  const rules = pkg.contributes.configuration.properties['kvLens.ruleSeverities'];
  assert.deepEqual(Object.keys(rules.properties).sort(), LINT_RULES.map((r) => r.code).sort());
  for (const rule of LINT_RULES) {
    assert.deepEqual(rules.properties[rule.code].enum, ['error', 'warning', 'information', 'hint', 'off']);
    assert.match(rules.properties[rule.code].markdownDescription, new RegExp(rule.defaultSeverity));
  }
});

test('manifest: activation is lazy, analysis works untrusted and virtual, grammar injects into JSON and JSONC', () => {
  assert.ok(!pkg.activationEvents.includes('*'));
  assert.ok(!pkg.activationEvents.some((e: string) => e.startsWith('onStartupFinished')));
  assert.ok(pkg.activationEvents.includes('onLanguage:json') && pkg.activationEvents.includes('onLanguage:jsonc'));
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(pkg.capabilities.virtualWorkspaces, true);
  assert.deepEqual(pkg.contributes.grammars[0].injectTo, ['source.json', 'source.json.comments']);
  assert.equal(pkg.contributes.grammars[0].scopeName, injectionGrammar().scopeName);
  assert.equal(pkg.contributes.jsonValidation[0].url, './schemas/model-config.schema.json');
});
