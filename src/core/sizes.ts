/**
 * The one parser for sizes a user types, on every surface: the CLI's flags (`analyze`, `bench`), the editor's
 * input boxes (select commands) and the panel's controls. Pure: no Node, no vscode.
 *
 * Token counts (context, prompt, block size): decimal digits with an optional binary suffix, k = 1,024 and
 * m = 1,048,576 (either case), as KV Lens prints them ("8k" is 8,192 everywhere). Plain counts (batch, tp,
 * threads, KV heads): decimal digits only. GiB amounts: a plain decimal number ("80", "79.5").
 * Everything else is refused rather than guessed: signs, spaces, "0x10", "0b11", "0o7", "1e3", "1.5k", "32_768",
 * "Infinity", a trailing unit.
 */

/** A size that could not be read: the message names the flag and quotes the text. */
export class SizeError extends Error {}

const SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 * 1024 };

function quoted(text: string): string {
  return JSON.stringify(text);
}

/**
 * A whole number from `min` to `max`. With `suffix`, `k`/`m` multiply by 1,024 / 1,048,576.
 * Throws {@link SizeError} naming `flag`.
 */
export function parseCount(flag: string, text: string, options: { min?: number; max: number; suffix?: boolean }): number {
  const min = options.min ?? 1;
  const what = options.suffix ? 'a whole number of tokens (digits, optionally k = 1024 or m = 1048576: 4096, 32k, 1m)' : 'a whole number (digits only)';
  const m = (options.suffix ? /^([0-9]+)([kKmM]?)$/ : /^([0-9]+)()$/).exec(text);
  if (!m) throw new SizeError(`${flag} must be ${what} from ${min} to ${options.max}, not ${quoted(text)}`);
  const digits = m[1]!.replace(/^0+(?=\d)/, '');
  const n = digits.length > 16 ? Infinity : Number(digits) * SUFFIX[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(n) || n < min || n > options.max) throw new SizeError(`${flag} must be from ${min} to ${options.max}, not ${quoted(text)}${n !== Number(digits) && Number.isFinite(n) ? ` (= ${n})` : ''}`);
  return n;
}

/** A comma-separated list of {@link parseCount} values; an empty item is refused. */
export function parseCountList(flag: string, text: string, options: { min?: number; max: number; suffix?: boolean; maxItems?: number }): number[] {
  const items = text.split(',');
  if (options.maxItems !== undefined && items.length > options.maxItems) throw new SizeError(`${flag} takes at most ${options.maxItems} values, not ${items.length}`);
  return items.map((item) => parseCount(flag, item, options));
}

/** A positive decimal amount below `max` ("80", "79.5", "0.5"); no exponent, sign, hex or suffix. */
export function parseAmount(flag: string, text: string, options: { max: number; unit: string }): number {
  const ok = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$/.test(text);
  const n = ok ? Number(text) : NaN;
  if (!(n > 0 && n < options.max)) throw new SizeError(`${flag} must be a positive decimal number of ${options.unit} below ${options.max} (such as 80 or 79.5), not ${quoted(text)}`);
  return n;
}
