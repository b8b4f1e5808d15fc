/**
 * Model ids for the editor: one resolution per id and revision (src/io/hubResolve: HF cache, KV Lens's store
 * in `globalStorageUri`, the Hub), remembered for the session. A hover waits at most {@link HOVER_WAIT_MS};
 * past that it says "fetching" and the answer is there on the next hover. A failure is remembered too and not
 * asked again before {@link FAILURE_HOLD_MS} (a 429: its Retry-After), so nothing retries in a loop. Every
 * request carries a time limit and is aborted when the extension stops.
 *
 * A config answered from the HF cache whose snapshot holds safetensors is checked against their headers as an
 * open local config.json is (src/analysis/weightsCheck.ts, in a worker thread started only then): exact weights
 * and the kv-lens.weights-* findings for the hover. A snapshot with shards missing keeps the estimate and the
 * hover says so.
 *
 * A repository without config.json (GGUF-only) answers from the GGUF header of the file llama.cpp's `-hf id[:TAG]`
 * would load (src/io/hubResolve `resolveGgufModel`: the HF cache's snapshot, else range requests to the Hub);
 * only the description and the exact weights are kept, never the header (a tokenizer is megabytes).
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { AnalysisWorkerClient } from '../../analysis/client';
import { analyzeText, type Analysis } from '../../core/analyze';
import { DEFAULT_SETTINGS, type KvLensSettings } from '../../core/settings';
import type { Finding, ModelDescription } from '../../core/types';
import type { ExactWeights } from '../../core/exactWeights';
import { describeGguf } from '../../core/gguf/describe';
import { ggufWeights } from '../../core/gguf/weights';
import { checkpointFileIn } from '../../io/safetensors';
import type { ModelIdContext, ModelRef } from '../../core/modelId';
import { hfHubCacheDir, readCachedConfig } from '../../io/hfCache';
import { fetchExactWeights, modelPage, type HubClientOptions } from '../../io/hub';
import { resolveGgufModel, resolveModel, type GgufSelect, type ModelSource, type ResolvedModel, type ResolveFailure } from '../../io/hubResolve';
import { resolveEndpoint, resolveOffline, resolveToken } from '../../io/hubSettings';
import { HubStore } from '../../io/hubStore';
import type { Log } from '../log';
import { readHubSettings, TOKEN_SECRET } from './settings';

/** The longest a hover waits for the network. */
export const HOVER_WAIT_MS = 750;
/** How long a failed lookup is answered from memory before one more attempt. */
export const FAILURE_HOLD_MS = 30_000;
const MAX_MEMO = 512;

/** What is known of one id and revision. */
export type ModelState =
  | { state: 'pending' }
  | { state: 'done'; model: ResolvedModel; analysis: Analysis; checkpoint?: SnapshotCheck }
  | { state: 'failed'; error: string; until: number; kind: string; page?: string }
  /** A GGUF-only repository, described from the header of `file` (`label`: `ORG/NAME@commit/FILE`). */
  | { state: 'gguf'; gguf: GgufModel }
  /** Prose: not in any cache, and not worth a request. */
  | { state: 'not-cached' };

/** What a GGUF-only model's hover needs of its header. */
export interface GgufModel {
  id: string;
  revision: string;
  commit: string;
  file: string;
  shards: number;
  label: string;
  source: ModelSource;
  model: ModelDescription;
  weights: ExactWeights;
  architecture: string;
  known: boolean;
  keysMissing: string[];
}

type Entry = { state: 'pending'; promise: Promise<void> } | Exclude<ModelState, { state: 'pending' }>;

/** What the HF cache's snapshot checkpoint said of a config (see the module comment). */
export interface SnapshotCheck {
  /** `model.safetensors`, `model.safetensors.index.json (4 shards)`. */
  source: string;
  findings: Pick<Finding, 'code' | 'severity' | 'message'>[];
  /** Files that could not be read (a shard not downloaded, a dangling link): the weights stay an estimate. */
  problems: string[];
}

/** The editor's model-id resolver. */
export class HubModels implements vscode.Disposable {
  private readonly memo = new Map<string, Entry>();
  private readonly aborts = new Set<AbortController>();
  private readonly byCommit = new Map<string, ResolvedModel>();
  readonly store: HubStore;
  /** Started at the first cached snapshot with safetensors. */
  private worker: AnalysisWorkerClient | undefined;
  /** The settings the weights check lints with (tensor parallelism); registerHubFeatures sets them. */
  settings: () => KvLensSettings = () => DEFAULT_SETTINGS;

