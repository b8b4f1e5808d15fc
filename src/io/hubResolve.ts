/**
 * Where a model id's config.json comes from, in order, for the CLI and the editor alike:
 * 1. the local Hugging Face cache (read-only; src/io/hfCache.ts);
 * 2. KV Lens's own store of configs fetched before (src/io/hubStore.ts): a commit always, a branch while
 *    its stored commit is younger than `refMaxAgeMs`, and at any age when offline or the Hub cannot be reached;
 * 3. the Hub (src/io/hub.ts), unless offline; what it returns is stored for next time.
 * Exact weights come with a Hub fetch (safetensors headers) and are stored with the config.
 */
import type { ExactWeights } from '../core/exactWeights';
import type { ModelRef } from '../core/modelId';
import { readCachedConfig } from './hfCache';
import { fetchExactWeights, fetchHubConfig, HubError, type HubClientOptions, type HubErrorKind } from './hub';
import type { HubStore } from './hubStore';

/** Where the answer came from. */
export type ModelSource = { kind: 'hf-cache'; path: string } | { kind: 'store'; dir: string; fetchedAt: number } | { kind: 'hub'; endpoint: string };

/** A model's config, resolved. */
export interface ResolvedModel {
  id: string;
  revision: string;
  commit: string;
  text: string;
  bom: boolean;
  source: ModelSource;
  exactWeights?: ExactWeights;
  /** `ORG/NAME@commit`: the name a report gives it. */
  label: string;
  /** The repository's files, when the Hub was asked (the model info's list). */
  files?: string[];
}

/** Why no config could be had. */
export interface ResolveFailure {
  error: string;
  kind: HubErrorKind | 'cache';
  retryAfterS?: number;
}

/** What resolution needs. */
export interface ResolveOptions {
  /** The Hugging Face hub cache folder (hfHubCacheDir). */
  cacheDir: string;
  store?: HubStore;
  client: HubClientOptions;
  /** Read exact weights from the Hub's safetensors headers (default true). */
  exactWeights?: boolean;
  /** How long a stored branch -> commit is trusted while online (default 10 minutes). */
  refMaxAgeMs?: number;
  /** Ask only the caches: no network even when online (a hover on prose, a fast first answer). */
  cacheOnly?: boolean;
}

const TEN_MINUTES = 10 * 60 * 1000;

function resolved(id: string, revision: string, commit: string, text: string, bom: boolean, source: ModelSource, exactWeights?: ExactWeights | null): ResolvedModel {
  return { id, revision, commit, text, bom, source, ...(exactWeights ? { exactWeights } : {}), label: `${id}@${commit}` };
}

/** Resolves `ref` to its config (see the module comment for the order). Never throws. */
export async function resolveModel(ref: ModelRef, opts: ResolveOptions): Promise<ResolvedModel | ResolveFailure> {
  const rev = ref.revision ?? 'main';
  const cached = readCachedConfig(ref.id, rev, opts.cacheDir);
  if (cached.kind === 'found') {
    const stored = opts.store?.get(ref.id, cached.commit);
    return resolved(ref.id, rev, cached.commit, cached.config.text, cached.config.bom, { kind: 'hf-cache', path: cached.path }, stored?.exactWeights);
  }
  if (cached.kind === 'no-config') return { error: cached.reason, kind: 'no-config' };
  const fromStore = (anyAge: boolean): ResolvedModel | undefined => {
    const r = opts.store?.ref(ref.id, rev);
    if (!r || (!anyAge && Date.now() - r.at > (opts.refMaxAgeMs ?? TEN_MINUTES))) return undefined;
    const s = opts.store!.get(ref.id, r.commit);
    return s ? resolved(ref.id, rev, s.commit, s.text, s.bom, { kind: 'store', dir: opts.store!.dir, fetchedAt: s.fetchedAt }, s.exactWeights) : undefined;
  };
  const offline = opts.client.offline === true;
  const stored = fromStore(offline || opts.cacheOnly === true);
  if (stored) return stored;
  const unreadable = cached.kind === 'unreadable' ? ` (the Hugging Face cache has it, but ${cached.error.message})` : '';
  if (offline) return { error: `${ref.id}@${rev}: offline (HF_HUB_OFFLINE or kvLens.hub.offline), and not in the Hugging Face cache (${opts.cacheDir}) or KV Lens's store${unreadable}`, kind: 'offline' };
  if (opts.cacheOnly) return { error: `${ref.id}@${rev} is not cached`, kind: 'cache' };
  try {
    const hub = await fetchHubConfig(ref.id, rev, opts.client);
    let exact: ExactWeights | null | undefined;
    // Only where the file list names safetensors weights (the library would otherwise probe by HEAD requests).
    const hasSafetensors = hub.files.length === 0 || hub.files.some((f) => f === 'model.safetensors' || f === 'model.safetensors.index.json');
    if (opts.exactWeights !== false && hasSafetensors) {
      try {
        exact = (await fetchExactWeights(ref.id, hub.commit, opts.client)) ?? null;
      } catch {
        // Weights are a refinement: without them the report keeps the estimate from shapes (and asks again next time).
        exact = undefined;
      }
    }
    opts.store?.put({ id: ref.id, commit: hub.commit, text: hub.text, bom: hub.bom, ...(exact !== undefined ? { exactWeights: exact } : {}), fetchedAt: Date.now() }, rev);
    return { ...resolved(ref.id, rev, hub.commit, hub.text, hub.bom, { kind: 'hub', endpoint: hub.endpoint }, exact), files: hub.files };
  } catch (e) {
    const err = e instanceof HubError ? e : new HubError('bad-response', ref.id, String(e));
    // The Hub out of reach: a config stored before, however old, is better than nothing.
    if (err.kind === 'network' || err.kind === 'dns' || err.kind === 'timeout') {
      const old = fromStore(true);
      if (old) return old;
    }
    return { error: err.message + unreadable, kind: err.kind, ...(err.retryAfterS !== undefined ? { retryAfterS: err.retryAfterS } : {}) };
  }
}
