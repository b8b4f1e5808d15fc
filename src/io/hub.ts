/**
 * config.json (and exact weights) of a Hub model, over HTTP through `@huggingface/hub`: the maintained client,
 * not a hand-written one. What this module adds around it is what a tool running in an editor needs:
 * - every request goes through one fetch that carries a time limit and the caller's AbortSignal, caps the
 *   bytes of any body it reads, and remembers the Hub's `X-Error-Code` (the library's `HubApiError` keeps only
 *   the status), so failures are mapped to clear messages ({@link HubError});
 * - one attempt per call, never a retry loop: a 429 says when to try again and the caller remembers it;
 * - the text is decoded as a local file is (readConfigFile's `decodeConfigBytes`), so a malformed body gets
 *   the same words as a malformed file.
 *
 * Requests made, in order (node_modules/@huggingface/hub/dist/index.js: `modelInfo`, `fileDownloadInfo`,
 * `downloadFile` / `WebBlob`):
 *   GET  {endpoint}/api/models/{id}/revision/{rev}?expand=...&expand=sha&expand=siblings   commit, file list
 *   GET  {endpoint}/{id}/resolve/{commit}/config.json   Range: bytes=0-0    size (Content-Range) and ETag
 *   GET  {endpoint}/{id}/resolve/{commit}/config.json                       the body
 * Exact weights (`parseSafetensorsMetadata`): HEAD `/{id}/raw/{commit}/model.safetensors` (then the index),
 * and range requests for the 8-byte length and the JSON header of each file; no tensor data.
 */
import { downloadFile, fileDownloadInfo, HubApiError, modelInfo, parseSafetensorsMetadata } from '@huggingface/hub';
import type { DtypeWeights, ExactWeights } from '../core/exactWeights';
import { decodeConfigBytes, ConfigReadError } from './readConfigFile';
import type { GgufHeader } from '../core/gguf/header';
import { pickGgufFile } from '../core/gguf/pick';
import { GgufReadError, MAX_SHARDS as MAX_GGUF_SHARDS, readGgufUrl } from './gguf';

/** The most bytes read for a config.json from the Hub (the largest published ones are tens of KiB). */
export const MAX_HUB_CONFIG_BYTES = 16 * 1024 * 1024;
/** The most bytes read for any other body (model info, a safetensors header, an index). */
export const MAX_HUB_BODY_BYTES = 64 * 1024 * 1024;
/** Default time limit of one call, all its requests together. */
export const DEFAULT_HUB_TIMEOUT_MS = 15_000;

/** How to reach the Hub. */
export interface HubClientOptions {
  endpoint: string;
  token?: string;
  offline?: boolean;
  /** Time limit of one call (all its requests); default {@link DEFAULT_HUB_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Cancels the call (a hover moved on, the user cancelled). */
  signal?: AbortSignal;
  /** The fetch to use (the editor's, which honours its proxy settings); default the global one. */
  fetch?: typeof fetch;
}

/** Why a Hub call failed. */
export type HubErrorKind =
  | 'offline' // no network allowed
  | 'gated' // 401/403 X-Error-Code: GatedRepo
  | 'unauthorized' // 401/403 otherwise: private or missing (the Hub answers 401 for both without a token)
  | 'not-found' // 404 RepoNotFound
  | 'revision-not-found' // 404 RevisionNotFound
  | 'no-config' // the repo has no config.json (GGUF-only, a dataset-like repo)
  | 'rate-limited' // 429
  | 'timeout'
  | 'cancelled'
  | 'dns'
  | 'network'
  | 'too-large'
  | 'bad-response' // a body that is not what the API promises, or a config that is not UTF-8
  | 'http'; // any other status

/** A failed Hub call, with words for the user. Never holds the token. */
export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    readonly id: string,
    message: string,
    readonly status?: number,
    /** Seconds the Hub asked to wait (429 Retry-After). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** A config fetched from the Hub. */
export interface HubConfig {
  id: string;
  /** The revision asked for (`main` when none was). */
  revision: string;
  commit: string;
  text: string;
  bytes: number;
  bom: boolean;
  endpoint: string;
  /** Files in the repository at that commit (from the model info). */
  files: string[];
}

