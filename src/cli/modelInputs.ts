/**
 * `kv-lens analyze ORG/NAME[@REV][:QUANT]`: a Hub model id as an input, beside files and folders. An input is a
 * model id only when no file or folder of that name exists (a local `org/name` folder wins, as in transformers'
 * `from_pretrained`) and it has the Hub's id shape (core/modelId). Resolution (src/io/hubResolve): the local
 * Hugging Face cache, KV Lens's store under `$XDG_CACHE_HOME/kv-lens`, then the Hub at `$HF_ENDPOINT` with
 * `$HF_TOKEN` / `$HUGGING_FACE_HUB_TOKEN` / `$HF_HOME/token`; `HF_HUB_OFFLINE=1` means no network. The report
 * is the one a local config gives, its `file` naming `ORG/NAME@commit`:
 * - a config answered from the HF cache whose snapshot holds safetensors (`model.safetensors`, or the index and
 *   its shards, links into `blobs/`) is checked against their headers exactly as a local folder is
 *   (checkpointInputs.ts): exact weights and the config-vs-weights findings. A snapshot with shards missing (a
 *   download interrupted, a partial `allow_patterns`) keeps the estimate and says so in a note; it never fails
 *   the run, since the user's cache is not the model's fault;
 * - a repository without config.json but with `.gguf` files (`:QUANT` or `--gguf-file NAME` pick one, else
 *   llama.cpp's default: core/gguf/pick) is reported from the GGUF header, as `kv-lens analyze x.gguf` would be,
 *   its `file` naming `ORG/NAME@commit/FILE`.
 */
import { analyzeText } from '../core/analyze';
import type { ExactWeights } from '../core/exactWeights';
import { splitGgufTag } from '../core/gguf/pick';
import { parseModelRef, type ModelRef } from '../core/modelId';
import type { ConfigReport, ReportOptions } from '../core/report';
import { hfHubCacheDir } from '../io/hfCache';
import { resolveGgufModel, resolveModel, type GgufSelect, type ResolveOptions } from '../io/hubResolve';
import { resolveEndpoint, resolveOffline, resolveToken } from '../io/hubSettings';
import { cliStoreDir, HubStore } from '../io/hubStore';
import { checkpointForConfig } from './checkpointInputs';
import { reportGgufHeader } from './ggufInputs';

/** A command-line input that names a Hub model. */
export interface ModelInput {
  input: string;
  model: ModelRef;
  /** `:QUANT` after the id (llama.cpp's `-hf org/name:Q4_K_M`): which `.gguf` of a GGUF-only repository. */
  gguf?: GgufSelect;
}

/** The model an input names, when it is no local path and has the Hub's id shape (`:QUANT` allowed at the end). */
export function modelInputOf(input: string): ModelInput | undefined {
  const whole = parseModelRef(input);
  if (whole) return { input, model: whole };
  const { ref, tag } = splitGgufTag(input);
  const model = tag ? parseModelRef(ref) : undefined;
  return model && tag ? { input, model, gguf: { tag } } : undefined;
}

function resolveOptions(env: NodeJS.ProcessEnv): ResolveOptions {
  const token = resolveToken(undefined, env);
  return {
    cacheDir: hfHubCacheDir(env),
    store: new HubStore(cliStoreDir(env)),
    client: { endpoint: resolveEndpoint(undefined, env), offline: resolveOffline(undefined, env), ...(token ? { token: token.token } : {}) },
  };
}

/** A resolved model's text and name, ready for the same analysis as a file; or the input's error. */
export async function resolveModelInput(item: ModelInput, env: NodeJS.ProcessEnv = process.env): Promise<{ file: string; text: string; bom: boolean; exactWeights?: ExactWeights } | { file: string; error: string }> {
  const r = await resolveModel(item.model, resolveOptions(env));
  // A typo in a local path reads as an id too: say both.
  if ('error' in r) return { file: item.input, error: `no such file or folder; as a Hub model id: ${r.error}` };
  return { file: r.label, text: r.text, bom: r.bom, ...(r.exactWeights ? { exactWeights: r.exactWeights } : {}) };
}

