/**
 * The local Hugging Face cache, read as huggingface_hub lays it out, and never written: KV Lens is a guest
 * there. Files are read through the one reader (readConfigFile.ts), so a dangling snapshot link, a FIFO or a
 * huge file in the cache gets the same refusal as anywhere else.
 *
 * Where the cache is (huggingface/huggingface_hub, src/huggingface_hub/constants.py): `$HF_HUB_CACHE`, else the
 * legacy `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, where `$HF_HOME` defaults to `$XDG_CACHE_HOME/huggingface`
 * and that to `~/.cache/huggingface`.
 *
 * How a model sits in it (src/huggingface_hub/file_download.py: `repo_folder_name`, `try_to_load_from_cache`):
 *   models--ORG--NAME/refs/<revision>          a text file holding the commit the revision pointed to
 *   models--ORG--NAME/snapshots/<commit>/F     F, usually a symbolic link into ../../blobs/<etag>
 *   models--ORG--NAME/.no_exist/<commit>/F     an empty file: the Hub said F does not exist at that commit
 * A 40-hex revision is a commit and names its snapshot directly.
 */
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isValidRepoId, isValidRevision } from '../core/modelId';
import { inspectPath, listFolder, readConfigFile, type ConfigReadError, type ConfigText } from './readConfigFile';

/** The environment variables the cache location depends on. */
export type HfEnv = Readonly<Record<string, string | undefined>>;

/** `$HF_HOME`, or its default under `$XDG_CACHE_HOME` / `~/.cache`. */
export function hfHomeDir(env: HfEnv = process.env, home: string = homedir()): string {
  if (env.HF_HOME) return expandHome(env.HF_HOME, home);
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME, home) : join(home, '.cache');
  return join(xdg, 'huggingface');
}

/** The hub cache folder: `$HF_HUB_CACHE`, `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`. */
export function hfHubCacheDir(env: HfEnv = process.env, home: string = homedir()): string {
  if (env.HF_HUB_CACHE) return expandHome(env.HF_HUB_CACHE, home);
  if (env.HUGGINGFACE_HUB_CACHE) return expandHome(env.HUGGINGFACE_HUB_CACHE, home);
  return join(hfHomeDir(env, home), 'hub');
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/** `models--ORG--NAME` for `ORG/NAME` (huggingface_hub's repo_folder_name for a model repo). */
export function repoFolderName(id: string): string {
  return `models--${id.split('/').join('--')}`;
}

/** True when `s` is a full commit hash, which names a snapshot without a ref. */
export function isCommitHash(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/** A config found in the cache. */
export interface CachedConfig {
  kind: 'found';
  id: string;
  /** The revision asked for (`main` when none was). */
  revision: string;
  /** The commit the revision resolved to. */
  commit: string;
  /** The snapshot path of config.json (a link into blobs/, usually). */
  path: string;
  config: ConfigText;
}

/** Why the cache does not answer. `missing` means: try elsewhere; the others are answers in themselves. */
export type CacheMiss =
  | { kind: 'missing'; reason: string }
  /** The cache records that the Hub has no config.json at that commit (`.no_exist/`): a GGUF-only repo, say. */
  | { kind: 'no-config'; commit: string; reason: string }
  /** The file is there but cannot be read (a dangling link from an interrupted download, permission, ...). */
  | { kind: 'unreadable'; path: string; error: ConfigReadError };

/**
 * config.json of `id` at `revision` (default `main`) from the cache at `cacheDir`. Reads the ref (a few bytes),
 * then the snapshot's config.json; writes nothing.
 */
export function readCachedConfig(id: string, revision: string | undefined, cacheDir: string, file = 'config.json'): CachedConfig | CacheMiss {
  if (!isValidRepoId(id)) return { kind: 'missing', reason: `${id} is not a Hub model id` };
  const rev = revision ?? 'main';
  if (!isValidRevision(rev)) return { kind: 'missing', reason: `${rev} is not a revision` };
  const repo = join(cacheDir, repoFolderName(id));
  if (inspectPath(repo).kind !== 'directory') return { kind: 'missing', reason: `${id} is not in the Hugging Face cache (${cacheDir})` };
  let commit: string;
  if (isCommitHash(rev)) commit = rev;
  else {
    const refPath = join(repo, 'refs', rev);
    const ref = readConfigFile(refPath, { maxBytes: 1024 });
    if ('error' in ref) return { kind: 'missing', reason: `${id}@${rev} is not in the Hugging Face cache (no ref ${rev})` };
    const text = ref.text.trim();
    if (!isCommitHash(text)) return { kind: 'missing', reason: `the cache's ref ${refPath} does not hold a commit hash` };
    commit = text;
  }
  const path = join(repo, 'snapshots', commit, file);
  const what = inspectPath(path);
  if (what.kind === 'error' && what.error.kind === 'missing') {
    // A link whose blob is gone (a download interrupted or a blob pruned): the file was meant to be there.
    if (inspectPath(join(repo, 'snapshots', commit)).kind === 'directory' && linkExists(path)) return { kind: 'unreadable', path, error: what.error };
    if (inspectPath(join(repo, '.no_exist', commit, file)).kind === 'file') {
      return { kind: 'no-config', commit, reason: `${id}@${commit.slice(0, 12)} has no ${file} (the Hugging Face cache records it as absent on the Hub; a GGUF-only repository?)` };
    }
    return { kind: 'missing', reason: `${id}@${rev} has no ${file} in the Hugging Face cache` };
  }
  const read = readConfigFile(path);
  if ('error' in read) return { kind: 'unreadable', path, error: read.error };
  return { kind: 'found', id, revision: rev, commit, path, config: read };
}

function linkExists(path: string): boolean {
  const name = basename(path);
  const listed = listFolder(dirname(path));
  return 'entries' in listed && listed.entries.some((e) => e.name === name);
}

/** A model in the cache: its id and the revisions with a ref. */
export interface CachedModel {
  id: string;
  refs: string[];
}

/**
 * Every model repo in the cache with its refs, sorted by id (for completion). Only folder listings: no file is
 * read. At most `limit` models.
 */
export function listCachedModels(cacheDir: string, limit = 10_000): CachedModel[] {
  const listed = listFolder(cacheDir);
  if ('error' in listed) return [];
  const out: CachedModel[] = [];
  for (const e of listed.entries) {
    if (out.length >= limit) break;
    if (!e.directory || !e.name.startsWith('models--')) continue;
    const parts = e.name.slice('models--'.length).split('--');
    if (parts.length !== 2) continue;
    const id = parts.join('/');
    if (!isValidRepoId(id)) continue;
    const refsListed = listFolder(join(cacheDir, e.name, 'refs'));
    const refs = 'entries' in refsListed ? refsListed.entries.filter((r) => !r.directory).map((r) => r.name) : [];
    out.push({ id, refs });
  }
  return out;
}
