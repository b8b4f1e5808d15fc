/**
 * A loopback server that speaks the part of the Hugging Face Hub's HTTP API that `@huggingface/hub` uses for
 * KV Lens (the requests, read from node_modules/@huggingface/hub/dist/index.js):
 *   GET  /api/models/{org}/{name}/revision/{rev}?expand=...   modelInfo: `sha`, `siblings`, `gated`, ...
 *   GET  /{org}/{name}/resolve/{rev}/{path}                    fileDownloadInfo (Range: bytes=0-0) and the body
 *                                                              (WebBlob: whole, or a Range), ETag, X-Repo-Commit
 *   HEAD /{org}/{name}/raw/{rev}/{path}                         fileExists (parseSafetensorsMetadata)
 * and the Hub's failures as huggingface_hub reads them (utils/_http.py): 401 + `X-Error-Code: GatedRepo`,
 * 401/404 `RepoNotFound`, 404 `RevisionNotFound` / `EntryNotFound`, 429 + `Retry-After`; plus a slow answer and
 * a malformed body. Listens on 127.0.0.1 on an ephemeral port; every request is recorded for the tests.
 *
 * Safetensors files are virtual: a real header (8-byte little-endian length, then JSON) followed by zeros made
 * on demand, so a 16 GB checkpoint's header can be served by range without 16 GB of memory; a request for the
 * whole of a large file is refused (KV Lens must only read headers). GGUF files are virtual the same way: the
 * header from test/support/ggufWriter.ts, then zeros, served by Range (206 with Content-Range).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { repoFolderName } from '../../src/io/hfCache';

/** A tensor of a virtual safetensors file. */
export interface FakeTensor {
  dtype: string;
  shape: number[];
}

/** How one repository behaves. */
export interface FakeRepo {
  /** Files by path: text, bytes, a virtual safetensors file, or a virtual GGUF (its header, then zeros). */
  files: Record<string, string | Uint8Array | { safetensors: Record<string, FakeTensor> } | FakeGguf>;
  /** Commit of `main` (default: a hash of the id). Other revisions: `revisions`. */
  commit?: string;
  /** Extra revision names (branches, tags) and their commits. */
  revisions?: Record<string, string>;
  /** Gated: only a request with `Authorization: Bearer <token>` gets in. */
  gatedToken?: string;
  /** Every request answers 429 with this Retry-After. */
  rateLimitedS?: number;
  /** Milliseconds to wait before answering anything. */
  delayMs?: number;
}

/** A virtual GGUF file: the header bytes (test/support/ggufWriter.ts `ggufHeader`), then `dataBytes` of zeros made on demand. */
export interface FakeGguf {
  gguf: { header: Uint8Array; dataBytes: number };
}

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  authorized: boolean;
}

const SAFETENSORS_BYTES: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, F8_E4M3: 1, F8_E5M2: 1, I8: 1, U8: 1, BOOL: 1 };

/** A virtual safetensors file: its header bytes and total size. */
export function safetensorsLayout(tensors: Record<string, FakeTensor>): { header: Uint8Array; size: number; dataBytes: number } {
  let offset = 0;
  const json: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1) * (SAFETENSORS_BYTES[t.dtype] ?? 1);
    json[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  return { header, size: header.length + offset, dataBytes: offset };
}

/** The commit the fake Hub gives `id`'s main branch when none is set: 40 hex digits from the id. */
export function fakeCommit(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}

