/**
 * The package.json keys the editor layer owns (`contributes`, `activationEvents`, `capabilities`), built
 * from the same tables the code uses: command ids, settings keys and defaults, the lint rules. The
 * writer (manifestWriter.ts) puts them in package.json; a unit test fails when the two drift apart.
 */
import { KV_DTYPES } from '../../core/dtype';
import { LINT_RULES } from '../../core/lint/rules';
import { DEFAULT_SETTINGS } from '../../core/settings';
import { PANEL_VIEW_TYPE } from '../../shared/panelProtocol';
import { CONTEXT_IS_MODEL_CONFIG, CommandId } from './commandIds';
import { GRAMMAR_SCOPE } from './jsonAssets';
import { GGUF_EDITOR_VIEW_TYPE } from '../gguf/viewType';
import { HUB_SETTINGS, MODEL_ID_LANGUAGES } from '../hub/constants';
import { RULE_SEVERITIES, SETTINGS_SECTION } from '../settingsReader';

const CATEGORY = 'KV Lens';
const MODEL_CONFIG = `${CONTEXT_IS_MODEL_CONFIG} && resourceLangId =~ /^jsonc?$/`;

/** Title and icon of every command (the palette shows "KV Lens: <title>"). */
const COMMANDS: Record<CommandId, { title: string; icon?: string; enablement?: string }> = {
  [CommandId.OpenPanel]: { title: 'Open Panel', icon: '$(graph)' },
  [CommandId.RunBenchmark]: { title: 'Run Attention Benchmark...', icon: '$(play)', enablement: 'isWorkspaceTrusted' },
  [CommandId.CopySummary]: { title: 'Copy Attention and KV Summary', icon: '$(copy)' },
  [CommandId.SelectKvDtype]: { title: 'Select KV Cache Dtype...', icon: '$(symbol-numeric)' },
  [CommandId.SelectContext]: { title: 'Select Context Length...', icon: '$(arrow-both)' },
  [CommandId.SelectBatch]: { title: 'Select Batch (Concurrent Sequences)...', icon: '$(layers)' },
  [CommandId.SelectTensorParallel]: { title: 'Select Tensor-Parallel Degree...', icon: '$(split-horizontal)' },
  [CommandId.SetRuleSeverity]: { title: 'Set Lint Rule Severity...', icon: '$(settings-gear)' },
  [CommandId.ShowLog]: { title: 'Show Log', icon: '$(output)' },
  [CommandId.AnalyzeHubModel]: { title: 'Analyze Hub Model...', icon: '$(cloud-download)' },
  [CommandId.SetHubToken]: { title: 'Set Hugging Face Token', icon: '$(key)' },
  [CommandId.CheckEngineLog]: { title: 'Check Engine Log...', icon: '$(checklist)' },
  [CommandId.OpenHubConfig]: { title: 'Open Hub Model config.json', icon: '$(go-to-file)' },
  [CommandId.ConvertToGqa]: { title: 'Convert to Grouped-Query Attention...', icon: '$(combine)', enablement: 'isWorkspaceTrusted' },
  [CommandId.GetState]: { title: 'Internal: Document State (for tests)' },
};

/** Where commands appear in the palette: model-config commands only on model configs; internal ones never. */
const PALETTE_WHEN: Partial<Record<CommandId, string>> = {
  [CommandId.OpenPanel]: CONTEXT_IS_MODEL_CONFIG,
  [CommandId.RunBenchmark]: CONTEXT_IS_MODEL_CONFIG,
  [CommandId.CopySummary]: CONTEXT_IS_MODEL_CONFIG,
  [CommandId.ConvertToGqa]: `${CONTEXT_IS_MODEL_CONFIG} && resourceScheme == file`,
  [CommandId.GetState]: 'false',
  [CommandId.OpenHubConfig]: 'false',
};

const DTYPE_DESCRIPTIONS: Record<string, string> = {
  auto: "The model's own dtype (torch_dtype / dtype in the config).",
  fp32: '4 bytes per value.',
  fp16: '2 bytes per value.',
  bf16: '2 bytes per value.',
  fp8: '1 byte per value (vLLM fp8 KV cache).',
  int8: '1 byte per value.',
  int4: 'Half a byte per value.',
  q8_0: "llama.cpp's q8_0 blocks: 34 bytes per 32 values.",
  q4_0: "llama.cpp's q4_0 blocks: 18 bytes per 32 values.",
};

