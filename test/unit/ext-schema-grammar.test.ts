import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DOCUMENTED_FIELDS as CONFIG_FIELDS, LAYER_TYPE_VALUES } from '../../src/core/vocabulary';
import { KEY_SCOPE, LAYER_TYPE_SCOPE, injectionGrammar, modelConfigSchema } from '../../src/extension/contributions/jsonAssets';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

/** Keywords that only describe or complete; anything else could put a problem on somebody's config.json. */
const DESCRIPTIVE = new Set(['$schema', '$comment', '$id', '$ref', 'title', 'description', 'markdownDescription', 'examples', 'default', 'defaultSnippets', 'properties', 'items', 'allOf', 'definitions']);

function walk(schema: unknown, where: string, visit: (key: string, where: string) => void): void {
  if (!schema || typeof schema !== 'object') return;
  for (const [key, value] of Object.entries(schema)) {
    visit(key, where);
    if (key === 'properties' || key === 'definitions') {
      for (const [name, sub] of Object.entries(value as object)) walk(sub, `${where}.${name}`, visit);
    } else if (key === 'items') {
      walk(value, `${where}[]`, visit);
    } else if (key === 'allOf') {
      (value as unknown[]).forEach((sub, i) => walk(sub, `${where}.allOf[${i}]`, visit));
    }
  }
}

test('schema: holds no validating keyword anywhere, so no JSON file can get an error from it', () => {
  const bad: string[] = [];
  walk(modelConfigSchema(), '#', (key, where) => {
    if (!DESCRIPTIVE.has(key)) bad.push(`${where}: ${key}`);
  });
  assert.deepEqual(bad, []);
  // And the checker itself catches what it must.
  const caught: string[] = [];
  walk({ properties: { a: { type: 'integer' }, b: { items: { enum: [1] } } }, additionalProperties: false }, '#', (key) => {
    if (!DESCRIPTIVE.has(key)) caught.push(key);
  });
  assert.deepEqual(caught.sort(), ['additionalProperties', 'enum', 'type']);
});

test('schema: describes every documented field, top level and in nested language-model parts', () => {
  const schema = modelConfigSchema() as { properties: Record<string, { description?: string; allOf?: { $ref: string }[]; examples?: unknown[] }> };
  for (const field of CONFIG_FIELDS) {
    assert.ok(schema.properties[field.key]?.description, field.key);
  }
  for (const part of ['text_config', 'llm_config', 'language_config']) {
    assert.deepEqual(schema.properties[part]!.allOf, [{ $ref: '#' }], `${part} gets the same completions`);
  }
  assert.deepEqual(schema.properties.torch_dtype!.examples, ['bfloat16', 'float16', 'float32']);
  assert.equal(new Set(CONFIG_FIELDS.map((f) => f.key)).size, CONFIG_FIELDS.length, 'no field listed twice');
});

test('schema: covers the attention fields real configs use', () => {
  const documented = new Set(CONFIG_FIELDS.map((f) => f.key));
  const configs = FIXTURE_CONFIGS;
  const seen = new Set<string>();
  for (const name of readdirSync(configs).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(readFileSync(join(configs, name), 'utf8').replace(/\b-?Infinity\b|\bNaN\b/g, '0')) as Record<string, unknown>;
    for (const key of Object.keys(json)) seen.add(key);
  }
  for (const key of ['num_attention_heads', 'num_key_value_heads', 'head_dim', 'hidden_size', 'num_hidden_layers', 'max_position_embeddings', 'sliding_window', 'layer_types', 'torch_dtype', 'kv_lora_rank', 'text_config']) {
    assert.ok(seen.has(key), `${key} occurs in the real configs`);
    assert.ok(documented.has(key), `${key} is documented`);
  }
});

/** The grammar's rules as JS regular expressions (the patterns use no Oniguruma-only syntax). */
function grammarRules(): { name: string; re: RegExp; scope: string }[] {
  const repo = injectionGrammar().repository as Record<string, { match: string; captures: Record<string, { name: string }> }>;
  return Object.entries(repo).map(([name, rule]) => ({ name, re: new RegExp(rule.match), scope: rule.captures['2']!.name }));
}

function scopeOf(text: string): string | undefined {
  for (const rule of grammarRules()) {
    const m = rule.re.exec(text);
    if (m && m.index === 0) return rule.scope;
  }
  return undefined;
}