/** The running server. */
export interface FakeHub {
  url: string;
  repos: Map<string, FakeRepo>;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts the fake Hub with `repos` (id -> behaviour); more may be added to `repos` while it runs. */
export async function startFakeHub(repos: Record<string, FakeRepo> = {}): Promise<FakeHub> {
  const map = new Map(Object.entries(repos));
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    handle(map, requests, req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    repos: map,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function errorJson(res: ServerResponse, status: number, code: string | undefined, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...(code ? { 'X-Error-Code': code, 'X-Error-Message': message } : {}), ...extra });
  res.end(JSON.stringify({ error: message }));
}

async function handle(map: Map<string, FakeRepo>, requests: SeenRequest[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = decodeURIComponent(url.pathname);
  const auth = req.headers.authorization;
  const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
  requests.push({ method: req.method ?? 'GET', path, ...(range ? { range } : {}), authorized: auth !== undefined });

  const api = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/(.+))?$/.exec(path);
  const file = /^\/([^/]+\/[^/]+)\/(resolve|raw)\/([^/]+)\/(.+)$/.exec(path);
  const id = api?.[1] ?? file?.[1];
  const repo = id ? map.get(id) : undefined;
  if (repo?.delayMs) await new Promise((r) => setTimeout(r, repo.delayMs));
  if (!id || (!api && !file)) return errorJson(res, 404, undefined, 'Not Found');
  if (!repo) return errorJson(res, 401, 'RepoNotFound', 'Repository not found');
  if (repo.rateLimitedS !== undefined) return errorJson(res, 429, undefined, 'Too Many Requests', { 'Retry-After': String(repo.rateLimitedS) });
  if (repo.gatedToken !== undefined && auth !== `Bearer ${repo.gatedToken}`) {
    return errorJson(res, 401, 'GatedRepo', `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
  }
  const main = repo.commit ?? fakeCommit(id);
  const revisions: Record<string, string> = { main, HEAD: main, ...(repo.revisions ?? {}) };
  const rev = api ? (api[2] ?? 'main') : file![3]!;
  const commit = /^[0-9a-f]{40}$/.test(rev) && (rev === main || Object.values(revisions).includes(rev)) ? rev : revisions[rev];
  if (!commit) return errorJson(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);

  if (api) {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({
      _id: fakeCommit(`_id${id}`).slice(0, 24), id, sha: commit, private: false, gated: repo.gatedToken !== undefined ? 'manual' : false,
      downloads: 0, likes: 0, lastModified: '2025-01-01T00:00:00.000Z', pipeline_tag: 'text-generation',
      siblings: Object.keys(repo.files).map((rfilename) => ({ rfilename })),
    }));
    return;
  }
  const name = file![4]!;
  const entry = repo.files[name];
  if (entry === undefined) return errorJson(res, 404, 'EntryNotFound', `${name} does not exist on "${rev}"`);
  let size: number;
  let read: (start: number, end: number) => Uint8Array;
  if (typeof entry === 'string' || entry instanceof Uint8Array) {
    const bytes = typeof entry === 'string' ? Buffer.from(entry, 'utf8') : Buffer.from(entry);
    size = bytes.length;
    read = (s, e) => bytes.subarray(s, e);
  } else if ('gguf' in entry) {
    const { header, dataBytes } = entry.gguf;
    size = header.length + dataBytes;
    read = (s, e) => {
      const out = Buffer.alloc(e - s);
      if (s < header.length) Buffer.from(header.subarray(s, Math.min(e, header.length))).copy(out, 0);
      return out;
    };
  } else {
    const layout = safetensorsLayout(entry.safetensors);
    size = layout.size;
    read = (s, e) => {
      const out = Buffer.alloc(e - s);
      if (s < layout.header.length) Buffer.from(layout.header.subarray(s, Math.min(e, layout.header.length))).copy(out, 0);
      return out;
    };
  }
  const headers: Record<string, string> = {
    ETag: `"${createHash('sha1').update(`${id}/${commit}/${name}`).digest('hex')}"`,
    'X-Repo-Commit': commit,
    'Accept-Ranges': 'bytes',
    'Content-Type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...headers, 'Content-Length': String(size) });
    res.end();
    return;
  }
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (m) {
    const start = Number(m[1]);
    const end = Math.min(size - 1, m[2] ? Number(m[2]) : size - 1);
    if (start >= size || end < start) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    if (end - start + 1 > 64 * 1024 * 1024) return errorJson(res, 500, undefined, 'the fake Hub serves at most 64 MiB per range');
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(end - start + 1) });
    res.end(read(start, end + 1));
    return;
  }
  if (size > 64 * 1024 * 1024) return errorJson(res, 500, undefined, 'the fake Hub does not serve whole weight files');
  res.writeHead(200, { ...headers, 'Content-Length': String(size) });
  res.end(read(0, size));
}

/**
 * Lays out one model in a Hugging Face cache folder as huggingface_hub does (file_download.py): the config as a
 * blob, a relative snapshot link to it, refs holding the commit (default 40 `a`s), and optionally a `.no_exist`
 * marker or a dangling link. Returns the repo folder.
 */
export function cacheModel(cache: string, id: string, configText: string | undefined, opts: { commit?: string; refs?: Record<string, string>; noExist?: boolean; dangling?: boolean } = {}): string {
  const commit = opts.commit ?? 'a'.repeat(40);
  const repo = join(cache, repoFolderName(id));
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', commit), { recursive: true });
  for (const [ref, c] of Object.entries(opts.refs ?? { main: commit })) {
    mkdirSync(join(repo, 'refs', ref, '..'), { recursive: true });
    writeFileSync(join(repo, 'refs', ref), c); // huggingface_hub writes the hash without a newline
  }
  if (configText !== undefined) {
    const etag = `etag${commit.slice(0, 8)}`;
    if (!opts.dangling) writeFileSync(join(repo, 'blobs', etag), configText);
    symlinkSync(join('..', '..', 'blobs', etag), join(repo, 'snapshots', commit, 'config.json'));
  }
  if (opts.noExist) {
    mkdirSync(join(repo, '.no_exist', commit), { recursive: true });
    writeFileSync(join(repo, '.no_exist', commit, 'config.json'), '');
  }
  return repo;
}

/**
 * Puts `files` (repository path -> bytes, or a writer given the blob's path, for sparse files) into the snapshot
 * of `id` at `commit` in a cache laid out by {@link cacheModel}: each as a blob and a relative link to it, as
 * huggingface_hub's `hf_hub_download` leaves them (subfolders included). Returns the snapshot folder.
 */
export function cacheFiles(cache: string, id: string, files: Record<string, string | Uint8Array | ((blob: string) => void)>, commit = 'a'.repeat(40)): string {
  const repo = join(cache, repoFolderName(id));
  const snapshot = join(repo, 'snapshots', commit);
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const blob = join(repo, 'blobs', createHash('sha1').update(`${commit}/${name}`).digest('hex'));
    if (typeof content === 'function') content(blob);
    else writeFileSync(blob, content);
    const link = join(snapshot, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), blob), link);
  }
  return snapshot;
}