/** What one response said beyond its status, for error mapping. */
interface Seen {
  status: number;
  errorCode: string | null;
  errorMessage: string | null;
  retryAfter: string | null;
}

/** A fetch with the call's signal, a byte cap on bodies, and a record of the last error response. */
function guardedFetch(base: typeof fetch, signal: AbortSignal, maxBytes: () => number, seen: { last?: Seen }): typeof fetch {
  return async (input, init) => {
    const res = await base(input, { ...init, signal });
    if (!res.ok) seen.last = { status: res.status, errorCode: res.headers.get('X-Error-Code'), errorMessage: res.headers.get('X-Error-Message'), retryAfter: res.headers.get('Retry-After') };
    // A HEAD's Content-Length is the file's size (a weights file: gigabytes), not a body to read.
    if ((init?.method ?? 'GET').toUpperCase() === 'HEAD') return res;
    const declared = Number(res.headers.get('Content-Length') ?? NaN);
    const cap = maxBytes();
    if (Number.isFinite(declared) && declared > cap) {
      await res.body?.cancel().catch(() => undefined);
      throw new BodyTooLarge(cap);
    }
    if (!res.body) return res;
    let total = 0;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          total += chunk.byteLength;
          if (total > cap) controller.error(new BodyTooLarge(cap));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

class BodyTooLarge extends Error {
  constructor(readonly cap: number) {
    super(`the response is larger than ${cap} bytes`);
  }
}

/** The model page, where access to a gated model is requested. */
export function modelPage(endpoint: string, id: string): string {
  return `${endpoint}/${id}`;
}

const TOKEN_HOW = 'set a token with "KV Lens: Set Hugging Face Token" in the editor, or HF_TOKEN for the command line';

/** Maps whatever a call threw to a {@link HubError} naming the model, the revision and what to do. */
function toHubError(e: unknown, id: string, revision: string, endpoint: string, signal: AbortSignal, userSignal: AbortSignal | undefined, seen: { last?: Seen }, hadToken: boolean): HubError {
  if (e instanceof HubError) return e;
  if (userSignal?.aborted) return new HubError('cancelled', id, `${id}: cancelled`);
  if (signal.aborted) return new HubError('timeout', id, `${id}: the Hub at ${endpoint} did not answer in time`);
  const find = (x: unknown, f: (y: unknown) => boolean): unknown => {
    for (let i = 0, c: unknown = x; c && i < 5; i++, c = (c as { cause?: unknown }).cause) if (f(c)) return c;
    return undefined;
  };
  const big = find(e, (c) => c instanceof BodyTooLarge) as BodyTooLarge | undefined;
  if (big) return new HubError('too-large', id, `${id}@${revision}: the Hub's response is larger than ${formatMiB(big.cap)}, the most KV Lens reads`);
  if (find(e, (c) => (c as { name?: string })?.name === 'TimeoutError' || (c as { name?: string })?.name === 'AbortError')) {
    return new HubError('timeout', id, `${id}: the Hub at ${endpoint} did not answer in time`);
  }
  if (e instanceof HubApiError || seen.last) {
    const status = e instanceof HubApiError ? e.statusCode : seen.last!.status;
    const code = seen.last?.status === status ? seen.last.errorCode : null;
    // Status and X-Error-Code as huggingface_hub reads them (src/huggingface_hub/utils/_http.py, hf_raise_for_status).
    if (code === 'GatedRepo') {
      return new HubError('gated', id, `${id} is a gated model: ${hadToken ? 'your token has not been granted access' : 'it needs a token from an account that has access'}. Request access at ${modelPage(endpoint, id)}, then ${TOKEN_HOW}.`, status);
    }
    if (code === 'RevisionNotFound') return new HubError('revision-not-found', id, `${id} has no revision ${revision} on the Hub`, status);
    if (code === 'EntryNotFound') return new HubError('no-config', id, noConfig(id, revision, []), status);
    if (status === 429) {
      const after = retryAfterSeconds(seen.last?.retryAfter ?? null);
      return new HubError('rate-limited', id, `${id}: the Hub is rate limiting requests (429); KV Lens will not ask again for ${after} s`, status, after);
    }
    if (code === 'RepoNotFound' || code === 'RepositoryNotFound' || status === 404 || status === 401) {
      return new HubError(status === 404 ? 'not-found' : 'unauthorized', id, `${id} is not on the Hub at ${endpoint}, or it is private${hadToken ? ' and your token cannot read it' : `: ${TOKEN_HOW}`}`, status);
    }
    if (status === 403) return new HubError('unauthorized', id, `${id}: the Hub refused access (403)${hadToken ? '' : `; ${TOKEN_HOW}`}`, status);
    return new HubError('http', id, `${id}: the Hub answered ${status}`, status);
  }
  const code = (find(e, (c) => typeof (c as { code?: unknown })?.code === 'string') as { code?: string } | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new HubError('dns', id, `${id}: cannot resolve the Hub's host name (${new URL(endpoint).host}): no network or DNS?`);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return new HubError('timeout', id, `${id}: the Hub at ${endpoint} did not answer in time`);
  if (code && /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)$/.test(code)) return new HubError('network', id, `${id}: cannot reach the Hub at ${endpoint} (${code})`);
  if (e instanceof TypeError && /access token/i.test(e.message)) return new HubError('unauthorized', id, `${id}: the Hugging Face token is not valid (${e.message})`);
  const text = e instanceof Error ? e.message : String(e);
  return new HubError(e instanceof TypeError && /fetch failed/.test(text) ? 'network' : 'bad-response', id, `${id}: ${e instanceof TypeError && /fetch failed/.test(text) ? `cannot reach the Hub at ${endpoint}` : `the Hub's answer could not be read (${text.slice(0, 200)})`}`);
}

function retryAfterSeconds(v: string | null): number {
  const n = v === null ? NaN : Number(v);
  if (Number.isFinite(n) && n >= 0) return Math.min(3600, Math.max(1, Math.ceil(n)));
  const date = v === null ? NaN : Date.parse(v);
  if (Number.isFinite(date)) return Math.min(3600, Math.max(1, Math.ceil((date - Date.now()) / 1000)));
  return 60;
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 100) / 100} MiB`;
}

function noConfig(id: string, revision: string, files: string[]): string {
  const gguf = files.filter((f) => /\.gguf$/i.test(f));
  return `${id}@${revision} has no config.json${gguf.length ? ` (a GGUF-only repository: ${gguf.length} .gguf file${gguf.length > 1 ? 's' : ''}; kv-lens analyze ID[:QUANT] reads their header)` : ''}`;
}

/** Runs `body` with the call's guarded fetch and maps every failure to a {@link HubError}. */
async function call<T>(id: string, revision: string, opts: HubClientOptions, maxBytes: () => number, body: (f: typeof fetch) => Promise<T>): Promise<T> {
  if (opts.offline) throw new HubError('offline', id, `${id}: offline (HF_HUB_OFFLINE or kvLens.hub.offline), and not in the Hugging Face cache or KV Lens's store`);
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_HUB_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const seen: { last?: Seen } = {};
  try {
    return await body(guardedFetch(opts.fetch ?? fetch, signal, maxBytes, seen));
  } catch (e) {
    throw toHubError(e, id, revision, opts.endpoint, signal, opts.signal, seen, !!opts.token);
  }
}

/**
 * The commit `rev` resolves to and the files the repository lists at it (model info's `sha` and `siblings`).
 * `listed` is false when the Hub gave no file list (then nothing can be said about which files are absent).
 */
async function repoFiles(id: string, rev: string, common: { hubUrl: string; fetch: typeof fetch; accessToken?: string }): Promise<{ commit: string; listed: boolean; files: string[] }> {
  // `filePaths` is the library's name for the API's `siblings` (MODEL_DERIVED_FIELD_TO_API_KEY).
  const info = await modelInfo({ name: id, revision: rev, additionalFields: ['sha', 'filePaths'], ...common });
  const commit: unknown = info.sha;
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) throw new HubError('bad-response', id, `${id}@${rev}: the Hub's model info has no commit hash`);
  const filePaths: unknown = info.filePaths;
  const files = Array.isArray(filePaths) ? filePaths.filter((n): n is string => typeof n === 'string') : [];
  return { commit, listed: Array.isArray(filePaths), files };
}

