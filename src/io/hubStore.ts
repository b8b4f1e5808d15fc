/**
 * KV Lens's own store of configs fetched from the Hub, keyed by id and commit, so a second hover is instant and
 * a model seen once works offline. It lives where KV Lens keeps its things (the editor's `globalStorageUri`,
 * the CLI's `$XDG_CACHE_HOME/kv-lens` or `~/.cache/kv-lens`), never in the Hugging Face cache.
 *
 *   <dir>/hub/<org>--<name>/<commit>.json   { id, commit, text, bom, exactWeights, fetchedAt }
 *   <dir>/hub/<org>--<name>/refs.json       { "<revision>": { commit, at } }: what a branch pointed to, and when
 *
 * Bounded: at most {@link MAX_ENTRIES} configs and {@link MAX_STORE_BYTES}; the least recently written go first.
 * Files are read through the one reader; writes go to a temporary name and are renamed into place, so a
 * reader never sees half a record. A record that cannot be read or parsed is treated as absent.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ExactWeights } from '../core/exactWeights';
import { isValidRepoId, isValidRevision } from '../core/modelId';
import { isCommitHash, type HfEnv } from './hfCache';
import { readConfigFile } from './readConfigFile';

export const MAX_ENTRIES = 200;
export const MAX_STORE_BYTES = 32 * 1024 * 1024;

/** A stored config. */
export interface StoredConfig {
  id: string;
  commit: string;
  text: string;
  bom: boolean;
  /** Exact weights from the Hub's safetensors headers; null when the repo has none; absent when not asked yet. */
  exactWeights?: ExactWeights | null;
  fetchedAt: number;
}

/** The CLI's store folder: `$XDG_CACHE_HOME/kv-lens`, else `~/.cache/kv-lens`. */
export function cliStoreDir(env: HfEnv = process.env, home: string = homedir()): string {
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'kv-lens');
}

function repoDir(dir: string, id: string): string {
  return join(dir, 'hub', id.split('/').join('--'));
}

function readJson(path: string): unknown {
  const r = readConfigFile(path, { maxBytes: MAX_STORE_BYTES });
  if ('error' in r) return undefined;
  try {
    return JSON.parse(r.text) as unknown;
  } catch {
    return undefined;
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The store at `dir`. Every method swallows file-system failures: the store is a cache, never a requirement. */
export class HubStore {
  constructor(
    readonly dir: string,
    private readonly limits: { maxEntries: number; maxBytes: number } = { maxEntries: MAX_ENTRIES, maxBytes: MAX_STORE_BYTES },
  ) {}

  /** The commit `revision` pointed to when last fetched, and when (ms since the epoch). */
  ref(id: string, revision: string): { commit: string; at: number } | undefined {
    if (!isValidRepoId(id) || !isValidRevision(revision)) return undefined;
    if (isCommitHash(revision)) return { commit: revision, at: Date.now() };
    const refs = readJson(join(repoDir(this.dir, id), 'refs.json')) as Record<string, { commit?: unknown; at?: unknown }> | undefined;
    const r = refs && typeof refs === 'object' ? refs[revision] : undefined;
    return r && typeof r.commit === 'string' && isCommitHash(r.commit) && typeof r.at === 'number' ? { commit: r.commit, at: r.at } : undefined;
  }

  /** The stored config of `id` at `commit`. */
  get(id: string, commit: string): StoredConfig | undefined {
    if (!isValidRepoId(id) || !isCommitHash(commit)) return undefined;
    const v = readJson(join(repoDir(this.dir, id), `${commit}.json`)) as Partial<StoredConfig> | undefined;
    if (!v || v.id !== id || v.commit !== commit || typeof v.text !== 'string') return undefined;
    return { id, commit, text: v.text, bom: v.bom === true, ...(v.exactWeights !== undefined ? { exactWeights: v.exactWeights } : {}), fetchedAt: typeof v.fetchedAt === 'number' ? v.fetchedAt : 0 };
  }

  /** Stores a config and what `revision` pointed to; then trims the store to its bounds. */
  put(entry: StoredConfig, revision?: string): void {
    if (!isValidRepoId(entry.id) || !isCommitHash(entry.commit)) return;
    try {
      const dir = repoDir(this.dir, entry.id);
      mkdirSync(dir, { recursive: true });
      writeAtomic(join(dir, `${entry.commit}.json`), JSON.stringify(entry));
      if (revision && !isCommitHash(revision) && isValidRevision(revision)) {
        const refs = (readJson(join(dir, 'refs.json')) as Record<string, unknown> | undefined) ?? {};
        refs[revision] = { commit: entry.commit, at: entry.fetchedAt };
        writeAtomic(join(dir, 'refs.json'), JSON.stringify(refs));
      }
      this.trim();
    } catch {
      // A read-only or full disk: the answer is still given, just not kept.
    }
  }

  /** Ids with a stored config (for completion), sorted. */
  ids(): string[] {
    try {
      return readdirSync(join(this.dir, 'hub'))
        .map((n) => n.split('--'))
        .filter((p) => p.length === 2)
        .map((p) => p.join('/'))
        .filter(isValidRepoId)
        .sort();
    } catch {
      return [];
    }
  }

  private trim(): void {
    const files: { path: string; size: number; mtime: number }[] = [];
    const root = join(this.dir, 'hub');
    for (const repo of readdirSync(root)) {
      let names: string[];
      try {
        names = readdirSync(join(root, repo));
      } catch {
        continue;
      }
      for (const n of names) {
        if (!/^[0-9a-f]{40}\.json$/.test(n)) continue;
        const path = join(root, repo, n);
        try {
          const st = statSync(path);
          files.push({ path, size: st.size, mtime: st.mtimeMs });
        } catch {
          // Gone meanwhile (another window trimming): nothing to count.
        }
      }
    }
    files.sort((a, b) => b.mtime - a.mtime);
    let total = 0;
    files.forEach((f, i) => {
      total += f.size;
      if (i >= this.limits.maxEntries || total > this.limits.maxBytes) rmSync(f.path, { force: true });
    });
  }
}