  constructor(context: vscode.ExtensionContext, private readonly log: Log) {
    this.store = new HubStore(vscode.Uri.joinPath(context.globalStorageUri, 'hub-store').fsPath);
    this.secrets = context.secrets;
  }
  private readonly secrets: vscode.SecretStorage;

  /** The HF cache folder this window reads. */
  cacheDir(): string {
    return hfHubCacheDir();
  }

  /** Forgets everything (settings or token changed). */
  clear(): void {
    this.memo.clear();
  }

  /**
   * The state of `ref`, waiting at most `waitMs` for a fetch (started here when none runs). `prose` ids are
   * answered from the caches only.
   */
  async lookup(ref: ModelRef, context: ModelIdContext, waitMs = HOVER_WAIT_MS, signal?: AbortSignal, select?: GgufSelect): Promise<ModelState> {
    const key = `${ref.id}@${ref.revision ?? 'main'}${select?.tag ? `:${select.tag}` : ''}`;
    const known = this.memo.get(key);
    if (known?.state === 'done' || known?.state === 'gguf') return known;
    if (known?.state === 'failed' && Date.now() < known.until) return known;
    if (context === 'prose') {
      const r = await resolveModel(ref, { ...(await this.options()), cacheOnly: true });
      if ('error' in r) return { state: 'not-cached' };
      const state = this.remember(key, r);
      void this.snapshotCheck(key, r);
      return state;
    }
    let entry = known?.state === 'pending' ? known : undefined;
    if (!entry) {
      const promise = this.fetch(key, ref, select);
      entry = { state: 'pending', promise };
      this.set(key, entry);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      entry.promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
    clearTimeout(timer);
    const now = this.memo.get(key);
    return now && now.state !== 'pending' ? now : { state: 'pending' };
  }

  /** A model resolved this session, by id and commit (the virtual documents' content). */
  resolved(id: string, commit: string): ResolvedModel | undefined {
    const hit = this.byCommit.get(`${id}@${commit}`);
    if (hit) return hit;
    const stored = this.store.get(id, commit);
    if (stored) return { id, revision: commit, commit, text: stored.text, bom: stored.bom, source: { kind: 'store', dir: this.store.dir, fetchedAt: stored.fetchedAt }, label: `${id}@${commit}` };
    const cached = readCachedConfig(id, commit, this.cacheDir());
    return cached.kind === 'found' ? { id, revision: commit, commit, text: cached.config.text, bom: cached.config.bom, source: { kind: 'hf-cache', path: cached.path }, label: `${id}@${commit}` } : undefined;
  }

  private async fetch(key: string, ref: ModelRef, select?: GgufSelect): Promise<void> {
    const abort = new AbortController();
    this.aborts.add(abort);
    let background: Promise<void> | undefined;
    try {
      const opts = await this.options(abort.signal);
      // The config first, for the hover; exact weights after it (a sharded checkpoint's headers take many requests).
      // A quantisation named (`-hf org/name:Q4_K_M`) means the GGUF, not the config.
      const r: ResolvedModel | ResolveFailure = select?.tag ? { error: '', kind: 'no-config' } : await resolveModel(ref, { ...opts, exactWeights: false });
      if ('error' in r) {
        // No config.json: the GGUF header answers, or its words replace "no config.json".
        const g = r.kind === 'no-config' ? await this.gguf(ref, opts, select) : undefined;
        if (g && 'model' in g) {
          this.set(key, { state: 'gguf', gguf: g });
          this.log.info(`model ${key}: ${g.label} (GGUF header) from ${g.source.kind}`);
          return;
        }
        const f = g ?? r;
        const hold = f.retryAfterS !== undefined ? f.retryAfterS * 1000 : FAILURE_HOLD_MS;
        this.set(key, { state: 'failed', error: f.error, until: Date.now() + hold, kind: f.kind, ...(f.kind === 'gated' ? { page: modelPage(opts.client.endpoint, ref.id) } : {}) });
        this.log.info(`model ${key}: ${f.error}`);
      } else {
        this.remember(key, r);
        this.log.info(`model ${key}: ${r.label} from ${r.source.kind}`);
        // Not awaited either: the snapshot's safetensors headers, read off this thread.
        if (r.source.kind === 'hf-cache') void this.snapshotCheck(key, r);
        if (r.source.kind === 'hub' && r.files?.some((f) => f === 'model.safetensors' || f === 'model.safetensors.index.json')) {
          // Not awaited: the hover has its answer now; the weights replace the estimate when they come.
          background = this.weights(key, r, opts.client).finally(() => this.aborts.delete(abort));
        }
      }
    } catch (e) {
      this.set(key, { state: 'failed', error: e instanceof Error ? e.message : String(e), until: Date.now() + FAILURE_HOLD_MS, kind: 'internal' });
    } finally {
      if (!background) this.aborts.delete(abort);
    }
  }

  /** Exact weights from the safetensors headers, then the hover shows them (and the store keeps them). */
  private async weights(key: string, model: ResolvedModel, client: HubClientOptions): Promise<void> {
    try {
      const exact = await fetchExactWeights(model.id, model.commit, client);
      const stored = this.store.get(model.id, model.commit);
      if (stored) this.store.put({ ...stored, exactWeights: exact ?? null });
      if (exact) this.remember(key, { ...model, exactWeights: exact });
    } catch (e) {
      // The estimate from shapes stays; the log says why the headers could not be read.
      this.log.info(`model ${key}: no exact weights (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** A GGUF-only repository's description, or why there is none (the GGUF's words replace "no config.json"). */
  private async gguf(ref: ModelRef, opts: Awaited<ReturnType<HubModels['options']>>, select?: GgufSelect): Promise<GgufModel | ResolveFailure> {
    const g = await resolveGgufModel(ref, opts, select ?? {});
    if ('error' in g) return g;
    try {
      const d = describeGguf(g.header);
      return {
        id: g.id, revision: g.revision, commit: g.commit, file: g.file, shards: g.header.shards, label: g.label, source: g.source,
        model: d.model, weights: ggufWeights(g.label, g.header.tensors), architecture: d.architecture, known: d.known, keysMissing: d.keysMissing,
      };
    } catch (e) {
      return { error: `${g.label}: GGUF: ${e instanceof Error ? e.message : String(e)}`, kind: 'bad-response' as const };
    }
  }

  /** The cached snapshot's checkpoint against the config, then the hover shows it (exact weights when complete). */
  private async snapshotCheck(key: string, model: ResolvedModel): Promise<void> {
    if (model.source.kind !== 'hf-cache' || !checkpointFileIn(dirname(model.source.path))) return;
    try {
      this.worker ??= new AnalysisWorkerClient({ onEvent: (message) => this.log.info(`hub weights: ${message}`) });
      const r = await this.worker.weights({ key: `kv-lens-hub:${model.id}@${model.commit}`, version: 0, configPath: model.source.path, text: model.text, settings: this.settings() });
      this.worker.forget(`kv-lens-hub:${model.id}@${model.commit}`);
      const check: SnapshotCheck = { source: r.source ?? 'safetensors', findings: r.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })), problems: r.errors };
      const complete = r.errors.length === 0 && r.exactWeights;
      this.remember(key, complete ? { ...model, exactWeights: r.exactWeights! } : model, complete ? check : { ...check, findings: [] });
    } catch (e) {
      this.log.info(`model ${key}: the cached checkpoint could not be checked (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  private remember(key: string, model: ResolvedModel, checkpoint?: SnapshotCheck): ModelState {
    const entry = { state: 'done' as const, model, analysis: analyzeText(model.text), ...(checkpoint ? { checkpoint } : {}) };
    this.set(key, entry);
    this.byCommit.set(`${model.id}@${model.commit}`, model);
    if (this.byCommit.size > MAX_MEMO) this.byCommit.delete(this.byCommit.keys().next().value!);
    return entry;
  }

  private set(key: string, entry: Entry): void {
    this.memo.delete(key);
    this.memo.set(key, entry);
    if (this.memo.size > MAX_MEMO) this.memo.delete(this.memo.keys().next().value!);
  }

  /** Where to look, as the settings, the environment and SecretStorage say now. The token is never logged. */
  private async options(signal?: AbortSignal) {
    const s = readHubSettings();
    const secret = await this.secrets.get(TOKEN_SECRET);
    const token = resolveToken(secret);
    return {
      cacheDir: this.cacheDir(),
      store: this.store,
      // The extension host's fetch: VS Code routes it through `http.proxy` (http.fetchAdditionalSupport).
      client: { endpoint: resolveEndpoint(s.endpoint), offline: resolveOffline(s.offline), ...(token ? { token: token.token } : {}), ...(signal ? { signal } : {}) },
    };
  }

  dispose(): void {
    for (const a of this.aborts) a.abort();
    this.aborts.clear();
    this.worker?.dispose();
    this.memo.clear();
  }
}
