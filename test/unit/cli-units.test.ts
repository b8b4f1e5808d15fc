/**
 * The pieces under the CLI's trust guarantees, one by one: the reader (src/io/readConfigFile), the terminal
 * escaper (src/cli/escape) and the size parser (src/cli/sizes). The CLI-level cases are in cli-trust.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { displayValue, escapeLines, escapeText, terminalSafeJson } from '../../src/core/escape';
import { parseAmount, parseCount, parseCountList, SizeError } from '../../src/core/sizes';
import { ConfigReadError, decodeConfigBytes, firstInvalidUtf8, MAX_CONFIG_BYTES, readConfigFile, readConfigFileOrThrow, wideEncoding } from '../../src/io/readConfigFile';
import { CONFIGS } from '../fixtures/paths';

test('reader: the cap counts bytes read, not the size stat reports (a /proc file says 0)', { skip: !existsSync('/proc/self/status') }, () => {
  const full = readConfigFileOrThrow('/proc/self/status', { maxBytes: 1 << 20 });
  assert.ok(full.bytes > 200, 'the file has content although stat says 0');
  const r = readConfigFile('/proc/self/status', { maxBytes: 100 });
  assert.ok('error' in r);
  assert.equal(r.error.kind, 'too-large');
  assert.match(r.error.message, /^\/proc\/self\/status: larger than /);
});

test('reader: a real config reads to the same text as readFileSync; the default cap is 256 MiB', () => {
  const path = join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json');
  const r = readConfigFileOrThrow(path);
  assert.equal(r.text, readFileSync(path, 'utf8'));
  assert.equal(r.bytes, readFileSync(path).length);
  assert.equal(r.bom, false);
  assert.equal(MAX_CONFIG_BYTES, 256 * 1024 * 1024);
});

test('reader: a file exactly at the cap is read; one byte more is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvlens-reader-'));
  try {
    writeFileSync(join(dir, 'at.json'), '{"a": 1}  ');
    assert.equal(readConfigFileOrThrow(join(dir, 'at.json'), { maxBytes: 10 }).bytes, 10);
    assert.throws(() => readConfigFileOrThrow(join(dir, 'at.json'), { maxBytes: 9 }), (e: unknown) => e instanceof ConfigReadError && e.kind === 'too-large');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reader: only ConfigReadError is thrown, with a kind to branch on', () => {
  for (const [path, kind] of [['/dev/null', 'not-regular'], [tmpdir(), 'directory'], [join(tmpdir(), 'kvlens-no-such-file-xyz.json'), 'missing']] as const) {
    if (!existsSync(path) && kind !== 'missing') continue;
    const r = readConfigFile(path);
    assert.ok('error' in r, path);
    assert.equal(r.error.kind, kind, path);
    assert.equal(r.error.path, path);
  }
});

test('decoding: UTF-16/32 by mark or NUL pattern; UTF-8 BOM stripped; invalid UTF-8 located', () => {
  const text = '{"model_type": "llama"}';
  assert.equal(wideEncoding(Buffer.from(text, 'utf16le')), 'UTF-16 little-endian');
  assert.equal(wideEncoding(Buffer.from(text, 'utf16le').swap16()), 'UTF-16 big-endian');
  assert.equal(wideEncoding(Buffer.from([0xff, 0xfe, 0x7b, 0x00])), 'UTF-16 little-endian');
  assert.equal(wideEncoding(Buffer.from([0xfe, 0xff, 0x00, 0x7b])), 'UTF-16 big-endian');
  assert.equal(wideEncoding(Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0])), 'UTF-32 little-endian');
  assert.equal(wideEncoding(Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x7b])), 'UTF-32 big-endian');
  assert.equal(wideEncoding(Buffer.from(text)), undefined);
  assert.equal(wideEncoding(Buffer.from('{"a": "日本語のテキスト"}')), undefined);
  assert.throws(() => decodeConfigBytes('c.json', Buffer.from(text, 'utf16le')), /^ConfigReadError: c\.json: UTF-16 \(config\.json must be UTF-8\)/);
  const bom = decodeConfigBytes('c.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
  assert.deepEqual(bom, { text, bytes: text.length + 3, bom: true });
  assert.equal(firstInvalidUtf8(Buffer.from('ok é ✓ 😀')), -1);
  assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0xc0, 0x80])), 1, 'overlong');
  assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0x42, 0xed, 0xa0, 0x80])), 2, 'a surrogate');
  assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0xe2, 0x9c])), 1, 'truncated');
  assert.throws(() => decodeConfigBytes('c.json', Buffer.from([0x7b, 0xff, 0x7d])), /not UTF-8: byte 1 \(0xff\)/);
});

test('escaper: C0, DEL, C1, bidi and separators shown as escapes; everything else untouched', () => {
  assert.equal(escapeText('\u001b[2J\u001b]0;t\u0007'), '\\x1b[2J\\x1b]0;t\\x07');
  assert.equal(escapeText('a\tb\nc\rd\u0000'), 'a\\tb\\nc\\rd\\x00');
  assert.equal(escapeText('\u007f\u0085\u009b'), '\\x7f\\x85\\x9b');
  assert.equal(escapeText('\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029'), '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c\\u2028\\u2029');
  assert.equal(escapeText('\ud800x\udc00'), '\\ud800x\\udc00', 'lone surrogates');
  assert.equal(escapeText('Llama-3 ✓ 日本 😀 C:\\models\\x.json'), 'Llama-3 ✓ 日本 😀 C:\\models\\x.json');
  assert.equal(escapeLines('line 1\nline\u001b 2\n'), 'line 1\nline\\x1b 2\n');
  // Idempotent: escaped text holds nothing left to escape.
  const once = escapeText('\u001b\u202e\n');
  assert.equal(escapeText(once), once);
});

test('JSON made terminal-safe is the same JSON', () => {
  const value = { s: '\u001b\u007f\u0085\u009b\u202e\u2066\u200f\u2028x', n: [1, 2] };
  const text = terminalSafeJson(value);
  assert.doesNotMatch(text, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u2028\u2029]/);
  assert.deepEqual(JSON.parse(text), value);
  assert.deepEqual(JSON.parse(terminalSafeJson(value, 2)), value);
});

test('displayValue survives any JSON value, null-prototype objects included', () => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
  assert.equal(displayValue(bare), '{"a":1}');
  assert.equal(displayValue([1, 'x']), '[1,"x"]');
  assert.equal(displayValue(null), 'null');
  assert.equal(displayValue(undefined), '-');
  assert.equal(displayValue(8), '8');
  assert.equal(displayValue('bf16'), 'bf16');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(displayValue(cyclic), '[object Object]');
});

test('sizes: one grammar; k = 1024, m = 1024^2; everything else refused', () => {
  const tokens = { max: 2 ** 40, suffix: true };
  assert.equal(parseCount('--context', '32k', tokens), 32_768);
  assert.equal(parseCount('--context', '32K', tokens), 32_768);
  assert.equal(parseCount('--context', '1m', tokens), 1_048_576);
  assert.equal(parseCount('--context', '4096', tokens), 4096);
  assert.equal(parseCount('--context', '08', tokens), 8, 'decimal, never octal');
  for (const bad of ['0x10', '0b11', '0o7', '1e3', '1.5k', '32_768', '32,768', '+8', '-8', ' 8', '8 ', '', 'k', '8kk', 'Infinity', 'NaN', '0', '99999999999999999999', '1099511627777', '2000000m']) {
    assert.throws(() => parseCount('--context', bad, tokens), (e: unknown) => e instanceof SizeError && e.message.startsWith('--context must'), JSON.stringify(bad));
  }
  assert.throws(() => parseCount('--batch', '4k', { max: 1e7 }), /--batch must be a whole number \(digits only\)/);
  assert.deepEqual(parseCountList('--context', '4k,16k', tokens), [4096, 16_384]);
  assert.throws(() => parseCountList('--context', '4k,', tokens), /not ""/);
  assert.throws(() => parseCountList('--context', '1,2,3', { ...tokens, maxItems: 2 }), /at most 2 values/);
  assert.equal(parseAmount('--gpu-mem', '79.5', { max: 1e6, unit: 'GiB' }), 79.5);
  assert.equal(parseAmount('--gpu-mem', '.5', { max: 1e6, unit: 'GiB' }), 0.5);
  for (const bad of ['1e3', '0x50', '-80', '0', 'Infinity', '80GiB', '80.', '', '1000000']) {
    assert.throws(() => parseAmount('--gpu-mem', bad, { max: 1e6, unit: 'GiB' }), SizeError, JSON.stringify(bad));
  }
});