type Analyze = (file: string, read: { text: string; bom: boolean }, opts: ReportOptions) => ConfigReport | { file: string; error: string };

/**
 * The report for a model input (see the module comment): the config with what its cached checkpoint adds, or
 * the GGUF header of a GGUF-only repository. `analyze` is analyze.ts's `analyzeConfigText` (passed in: that
 * module imports this one). Never throws for bad input.
 */
export async function analyzeModelInput(item: ModelInput, opts: ReportOptions, analyze: Analyze, options: { ggufFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ConfigReport | { file: string; error: string }> {
  try {
    return await analyzeModel(item, opts, analyze, options);
  } catch (e) {
    // A failure of KV Lens itself on one input is that input's error: the other inputs are still reported.
    return { file: item.input, error: `KV Lens failed on this model id (please report it): ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function analyzeModel(item: ModelInput, opts: ReportOptions, analyze: Analyze, options: { ggufFile?: string; env?: NodeJS.ProcessEnv }): Promise<ConfigReport | { file: string; error: string }> {
  const ro = resolveOptions(options.env ?? process.env);
  const select: GgufSelect | undefined = options.ggufFile !== undefined ? { file: options.ggufFile } : item.gguf;
  const failed = (error: string) => ({ file: item.input, error: `no such file or folder; as a Hub model id: ${error}` });
  const gguf = async (cacheOnly = false) => {
    const g = await resolveGgufModel(item.model, cacheOnly ? { ...ro, cacheOnly } : ro, select ?? {});
    // The file picked is in the report's name (`ORG/NAME@commit/FILE`); the rest is what the local file gives.
    return 'error' in g ? g : reportGgufHeader(g.label, g.header, opts);
  };
  // A quantisation or a file named: the user means a GGUF.
  if (select) {
    const g = await gguf();
    return 'kind' in g ? failed(g.error) : g;
  }
  const r = await resolveModel(item.model, ro);
  if ('error' in r) {
    // No config.json: a GGUF-only repository answers from its GGUF header. Offline or the Hub out of reach: a
    // GGUF in the HF cache still answers, else the config's words stand.
    if (r.kind === 'no-config') {
      const g = await gguf();
      return 'kind' in g ? failed(g.error) : g;
    }
    if (r.kind === 'offline' || r.kind === 'network' || r.kind === 'dns' || r.kind === 'timeout') {
      const g = await gguf(true);
      if (!('kind' in g)) return g;
    }
    return failed(r.error);
  }
  if (r.source.kind !== 'hf-cache') return analyze(r.label, r, r.exactWeights ? { ...opts, exactWeights: r.exactWeights } : opts);
  // The cached snapshot's checkpoint, read as a local folder's is; incomplete, it only says so.
  const checkpoint = await checkpointForConfig(r.source.path, opts.tp ?? 1);
  const complete = checkpoint && checkpoint.errors.length === 0 && checkpoint.exactWeights;
  const exact = complete ? checkpoint.exactWeights : r.exactWeights;
  const result = analyze(r.label, r, exact ? { ...opts, exactWeights: exact } : opts);
  if ('error' in result || !checkpoint) return result;
  if (complete && checkpoint.lint) {
    const extra = checkpoint.lint(analyzeText(r.text));
    result.findings.push(...extra.findings);
    result.findings.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
    result.notes.push(...extra.notes);
  } else {
    const first = checkpoint.errors[0];
    result.notes.push(
      `The Hugging Face cache holds this snapshot's checkpoint only in part (${checkpoint.errors.length} problem${checkpoint.errors.length === 1 ? '' : 's'}${first ? `; first: ${first.file}: ${first.error}` : ''}): the weights ${exact ? "are the Hub's exact figures stored before" : 'stay an estimate from the config'}, and the config is not checked against them.`,
    );
  }
  return result;
}