test('grammar: every documented key is scoped by its group, as a key only', () => {
  for (const field of CONFIG_FIELDS) {
    assert.equal(scopeOf(`"${field.key}": 1`), `${KEY_SCOPE}.${field.group}`, field.key);
    assert.equal(scopeOf(`"${field.key}"  :`), `${KEY_SCOPE}.${field.group}`, `${field.key} with spaces`);
    assert.equal(scopeOf(`"${field.key}", `), undefined, `${field.key} as a string value is not a key`);
  }
  assert.equal(scopeOf('"num_attention_heads_extra": 1'), undefined, 'whole keys only');
  assert.equal(scopeOf('"hidden": 1'), undefined);
  for (const value of LAYER_TYPE_VALUES) assert.equal(scopeOf(`"${value}", `), LAYER_TYPE_SCOPE, value);
  const g = injectionGrammar();
  assert.equal(g.injectionSelector, 'L:source.json -string -comment');
});

/** The few parts of vscode-textmate / vscode-oniguruma the test uses (they are not dependencies of the project). */
interface Token { startIndex: number; endIndex: number; scopes: string[] }
interface Grammar { tokenizeLine(line: string, state: unknown): { tokens: Token[] } }
interface TextMate {
  INITIAL: unknown;
  Registry: new (options: object) => { loadGrammar(scope: string): Promise<Grammar | null> };
  parseRawGrammar(content: string, path?: string): unknown;
}
interface Oniguruma {
  loadWASM(data: ArrayBuffer): Promise<void>;
  OnigScanner: new (patterns: string[]) => unknown;
  OnigString: new (s: string) => unknown;
}

// The real tokenizer, where the end-to-end set-up (scripts/setup-e2e.sh) has installed VS Code's own copy.
const VSCODE = join(__dirname, '../../.e2e/code-server/node_modules/code-server/lib/vscode');
test('grammar: VS Code\'s tokenizer scopes attention keys in JSON and JSONC, not values or comments', { skip: !existsSync(join(VSCODE, 'node_modules/vscode-textmate')) && 'needs .e2e (scripts/setup-e2e.sh)' }, async () => {
  const tm = require(join(VSCODE, 'node_modules/vscode-textmate')) as TextMate;
  const onig = require(join(VSCODE, 'node_modules/vscode-oniguruma')) as Oniguruma;
  await onig.loadWASM(readFileSync(join(VSCODE, 'node_modules/vscode-oniguruma/release/onig.wasm')).buffer as ArrayBuffer);
  const grammars: Record<string, string> = {
    'source.json': join(VSCODE, 'extensions/json/syntaxes/JSON.tmLanguage.json'),
    'source.json.comments': join(VSCODE, 'extensions/json/syntaxes/JSONC.tmLanguage.json'),
    'kv-lens.json.injection': join(__dirname, '../../syntaxes/kv-lens.injection.json'),
  };
  const registry = new tm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s: string[]) => new onig.OnigScanner(s), createOnigString: (s: string) => new onig.OnigString(s) }),
    loadGrammar: async (scope: string) => (grammars[scope] ? tm.parseRawGrammar(readFileSync(grammars[scope]!, 'utf8'), grammars[scope]) : null),
    getInjections: () => ['kv-lens.json.injection'],
  });
  const line = '{ "num_key_value_heads": 8, "note": "num_key_value_heads", "text_config": { "head_dim": 128, "layer_types": ["sliding_attention"] } } // "n_head": 1';
  for (const scope of ['source.json', 'source.json.comments']) {
    const grammar = (await registry.loadGrammar(scope))!;
    const tokens = grammar.tokenizeLine(line, tm.INITIAL).tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.join(' ') }));
    const scoped = tokens.filter((t) => t.scopes.includes('kv-lens')).map((t) => `${t.text}=${t.scopes.split(' ').pop()}`);
    assert.deepEqual(scoped, [
      `num_key_value_heads=${KEY_SCOPE}.heads`,
      `text_config=${KEY_SCOPE}.part`,
      `head_dim=${KEY_SCOPE}.size`,
      `layer_types=${KEY_SCOPE}.layers`,
      `sliding_attention=${LAYER_TYPE_SCOPE}`,
    ], scope);
  }
});
