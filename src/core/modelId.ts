/**
 * Hugging Face Hub model ids in any text: `from_pretrained("Qwen/Qwen3-8B")`, `vllm serve org/name`,
 * `model: org/name` in YAML, a Hub URL in Markdown. Recognised by shape and by what surrounds them, never by a
 * list of known models. Pure: no `vscode`, no `node:`.
 *
 * The shape is huggingface_hub's own `validate_repo_id` (huggingface/huggingface_hub,
 * src/huggingface_hub/utils/_validators.py): `REPO_ID_REGEX = ^(\b[\w\-.]+\b/)?\b[\w\-.]+\b$` (ASCII), at most one
 * `/`, no `--` and no `..`, not ending in `.git`, at most 96 characters. KV Lens asks for the namespace too: a
 * bare `gpt2` is a legacy id, but in text it is indistinguishable from any other word.
 *
 * Each match says how sure it is. `strong` (a known flag, key, call or a Hub URL) and `string` (a quoted
 * literal or a code span in code) may be looked up on the Hub; `prose` (a bare `a/b` in running text, `and/or`,
 * `TCP/IP`) is only ever answered from a cache, so a word that merely looks like an id costs no request.
 * Negatives, by context: import paths (`from "react-dom/client"`, `require("a/b")`), paths (`./a/b`, `a/b/c`,
 * `/x/y`), URLs of other hosts, package names (`@scope/name`), MIME types (`text/plain`), file names with a code
 * or data extension (`src/index.ts`), digits only (`24/7`), and every id in a package manager's manifest.
 */

/** How a model id was recognised, which decides whether it may cost a network request. */
export type ModelIdContext =
  /** After a flag, key, call or command that takes a model (`--model`, `model:`, `from_pretrained(`, `vllm serve`). */
  | 'strong'
  /** A Hub URL (`https://huggingface.co/org/name`, `hf.co/org/name`). */
  | 'url'
  /** A quoted string or a Markdown code span, with nothing around it that names a model. */
  | 'string'
  /** Bare text: answered only when a cache holds it. */
  | 'prose';

/** One model id found in a text. */
export interface ModelIdMatch {
  /** `org/name`, as written. */
  id: string;
  /** A revision written with it (`@main`, `revision="abc123"`, `--revision v1`, a URL's `/tree/<rev>`). */
  revision?: string;
  /** Offsets of the id as written (the `@revision` included when attached). */
  start: number;
  end: number;
  context: ModelIdContext;
  /**
   * A quantisation tag written right after the id (`llama-server -hf org/name:Q4_K_M`, llama.cpp common/arg.cpp
   * `-hf <user>/<model>[:quant]`; `ollama run hf.co/org/name:Q4_K_M`): it names a GGUF in the repo, not a
   * revision. Not part of [start, end): the range stays the id's.
   */
  quant?: string;
}

/** A model given on a command line or in an input box: `org/name` or `org/name@revision`. */
export interface ModelRef {
  id: string;
  revision?: string;
}

const MAX_ID_LENGTH = 96;
const PART = /^[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9_])?$/;
// A revision: a branch or tag name, a commit, or a PR ref (refs/pr/1). Git ref rules are wider; these are the
// characters people write after `@` in practice, and the ones that cannot be read as the next token.
const REVISION = /^[\w.][\w.\-/]{0,254}$/;

/**
 * True when `id` is a namespaced Hub repo id under huggingface_hub's `validate_repo_id` rules (see the module
 * comment), e.g. `meta-llama/Llama-3.1-8B`.
 */
export function isValidRepoId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return false;
  const parts = id.split('/');
  if (parts.length !== 2) return false;
  if (!parts.every((p) => PART.test(p))) return false;
  if (id.includes('--') || id.includes('..') || id.endsWith('.git')) return false;
  return true;
}