/**
 * config.json of `id` at `revision` (default `main`): the model info gives the commit and the files, then the
 * file is fetched at that commit (so the text and the commit agree even if the branch moves meanwhile).
 */
export async function fetchHubConfig(id: string, revision: string | undefined, opts: HubClientOptions): Promise<HubConfig> {
  const rev = revision ?? 'main';
  let cap = MAX_HUB_BODY_BYTES;
  return call(id, rev, opts, () => cap, async (f) => {
    const common = { hubUrl: opts.endpoint, fetch: f, ...(opts.token ? { accessToken: opts.token } : {}) };
    const { commit, listed, files } = await repoFiles(id, rev, common);
    if (listed && !files.includes('config.json')) throw new HubError('no-config', id, noConfig(id, rev, files));
    const repo = { type: 'model' as const, name: id };
    const download = await fileDownloadInfo({ repo, path: 'config.json', revision: commit, ...common });
    if (!download) throw new HubError('no-config', id, noConfig(id, rev, files));
    if (download.size > MAX_HUB_CONFIG_BYTES) throw new HubError('too-large', id, `${id}@${rev}: config.json is ${download.size} bytes, larger than ${formatMiB(MAX_HUB_CONFIG_BYTES)}, the most KV Lens reads`);
    cap = MAX_HUB_CONFIG_BYTES;
    const blob = await downloadFile({ repo, path: 'config.json', revision: commit, downloadInfo: download, xet: false, ...common });
    if (!blob) throw new HubError('no-config', id, noConfig(id, rev, files));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let decoded;
    try {
      decoded = decodeConfigBytes(`${id}@${commit}/config.json`, bytes);
    } catch (e) {
      throw new HubError('bad-response', id, e instanceof ConfigReadError ? e.message : String(e));
    }
    return { id, revision: rev, commit, text: decoded.text, bytes: decoded.bytes, bom: decoded.bom, endpoint: opts.endpoint, files };
  });
}

