/**
 * `kv-lens analyze ORG/NAME[@REV]`: a Hub model id as an input, beside files and folders. An input is a model
 * id only when no file or folder of that name exists (a local `org/name` folder wins, as in transformers'
 * `from_pretrained`) and it has the Hub's id shape (core/modelId). Resolution (src/io/hubResolve): the local
 * Hugging Face cache, KV Lens's store under `$XDG_CACHE_HOME/kv-lens`, then the Hub at `$HF_ENDPOINT` with
 * `$HF_TOKEN` / `$HUGGING_FACE_HUB_TOKEN` / `$HF_HOME/token`; `HF_HUB_OFFLINE=1` means no network. The report
 * is the one a local config gives, its `file` naming `ORG/NAME@commit`.
 */
import type { ExactWeights } from '../core/exactWeights';
import { parseModelRef, type ModelRef } from '../core/modelId';
import { hfHubCacheDir } from '../io/hfCache';
import { resolveModel } from '../io/hubResolve';
import { resolveEndpoint, resolveOffline, resolveToken } from '../io/hubSettings';
import { cliStoreDir, HubStore } from '../io/hubStore';

/** A command-line input that names a Hub model. */
export interface ModelInput {
  input: string;
  model: ModelRef;
}

/** The model an input names, when it is no local path and has the Hub's id shape. */
export function modelInputOf(input: string): ModelInput | undefined {
  const model = parseModelRef(input);
  return model ? { input, model } : undefined;
}

/** A resolved model's text and name, ready for the same analysis as a file; or the input's error. */
export async function resolveModelInput(item: ModelInput, env: NodeJS.ProcessEnv = process.env): Promise<{ file: string; text: string; bom: boolean; exactWeights?: ExactWeights } | { file: string; error: string }> {
  const token = resolveToken(undefined, env);
  const r = await resolveModel(item.model, {
    cacheDir: hfHubCacheDir(env),
    store: new HubStore(cliStoreDir(env)),
    client: { endpoint: resolveEndpoint(undefined, env), offline: resolveOffline(undefined, env), ...(token ? { token: token.token } : {}) },
  });
  // A typo in a local path reads as an id too: say both.
  if ('error' in r) return { file: item.input, error: `no such file or folder; as a Hub model id: ${r.error}` };
  return { file: r.label, text: r.text, bom: r.bom, ...(r.exactWeights ? { exactWeights: r.exactWeights } : {}) };
}