/** True when `rev` can be a revision (`main`, a commit hash, `v1.0`, `refs/pr/3`). */
export function isValidRevision(rev: string): boolean {
  return REVISION.test(rev) && !rev.includes('..') && !rev.endsWith('/');
}

/** Parses `org/name` or `org/name@rev` as a user typed it; undefined when it is not one. */
export function parseModelRef(text: string): ModelRef | undefined {
  const s = text.trim();
  const at = s.indexOf('@');
  const id = at < 0 ? s : s.slice(0, at);
  const revision = at < 0 ? undefined : s.slice(at + 1);
  if (!isValidRepoId(id)) return undefined;
  if (revision !== undefined && !isValidRevision(revision)) return undefined;
  return revision === undefined ? { id } : { id, revision };
}

/** What the text is: its language (VS Code's id) and file name, when known; both only narrow the search. */
export interface ModelIdTextInfo {
  languageId?: string;
  fileName?: string;
}

// Package manager manifests name packages as `scope/name`, never models; nothing in them is looked up.
const MANIFEST = /(^|[\\/])(package(-lock)?\.json|npm-shrinkwrap\.json|composer\.(json|lock)|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|Cargo\.(toml|lock)|deno\.jsonc?)$/i;

// Top-level MIME types (IANA): `text/plain`, `application/json` are strings everywhere and never models.
const MIME_TOP = new Set(['application', 'audio', 'font', 'image', 'message', 'model', 'multipart', 'text', 'video', 'chemical', 'x-conference']);

// Endings that make a name a file, not a model (model names carry dots too: `Llama-3.1-8B`, `Qwen2.5-7B`).
const FILE_EXT = /\.(py|pyi|ipynb|js|mjs|cjs|jsx|ts|tsx|json|jsonc|ya?ml|toml|md|txt|csv|tsv|html?|css|scss|sh|bash|zsh|ps1|bat|c|cc|cpp|h|hpp|rs|go|java|kt|rb|php|lock|cfg|ini|conf|log|png|jpe?g|gif|svg|webp|pdf|zip|tar|gz|bz2|xz|whl|so|dll|dylib|exe|bin|pt|pth|onnx|gguf|safetensors|ckpt|h5|pkl|npy|npz|parquet|arrow|jsonl)$/i;

// The candidate: two parts, each starting and ending with a letter, digit or underscore, and a revision after `@`.
const CANDIDATE = /[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9_])?\/[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9_])?(?:@[\w.][\w.\-/]*[\w])?/g;

// Hub URLs: huggingface.co or hf.co, then org/name, optionally /tree|blob|resolve/<rev>. Not datasets or spaces.
const HUB_URL = /(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\/(?!(?:datasets|spaces|api|docs|blog|models|collections|papers|settings|organizations|learn|join|login|pricing|tasks)\/)([A-Za-z0-9](?:[\w.-]*[A-Za-z0-9_])?\/[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9_])?)(?:\/(?:tree|blob|resolve)\/([\w.\-]+))?/g;

