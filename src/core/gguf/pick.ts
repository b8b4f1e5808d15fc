/**
 * Which `.gguf` of a repository (or a folder) is "the model", chosen as `llama-server -hf org/name[:TAG]` chooses
 * it, so KV Lens describes the file llama.cpp would load (ggml-org/llama.cpp, common/download.cpp:
 * `find_best_model`, `gguf_filename_is_model`, `get_gguf_split_info`, `get_split_files`; `--hf-file` is matched
 * there case-insensitively on the whole path in `common_download_get_hf_plan`):
 * - only model files count: names holding `mmproj`, `imatrix`, `mtp-`, `eagle3-`, `dflash-` or `dspark-` are
 *   projectors, importance matrices and draft heads;
 * - a tag (`:Q4_K_M`) picks the first model file whose path holds the tag followed by `.` or `-`, any case;
 *   without one, `Q4_K_M` then `Q8_0` are tried the same way, then the first model file at all;
 * - of a split model (`name-00001-of-00003.gguf`) only the first shard is picked, and the result names every
 *   shard of the same prefix and count.
 * Files are taken in the order given (the Hub's file list). Pure: no `node:`.
 */

/** The default tags, in order, when none is given (llama.cpp's `find_best_model`). */
export const DEFAULT_GGUF_TAGS: readonly string[] = ['Q4_K_M', 'Q8_0'];

/** Substrings of a file name that make it something other than a model (llama.cpp's `gguf_filename_is_model`). */
const NOT_MODEL = ['mmproj', 'imatrix', 'mtp-', 'eagle3-', 'dflash-', 'dspark-'];

/** A split file's parts: `prefix-00001-of-00003.gguf`; index and count 1 for an unsplit file. */
export interface GgufSplitInfo {
  prefix: string;
  index: number;
  count: number;
}

/** The split parts of a `.gguf` path, or undefined for a name that does not end in `.gguf`. */
export function ggufSplitInfo(path: string): GgufSplitInfo | undefined {
  if (!/\.gguf$/i.test(path)) return undefined;
  const stem = path.slice(0, -'.gguf'.length);
  const m = /^(.+)-(\d{5})-of-(\d{5})$/i.exec(stem);
  return m ? { prefix: m[1]!, index: Number(m[2]), count: Number(m[3]) } : { prefix: stem, index: 1, count: 1 };
}

/** True for a `.gguf` path that holds a model (not a projector, an importance matrix or a draft head). */
export function isGgufModelFile(path: string): boolean {
  if (!path.endsWith('.gguf')) return false;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return !NOT_MODEL.some((s) => name.includes(s));
}

/** True for the file of a model that stands for it: unsplit, or the first shard. */
function isFirstPart(path: string): boolean {
  const s = ggufSplitInfo(path);
  return !!s && (s.count <= 1 || s.index === 1);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What was picked: the file llama.cpp would load and every shard of it (itself alone when unsplit). */
export interface GgufPick {
  file: string;
  shards: string[];
}

/**
 * The model file among `files` for `tag` or an explicit `file` name; an error in words (naming the files there
 * are) when none fits.
 */
export function pickGgufFile(files: readonly string[], opts: { tag?: string; file?: string } = {}): GgufPick | { error: string } {
  const ggufs = files.filter((f) => /\.gguf$/i.test(f));
  const available = () => (ggufs.length ? `; the .gguf files: ${ggufs.slice(0, 20).join(', ')}${ggufs.length > 20 ? `, and ${ggufs.length - 20} more` : ''}` : '; there are no .gguf files');
  let primary: string | undefined;
  if (opts.file !== undefined) {
    const want = opts.file.toLowerCase();
    primary = files.find((f) => f.toLowerCase() === want);
    if (!primary) return { error: `no file ${opts.file}${available()}` };
  } else {
    const tags = opts.tag ? [opts.tag] : DEFAULT_GGUF_TAGS;
    for (const t of tags) {
      const pattern = new RegExp(`${escapeRegExp(t)}[.-]`, 'i');
      primary = files.find((f) => isGgufModelFile(f) && isFirstPart(f) && pattern.test(f));
      if (primary) break;
    }
    if (!primary && !opts.tag) primary = files.find((f) => isGgufModelFile(f) && isFirstPart(f));
    if (!primary) return { error: opts.tag ? `no model .gguf file tagged ${opts.tag}${available()}` : `no model .gguf file${available()}` };
  }
  return { file: primary, shards: splitFiles(files, primary) };
}

/** Every shard of `primary`'s split among `files`, in index order (only `primary` when it is not split). */
export function splitFiles(files: readonly string[], primary: string): string[] {
  const s = ggufSplitInfo(primary);
  if (!s || s.count <= 1) return [primary];
  return files
    .filter((f) => {
      const o = ggufSplitInfo(f);
      return !!o && o.count === s.count && o.prefix === s.prefix;
    })
    .sort((a, b) => ggufSplitInfo(a)!.index - ggufSplitInfo(b)!.index);
}

/** Splits `org/name:TAG` (llama.cpp's `-hf` spelling) into the id part and the tag; no tag when there is no `:`. */
export function splitGgufTag(input: string): { ref: string; tag?: string } {
  const colon = input.lastIndexOf(':');
  if (colon < 0) return { ref: input };
  const tag = input.slice(colon + 1);
  // A tag is a quantisation name (Q4_K_M, UD-Q4_K_XL, BF16, F16): letters, digits, `_`, `-`, `.`.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(tag)) return { ref: input };
  return { ref: input.slice(0, colon), tag };
}
