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
import { join } from 'node:path';
import type { GgufHeader } from '../core/gguf/header';
import { pickGgufFile } from '../core/gguf/pick';
import { isCommitHash, readCachedConfig, repoFolderName } from './hfCache';
import { fetchExactWeights, fetchHubConfig, fetchHubGguf, HubError, type HubClientOptions, type HubErrorKind } from './hub';
import { GgufReadError, readGguf } from './gguf';
import { inspectPath, listFolder, readConfigFile } from './readConfigFile';
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

/** A GGUF-only model's header, resolved (the HF cache's snapshot, else the Hub by range requests). */
export interface ResolvedGguf {
  id: string;
  revision: string;
  commit: string;
  /** The file picked (core/gguf/pick: llama.cpp's choice) and its shards, as paths in the repository. */
  file: string;
  shards: string[];
  header: GgufHeader;
  source: ModelSource;
  /** `ORG/NAME@commit/FILE`: the name a report gives it. */
  label: string;
}

/** Which `.gguf` to read: llama.cpp's `-hf org/name:TAG` tag, or a file named outright (`--hf-file`). */
export interface GgufSelect {
  tag?: string;
  file?: string;
}

/** Folders of a snapshot walked for `.gguf` files (repos put quantisations in subfolders: `Q4_K_M/x-00001-of-00002.gguf`). */
const SNAPSHOT_DEPTH = 3;
const SNAPSHOT_MAX_FILES = 10_000;

/** The snapshot folder `id@rev` resolves to in the HF cache (refs/<rev> holds the commit), or undefined. Reads only the ref. */
export function cachedSnapshot(id: string, rev: string, cacheDir: string): { commit: string; folder: string } | undefined {
  const repo = join(cacheDir, repoFolderName(id));
  let commit = rev;
  if (!isCommitHash(rev)) {
    const ref = readConfigFile(join(repo, 'refs', rev), { maxBytes: 1024 });
    if ('error' in ref || !isCommitHash(ref.text.trim())) return undefined;
    commit = ref.text.trim();
  }
  const folder = join(repo, 'snapshots', commit);
  return inspectPath(folder).kind === 'directory' ? { commit, folder } : undefined;
}

/** Repository paths of the files in a snapshot folder (links followed by listFolder), at most {@link SNAPSHOT_DEPTH} deep. */
function snapshotFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string, depth: number) => {
    const listed = listFolder(dir);
    if ('error' in listed) return;
    for (const e of listed.entries) {
      if (out.length >= SNAPSHOT_MAX_FILES) return;
      if (e.directory) {
        if (depth < SNAPSHOT_DEPTH) walk(join(dir, e.name), `${prefix}${e.name}/`, depth + 1);
      } else out.push(`${prefix}${e.name}`);
    }
  };
  walk(folder, '', 1);
  return out;
}

/**
 * The header of the `.gguf` llama.cpp would load for `ref` (`select` narrows it), for a repository without
 * config.json. The HF cache first (llama.cpp's own downloads land there too, common/hf-cache.cpp): its snapshot's
 * files, every shard of the pick present and readable; a pick with shards missing is said and, online, read from
 * the Hub instead. Then the Hub (src/io/hub.ts fetchHubGguf), unless offline or `cacheOnly`. Never throws.
 */
export async function resolveGgufModel(ref: ModelRef, opts: ResolveOptions, select: GgufSelect = {}): Promise<ResolvedGguf | ResolveFailure> {
  const rev = ref.revision ?? 'main';
  const done = (commit: string, file: string, shards: string[], header: GgufHeader, source: ModelSource): ResolvedGguf => ({ id: ref.id, revision: rev, commit, file, shards, header, source, label: `${ref.id}@${commit}/${file}` });
  const snap = cachedSnapshot(ref.id, rev, opts.cacheDir);
  let partial = '';
  if (snap) {
    const pick = pickGgufFile(snapshotFiles(snap.folder), select);
    if (!('error' in pick)) {
      // The cache lists only what was downloaded: the shards of the pick that are there, and the ones that are not.
      const missing: string[] = [];
      const all = pickAll(pick.file, pick.shards);
      for (const s of all) if (inspectPath(join(snap.folder, s)).kind !== 'file') missing.push(s);
      const path = join(snap.folder, pick.file);
      if (missing.length === 0) {
        try {
          const header = await readGguf(path);
          return done(snap.commit, pick.file, all, header, { kind: 'hf-cache', path });
        } catch (e) {
          if (!(e instanceof GgufReadError)) throw e;
          partial = ` (the Hugging Face cache has ${pick.file}, but ${e.message.startsWith(path) ? e.message.slice(path.length + 2) : e.message})`;
        }
      } else partial = ` (the Hugging Face cache holds ${all.length - missing.length} of the ${all.length} shards of ${pick.file}; missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`;
    }
  }
  if (opts.client.offline) return { error: `${ref.id}@${rev}: offline (HF_HUB_OFFLINE or kvLens.hub.offline), and no .gguf of it in the Hugging Face cache (${opts.cacheDir})${partial}`, kind: 'offline' };
  if (opts.cacheOnly) return { error: `${ref.id}@${rev} has no cached .gguf${partial}`, kind: 'cache' };
  try {
    const hub = await fetchHubGguf(ref.id, rev, opts.client, select);
    return done(hub.commit, hub.file, hub.shards, hub.header, { kind: 'hub', endpoint: hub.endpoint });
  } catch (e) {
    const err = e instanceof HubError ? e : new HubError('bad-response', ref.id, String(e));
    return { error: err.message + partial, kind: err.kind, ...(err.retryAfterS !== undefined ? { retryAfterS: err.retryAfterS } : {}) };
  }
}

/**
 * Every shard a split pick needs: the cache's listing names only the shards downloaded, so the names are made
 * from the first shard's as llama.cpp makes them (`llama_split_path`: `prefix-%05d-of-%05d.gguf`).
 */
function pickAll(file: string, listed: string[]): string[] {
  const m = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i.exec(file);
  if (!m) return listed;
  const count = Number(m[3]);
  if (!Number.isInteger(count) || count < 1 || count > 1024) return listed;
  return Array.from({ length: count }, (_, i) => `${m[1]}-${String(i + 1).padStart(5, '0')}-of-${m[3]}.gguf`);
}