// What comes just before a value that names a model (the quote, if any, is skipped before these are tried).
// Sources of the spellings: vLLM `vllm serve <model>` and `--model` (vllm/entrypoints/cli/serve.py,
// vllm/engine/arg_utils.py), SGLang `--model-path` (sglang/srt/server_args.py), llama.cpp `-hf/--hf-repo`
// (common/arg.cpp), transformers `from_pretrained(pretrained_model_name_or_path)` and `pipeline(model=)`,
// huggingface_hub `repo_id=` / `hf download <repo_id>` / `huggingface-cli download`, TGI `--model-id`.
const STRONG_BEFORE = [
  // Flags, with a space or `=`: --model, --model-id, --model-path, --model-name-or-path, --tokenizer, -hf, --hf-repo.
  /(?:^|\s)(?:--(?:model|model[-_]id|model[-_]path|model[-_]name|model[-_]name[-_]or[-_]path|tokenizer|hf[-_]repo|draft[-_]model|speculative[-_]model|base[-_]model|repo[-_]id|pretrained[-_]model[-_]name[-_]or[-_]path)|-hf|-hfr|-m)(?:\s+|=)$/,
  // Keys in Python, YAML, TOML, JSON, .env and Dockerfile ENV: model=, model:, "model": , MODEL_ID=, repo_id=.
  /(?:^|[^\w-])["']?(?:[\w-]*model(?:[-_](?:id|name|path|repo|name[-_]or[-_]path))?|pretrained_model_name_or_path|repo[-_]id|tokenizer(?:[-_]name)?|hf[-_]repo)["']?\s*[:=]\s*$/i,
  // Calls whose first argument is a model: from_pretrained(, snapshot_download(, hf_hub_download(, LLM(, pipeline(..., AutoConfig...
  /(?:from_pretrained|snapshot_download|hf_hub_download|model_info|load_checkpoint|LLM|SentenceTransformer)\s*\(\s*$/,
  // Commands whose first positional argument is a model.
  /(?:^|[\s;&|`(])(?:vllm\s+serve|(?:huggingface-cli|hf)\s+download|ollama\s+(?:run|pull)|lms\s+get|mlx_lm\.\w+\s+--model)\s+$/,
];

// An import or require: what follows is a module path.
const IMPORT_BEFORE = /(?:(?:^|[^\w.$])(?:from|import)\s+|(?:require|import)\s*\(\s*)$/;

// transformers.js `pipeline('task', 'Xenova/name')` (huggingface/transformers.js src/pipelines.js: the model is
// the second argument) and transformers' `pipeline("task", "org/name")` positional form.
const PIPELINE_SECOND = /\bpipeline\s*\(\s*["'`][\w-]+["'`]\s*,\s*$/;

// Where an `org/name` is a container image, never a model: Dockerfile `FROM [--platform=..] image`, a compose or
// Kubernetes `image:` key, a GitHub Actions job's `container:`, any argument on a `docker run|pull|push|create|tag|save` / `podman ...` line that is
// not after a model flag (`docker run vllm/vllm-openai --model org/name`: the image is refused, the model kept).
const IMAGE_BEFORE = [
  /(?:^|\s)FROM\s+(?:--platform=\S+\s+)?$/i,
  /(?:^|[^\w-])["']?(?:image(?:[-_]name)?|container)["']?\s*[:=]\s*$/i,
  /(?:^|[\s;&|`(])(?:docker|podman|nerdctl)\s+(?:(?:image|container)\s+)?(?:run|pull|push|create|tag|save|inspect|rmi)\b/,
];

// A GitHub Actions step (`uses: actions/checkout@v4`, docs.github.com workflow syntax `jobs.<id>.steps[*].uses`):
// `owner/repo@ref` of an action, never a model.
const USES_BEFORE = /(?:^|[\s-])uses\s*:\s*$/;

// A C/C++/Objective-C include (`#include <sys/types.h>`, `#import <Foundation/Foundation.h>`).
const INCLUDE_BEFORE = /#\s*(?:include|import)\s*[<"]?$/;

// First path segments that are folders of a source tree or a system, not Hub namespaces; outside a model flag or
// key, `src/models`, `torch/nn`, `usr/lib` are paths or module names. (A real org of that name still resolves
// after `--model`, `from_pretrained(` ... where the context is strong.)
const PATH_ROOTS = new Set([
  'src', 'lib', 'libs', 'test', 'tests', 'spec', 'docs', 'doc', 'data', 'dataset', 'datasets', 'model', 'models', 'scripts', 'script', 'bin',
  'build', 'dist', 'out', 'output', 'outputs', 'config', 'configs', 'conf', 'assets', 'static', 'public', 'app', 'apps', 'pkg', 'cmd',
  'internal', 'vendor', 'node_modules', 'include', 'sys', 'usr', 'etc', 'var', 'tmp', 'home', 'opt', 'mnt', 'dev', 'proc', 'examples',
  'example', 'utils', 'util', 'tools', 'runs', 'logs', 'checkpoints', 'ckpt', 'weights', 'cache', 'torch', 'tensorflow', 'tf', 'jax',
  'numpy', 'np', 'os', 'refs', 'origin', 'upstream', 'heads', 'tags', 'features', 'feature', 'fix', 'bugfix', 'hotfix', 'release',
  // OCI platforms (`--platform=linux/amd64`, `linux/arm64/v8`).
  'linux', 'darwin', 'windows', 'freebsd',
]);

// Words joined by a slash in prose and units: `and/or`, `km/h`, `TCP/IP`, `I/O`, `w/o`, `n/a`, `tokens/s`.
function isWordPair(org: string, name: string): boolean {
  if (!/^[A-Za-z]+$/.test(org) || !/^[A-Za-z]+$/.test(name)) return false;
  return name.length === 1 || (org.length <= 3 && name.length <= 3);
}

/** Where the revision written near an id sits: `revision="x"`, `revision: x`, `--revision x`. */
const REVISION_NEAR = /(?:--revision(?:\s+|=)|\brevision["']?\s*[:=]\s*)\\?["']?([\w.][\w.\-/]*[\w])/;

/**
 * Every model id in `text`, in order. Linear in the text's length; nothing in `text` can make it slower.
 * For a hover, pass only the lines around the position ({@link modelIdAt} does).
 */
export function findModelIds(text: string, info: ModelIdTextInfo = {}): ModelIdMatch[] {
  if (info.fileName && MANIFEST.test(info.fileName)) return [];
  const prose = isProseLanguage(info);
  const out: ModelIdMatch[] = [];
  const taken: [number, number][] = [];
  for (const m of text.matchAll(HUB_URL)) {
    const start = m.index!;
    // `git clone https://huggingface.co/org/name.git`: the repo's git URL names the model without `.git`.
    const git = !m[2] && m[1]!.endsWith('.git');
    const id = git ? m[1]!.slice(0, -4) : m[1]!;
    if (!isValidRepoId(id)) continue;
    const end = start + m[0].length - (git ? 4 : 0);
    // A longer path after the id (`/raw/...` handled above): anything but a revision tail is still the model page.
    const tag = text[end] === ':' ? QUANT_TAG.exec(text.slice(end))?.[1] : undefined;
    out.push({ id, ...(m[2] ? { revision: m[2] } : {}), start, end, context: 'url', ...(tag !== undefined ? { quant: tag } : {}) });
    taken.push([start, end]);
  }
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (taken.some(([a, b]) => start < b && end > a)) continue;
    const match = classify(text, m[0], start, end, prose);
    if (match) out.push(match);
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The model id under `offset`, or undefined. Reads only the line holding the offset and the three lines after
 * it (for a `revision=` on the next line of a call), so a hover costs the same in any file.
 */
export function modelIdAt(text: string, offset: number, info: ModelIdTextInfo = {}): ModelIdMatch | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = offset;
  for (let k = 0; k < 4 && lineEnd !== -1; k++) lineEnd = text.indexOf('\n', lineEnd + (k === 0 ? 0 : 1));
  const end = lineEnd === -1 ? text.length : lineEnd;
  // Past ~64 KiB a single "line" is data (minified JSON, a base64 blob), not code that names a model.
  if (end - lineStart > 65_536) return undefined;
  const firstLineEnd = text.indexOf('\n', offset);
  const slice = text.slice(lineStart, end);
  const found = findModelIds(slice, info).find((m) => lineStart + m.start <= offset && offset <= lineStart + m.end && (firstLineEnd === -1 || lineStart + m.start < firstLineEnd));
  return found ? { ...found, start: found.start + lineStart, end: found.end + lineStart } : undefined;
}

function isProseLanguage(info: ModelIdTextInfo): boolean {
  const lang = info.languageId;
  if (lang === 'markdown' || lang === 'plaintext') return true;
  return lang === undefined && !!info.fileName && /\.(md|markdown|txt|rst)$/i.test(info.fileName);
}

function classify(text: string, written: string, start: number, end: number, prose: boolean): ModelIdMatch | undefined {
  const at = written.indexOf('@');
  const id = at < 0 ? written : written.slice(0, at);
  let revision = at < 0 ? undefined : written.slice(at + 1);
  if (!isValidRepoId(id)) return undefined;
  if (revision !== undefined && !isValidRevision(revision)) return undefined;
  const before = text[start - 1] ?? '';
  const after = text[end] ?? '';
  // Part of something longer: a path (a/b/c, /a/b, ./a/b, ~/a/b), a package (@scope/name), a URL or domain (x.com/a/b),
  // an identifier (foo_a/b), an email or a Windows path.
  if (/[\w./@~:\\$%+-]/.test(before)) return undefined;
  // An escaped quote closes a string inside a string (notebook JSON: `from_pretrained(\"org/name\")`).
  if (/[\w/:]/.test(after) && after !== ':') return undefined;
  if (after === '\\' && !/["']/.test(text[end + 1] ?? '')) return undefined;
  // A name cannot end in `-` or `.` (validate_repo_id): `org/a-` or `"org/a."` as written is no id, and not `org/a`.
  // A `.` followed by a space or the end of the text is a sentence's full stop.
  if (after === '-') return undefined;
  if (after === '.' && /[\w.\-"'`]/.test(text[end + 1] ?? '')) return undefined;
  const [org, name] = id.split('/') as [string, string];
  if (!/[A-Za-z]/.test(id)) return undefined;
  if (FILE_EXT.test(name)) return undefined;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  let head = text.slice(Math.max(lineStart, start - 200), start);
  const quote = /\\?["'`]$/.exec(head);
  const quoted = quote !== null && closesQuote(text, end, quote[0].slice(-1));
  if (quote) head = head.slice(0, head.length - quote[0].length);
  if (quoted && IMPORT_BEFORE.test(head)) return undefined;
  if (INCLUDE_BEFORE.test(head)) return undefined;
  const strong = STRONG_BEFORE.some((re) => re.test(head)) || (quoted && PIPELINE_SECOND.test(head)) || listItemUnderModelKey(text, lineStart, head);
  // `org/name:tag` is llama.cpp's `-hf repo:quant` (common/arg.cpp) and Ollama's `hf.co/org/name:tag` after a
  // model flag; anywhere else a `:` after a/b is a docker image tag, a URL port or a drive: not an id.
  const tag = after === ':' ? QUANT_TAG.exec(text.slice(end))?.[1] : undefined;
  if (after === ':' && !(strong && tag !== undefined)) return undefined;
  if (!strong) {
    if (MIME_TOP.has(org.toLowerCase())) return undefined;
    if (USES_BEFORE.test(head) || IMAGE_BEFORE.some((re) => re.test(head))) return undefined;
    if (PATH_ROOTS.has(org.toLowerCase())) return undefined;
    // Only bare text: a quoted "a/b" in code is written on purpose.
    if (!quoted && isWordPair(org, name)) return undefined;
  }
  const context: ModelIdContext = strong ? 'strong' : quoted ? 'string' : 'prose';
  // In Markdown and plain text, a quoted a/b is still prose unless it is a code span.
  const finalContext: ModelIdContext = context === 'string' && prose && quote?.[0].slice(-1) !== '`' ? 'prose' : context;
  if (revision === undefined) revision = revisionNear(text, end);
  return { id, ...(revision !== undefined ? { revision } : {}), start, end, context: finalContext, ...(tag !== undefined ? { quant: tag } : {}) };
}

// A quantisation tag after `:` (llama.cpp `-hf org/name:Q4_K_M`, Ollama `hf.co/org/name:IQ3_M`): letters, digits,
// `_`, `.`, `-`, and not followed by more of a path or a port (`:8080/`).
const QUANT_TAG = /^:([A-Za-z0-9][\w.-]{0,63})(?![\w/:.-])/;

// A YAML list item (`- org/name`) under a model key (`base_model:` in a model card's front matter, huggingface_hub
// ModelCardData: `base_model` may be a list), looked for over at most 8 lines up, through sibling items only.
const YAML_ITEM = /^\s*-\s*$/;
const MODEL_LIST_KEY = /^\s*["']?(?:[\w-]*model(?:[-_](?:id|name|path|repo|name[-_]or[-_]path))?s?|pretrained_model_name_or_path|repo[-_]ids?)["']?\s*:\s*$/i;
function listItemUnderModelKey(text: string, lineStart: number, head: string): boolean {
  if (!YAML_ITEM.test(head.replace(/["']$/, ''))) return false;
  let end = lineStart - 1;
  for (let k = 0; k < 8 && end > 0; k++) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    if (MODEL_LIST_KEY.test(line)) return true;
    if (!/^\s*-\s/.test(line)) return false;
    end = start - 1;
  }
  return false;
}

function closesQuote(text: string, end: number, q: string): boolean {
  const next = text[end];
  if (next === q) return true;
  return next === '\\' && text[end + 1] === q;
}

/** A revision written after the id on its line or the next three lines, before any other id. */
function revisionNear(text: string, end: number): string | undefined {
  let stop = end;
  for (let k = 0; k < 4; k++) {
    const nl = text.indexOf('\n', stop + (k === 0 ? 0 : 1));
    if (nl === -1) {
      stop = text.length;
      break;
    }
    stop = nl;
  }
  const tail = text.slice(end, Math.min(stop, end + 400));
  const m = REVISION_NEAR.exec(tail);
  if (!m || !isValidRevision(m[1]!)) return undefined;
  // Another id on the way belongs to its own revision.
  if (/["'\s=(][A-Za-z0-9][\w.-]*\/[A-Za-z0-9]/.test(tail.slice(0, m.index))) return undefined;
  return m[1];
}

/** A local model folder or config named where a model is expected: `--model ./models/llama`, `from_pretrained("/srv/m")`. */
export interface ModelPathMatch {
  /** The path as written (`~` not expanded). */
  path: string;
  start: number;
  end: number;
}

// A path value: ./x, ../x, /x, ~/x, a Windows drive; quoted or bare, up to a quote, a space or a closing bracket.
const PATH_VALUE = /(?:\.{1,2}\/|\/|~\/|[A-Za-z]:[\\/])[^\s"'`,;)\]}]*/g;

/**
 * The local path under `offset` when it stands where a model id would (the same flags, keys, calls and commands
 * as {@link findModelIds}' `strong` context), e.g. `vllm serve ./models/llama`: the editor resolves it to the
 * folder's config.json, as transformers' `from_pretrained` prefers an existing folder. Only the offset's line is read.
 */
export function modelPathAt(text: string, offset: number): ModelPathMatch | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  const lineEnd = nl === -1 ? text.length : nl;
  if (lineEnd - lineStart > 65_536) return undefined;
  const line = text.slice(lineStart, lineEnd);
  for (const m of line.matchAll(PATH_VALUE)) {
    const start = lineStart + m.index!;
    const end = start + m[0].length;
    if (offset < start || offset > end || m[0].length < 2) continue;
    let head = line.slice(Math.max(0, m.index! - 200), m.index!);
    // Part of a longer token (a URL's //host/x, a/./b): not a path value on its own.
    if (/[\w.:/~-]$/.test(head)) return undefined;
    head = head.replace(/\\?["'`]$/, '');
    return STRONG_BEFORE.some((re) => re.test(head)) ? { path: m[0], start, end } : undefined;
  }
  return undefined;
}