function configuration(): Record<string, unknown> {
  const d = DEFAULT_SETTINGS;
  const severity = { type: 'string', enum: [...RULE_SEVERITIES] };
  const properties: Record<string, Record<string, unknown>> = {
    context: { type: 'integer', minimum: 0, default: d.context, markdownDescription: "Context length (tokens per sequence) the KV costs are shown at. `0` means each model's own maximum (`max_position_embeddings`)." },
    batch: { type: 'integer', minimum: 1, default: d.batch, markdownDescription: 'Concurrent sequences the KV costs are multiplied by.' },
    kvDtype: { type: 'string', enum: ['auto', ...KV_DTYPES], enumDescriptions: ['auto', ...KV_DTYPES].map((k) => DTYPE_DESCRIPTIONS[k] ?? k), default: d.kvDtype, markdownDescription: 'KV cache element format. `auto` uses the model\'s dtype.' },
    tensorParallel: { type: 'integer', minimum: 1, default: d.tensorParallel, markdownDescription: 'Tensor-parallel degree: per-GPU KV heads are `max(1, KV heads / degree)`; lint warns when the degree does not divide the query heads or replicates KV heads.' },
    gpuMemoryGiB: { type: 'number', exclusiveMinimum: 0, default: d.gpuMemoryGiB, markdownDescription: 'Memory of one GPU in GiB, for "what fits" answers (largest context, most sequences).' },
    ruleSeverities: {
      type: 'object',
      default: d.ruleSeverities,
      markdownDescription: 'Severity per lint rule, by code; `off` disables a rule. Rules not listed keep their default severity.',
      properties: Object.fromEntries(LINT_RULES.map((r) => [r.code, { ...severity, markdownDescription: `${r.title} (default: \`${r.defaultSeverity}\`).` }])),
      additionalProperties: severity,
    },
    extraGlobs: { type: 'array', items: { type: 'string' }, default: d.extraGlobs, markdownDescription: 'Globs of JSON files to treat as model configs even when their content does not say so. A glob without `/` matches the file name anywhere (`*.model.json`); other globs match the workspace-relative path (`models/**/*.json`).' },
    // Where model ids' configs come from (src/extension/hub/settings.ts).
    ...HUB_SETTINGS,
  };
  let order = 0;
  return {
    title: CATEGORY,
    properties: Object.fromEntries(Object.entries(properties).map(([key, schema]) => [`${SETTINGS_SECTION}.${key}`, { ...schema, order: order++ }])),
  };
}

/** `contributes`, as package.json should hold it. */
export function contributes(): Record<string, unknown> {
  const ids = Object.values(CommandId);
  return {
    commands: ids.map((command) => ({ command, category: CATEGORY, ...COMMANDS[command] })),
    menus: {
      commandPalette: ids.filter((id) => PALETTE_WHEN[id]).map((command) => ({ command, when: PALETTE_WHEN[command] })),
      'editor/title': [{ command: CommandId.OpenPanel, when: MODEL_CONFIG, group: 'navigation' }],
      'editor/context': [
        { command: CommandId.OpenPanel, when: MODEL_CONFIG, group: '9_kvLens@1' },
        { command: CommandId.CopySummary, when: MODEL_CONFIG, group: '9_kvLens@2' },
        { command: CommandId.RunBenchmark, when: `${MODEL_CONFIG} && isWorkspaceTrusted`, group: '9_kvLens@3' },
      ],
    },
    configuration: configuration(),
    // Every config.json gets descriptions and completions; the schema has no validating keyword, so a
    // config.json of another tool can never get an error from it (test/unit/ext-schema.test.ts).
    jsonValidation: [{ fileMatch: 'config.json', url: './schemas/model-config.schema.json' }],
    grammars: [{ scopeName: GRAMMAR_SCOPE, path: './syntaxes/kv-lens.injection.json', injectTo: ['source.json', 'source.json.comments'] }],
    // GGUF models open in the KV Lens panel (a read-only custom editor: src/extension/gguf/editor.ts).
    customEditors: [{ viewType: GGUF_EDITOR_VIEW_TYPE, displayName: 'KV Lens: GGUF model', selector: [{ filenamePattern: '*.gguf' }], priority: 'default' }],
  };
}

/** `activationEvents`: JSON documents, and restoring a panel after a reload. Commands activate implicitly. */
export function activationEvents(): string[] {
  // Model ids are hovered in Python, shell, YAML, Markdown...: those languages activate KV Lens too (src/extension/hub).
  const idLanguages = MODEL_ID_LANGUAGES.filter((l) => l !== 'json' && l !== 'jsonc').map((l) => `onLanguage:${l}`);
  return ['onLanguage:json', 'onLanguage:jsonc', ...idLanguages, `onWebviewPanel:${PANEL_VIEW_TYPE}`, `onCustomEditor:${GGUF_EDITOR_VIEW_TYPE}`];
}

/** `capabilities`: analysis is read-only and works anywhere; benchmarks run code, so they need trust. */
export function capabilities(): Record<string, unknown> {
  return {
    untrustedWorkspaces: {
      supported: 'limited',
      description: 'Hovers, diagnostics, quick fixes and the panel work in untrusted workspaces, and so does reading public model configs from the Hugging Face Hub (JSON only: nothing runs); running attention benchmarks needs a trusted workspace.',
    },
    virtualWorkspaces: true,
  };
}