/** Safetensors element types and their bytes (safetensors' Dtype; sub-byte types are packed, counted by the library). */
const DTYPE_BYTES: Record<string, number> = { F64: 8, I64: 8, U64: 8, C64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, I16: 2, U16: 2, F8_E4M3: 1, F8_E4M3FNUZ: 1, F8_E5M2: 1, F8_E5M2FNUZ: 1, F8_E8M0: 1, E8M0: 1, UE8: 1, I8: 1, U8: 1, BOOL: 1 };

/**
 * Exact weights from the safetensors headers of `id` at `commit`, or undefined when the repo has no
 * safetensors (`model.safetensors` or its index). Parameter counts are the library's
 * (`computeParametersCount`: it knows the packed quantised layouts); bytes are the tensors' data offsets.
 */
export async function fetchExactWeights(id: string, commit: string, opts: HubClientOptions): Promise<ExactWeights | undefined> {
  return call(id, commit, opts, () => MAX_HUB_BODY_BYTES, async (f) => {
    let parsed;
    try {
      parsed = await parseSafetensorsMetadata({ repo: { type: 'model', name: id }, revision: commit, hubUrl: opts.endpoint, fetch: f, computeParametersCount: true, ...(opts.token ? { accessToken: opts.token } : {}) });
    } catch (e) {
      if (e instanceof Error && /does not seem to contain safetensors/.test(e.message)) return undefined;
      throw e;
    }
    const headers = parsed.sharded ? Object.values(parsed.headers) : [parsed.header];
    const byDtype = new Map<string, DtypeWeights>();
    let tensors = 0;
    let bytes = 0;
    for (const header of headers) {
      for (const [name, t] of Object.entries(header)) {
        if (name === '__metadata__') continue;
        const info = t as { dtype: string; shape: number[]; data_offsets: [number, number] };
        const size = info.data_offsets[1] - info.data_offsets[0];
        const row = byDtype.get(info.dtype) ?? { dtype: info.dtype, tensors: 0, params: 0, bytes: 0 };
        row.tensors++;
        row.bytes += size;
        byDtype.set(info.dtype, row);
        tensors++;
        bytes += size;
      }
    }
    const counts = (parsed.parameterCount ?? {}) as Record<string, number>;
    for (const row of byDtype.values()) row.params = counts[row.dtype] ?? Math.round(row.bytes / (DTYPE_BYTES[row.dtype] ?? 1));
    const summed = [...byDtype.values()].reduce((s, r) => s + r.params, 0);
    const totalParams = parsed.parameterTotal ?? summed;
    const files = parsed.filepaths.length;
    const source = `${id}@${commit.slice(0, 12)} safetensors headers (${parsed.sharded ? `${files - 1} shards` : parsed.filepaths[0]})`;
    return { source, tensors, totalParams, bytes, byDtype: [...byDtype.values()], packing: [] };
  });
}

/** A GGUF header read from the Hub by range requests. */
export interface HubGguf {
  id: string;
  revision: string;
  commit: string;
  endpoint: string;
  /** The file picked (llama.cpp's choice, core/gguf/pick), and every shard of it. */
  file: string;
  shards: string[];
  header: GgufHeader;
}

/**
 * The header of the `.gguf` that `llama-server -hf id[:tag]` would load (or `file`, named), from a repository
 * without config.json: the model info gives the commit and the files, then each shard's header is read by range
 * requests (`readGgufUrl`: 206 required, the header's bytes capped) through this module's guarded fetch (time
 * limit, the caller's signal, the token, a byte cap per response). No tensor data is fetched.
 */
export async function fetchHubGguf(id: string, revision: string | undefined, opts: HubClientOptions, select: { tag?: string; file?: string } = {}): Promise<HubGguf> {
  const rev = revision ?? 'main';
  return call(id, rev, opts, () => MAX_HUB_BODY_BYTES, async (f) => {
    const common = { hubUrl: opts.endpoint, fetch: f, ...(opts.token ? { accessToken: opts.token } : {}) };
    const { commit, listed, files } = await repoFiles(id, rev, common);
    const pick = pickGgufFile(files, select);
    if ('error' in pick) throw new HubError('no-config', id, `${id}@${rev} has no config.json, and ${pick.error}`);
    if (pick.shards.length > MAX_GGUF_SHARDS) throw new HubError('too-large', id, `${id}@${rev}: ${pick.file} is split in ${pick.shards.length} shards; at most ${MAX_GGUF_SHARDS} are read`);
    // The token rides on the range requests as on the library's own (a gated GGUF repository needs it).
    const authed: typeof fetch = (input, init) => f(input, opts.token ? { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), Authorization: `Bearer ${opts.token}` } } : init);
    const headers: GgufHeader[] = [];
    for (const shard of pick.shards) {
      const url = `${opts.endpoint}/${id}/resolve/${commit}/${shard.split('/').map(encodeURIComponent).join('/')}`;
      try {
        headers.push(await readGgufUrl(url, { fetch: authed }));
      } catch (e) {
        if (!(e instanceof GgufReadError)) throw e;
        // The URL in the reader's words is the endpoint's; the user's words are the repository's path.
        throw new HubError('bad-response', id, `${id}@${commit.slice(0, 12)}/${shard}: ${e.message.startsWith(url) ? e.message.slice(url.length + 2) : e.message}`);
      }
    }
    const first = headers[0]!;
    const header: GgufHeader = {
      file: pick.file,
      version: first.version,
      metadata: first.metadata,
      tensors: headers.flatMap((h) => h.tensors),
      shards: headers.length,
      ...(headers.every((h) => h.fileBytes !== undefined) ? { fileBytes: headers.reduce((n, h) => n + h.fileBytes!, 0) } : {}),
    };
    return { id, revision: rev, commit, endpoint: opts.endpoint, file: pick.file, shards: pick.shards, header };
  });
}
