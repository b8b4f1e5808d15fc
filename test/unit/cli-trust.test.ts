/**
 * Issue 16, the CLI's part, as a user runs it: the CLI bundle (built fresh from src/ into the temporary
 * directory, so a stale dist/ cannot hide a regression) in a child process.
 *   - one reader for every input: devices, FIFOs, sockets, symbolic link loops, unreadable folders and files,
 *     UTF-16/UTF-32, a UTF-8 byte-order mark, bytes that are not UTF-8, the size cap; never a hang;
 *   - terminal safety: no control character, ANSI escape or bidi override from a file or a file name reaches
 *     the terminal raw, in table output, in messages or in JSON;
 *   - a closed stdout ends the run quietly;
 *   - flags: one size parser (k = 1024), unknown, repeated, mis-valued and inapplicable flags are usage errors;
 *   - exit codes: 0 clean, 1 any file error, 2 usage error.
 * Set KV_LENS_TEST_CLI to a bundle's path to run these against another build (an older one, to see them fail).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, jsonLines, runCli } from '../support/cli';
import { CONFIGS } from '../fixtures/paths';

const POSIX = process.platform !== 'win32';
const ROOT_USER = POSIX && process.getuid?.() === 0;
let CLI = '';
let WORK = '';

const LLAMA = join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json');

function run(args: string[], options: SpawnSyncOptions = {}) {
  return runCli(CLI, args, { cwd: WORK, ...options });
}

/** A fresh folder under WORK, readable by everyone (the permission case runs as another user when root). */
function folder(name: string): string {
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  return dir;
}

function small(layers = 2, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model_type: 'llama', hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: layers, max_position_embeddings: 1024, torch_dtype: 'bfloat16', ...extra });
}

/** Every character that must never reach a terminal raw. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

before(async () => {
  WORK = mkdtempSync(join(tmpdir(), 'kvlens-cli-trust-'));
  chmodSync(WORK, 0o755);
  CLI = await buildCli(WORK);
});

after(() => {
  if (WORK) rmSync(WORK, { recursive: true, force: true });
});

describe('one reader for every input file', () => {
  test('devices are refused as not regular files, at once, for analyze and bench (no endless read)', { skip: !POSIX }, () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      const a = run(['analyze', dev, LLAMA, '--json'], { timeout: 20_000 });
      assert.equal(a.timedOut, false, `analyze ${dev} did not return`);
      assert.equal(a.code, 1, a.stderr);
      const lines = jsonLines(a.stdout);
      assert.equal(lines.length, 2);
      assert.equal(lines[0]!.file, dev);
      assert.match(String(lines[0]!.error), /not a regular file: it is a character device/);
      assert.equal((lines[1]!.attention as { kvHeads: number }).kvHeads, 8, 'the file after the device is still reported');
      assert.match(a.stderr, new RegExp(`${dev}: not a regular file`));
      const b = run(['bench', dev, '--ep', 'cpu'], { timeout: 20_000 });
      assert.equal(b.timedOut, false, `bench ${dev} did not return`);
      assert.equal(b.code, 1, b.stderr);
      assert.match(b.stderr, new RegExp(`${dev}: not a regular file: it is a character device`));
    }
  });

  test('a FIFO named config.json (given, or found in a folder) is refused without blocking', { skip: !POSIX }, () => {
    const dir = folder('fifo');
    const fifo = join(dir, 'config.json');
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) return; // no mkfifo here
    for (const input of [fifo, dir]) {
      const r = run(['analyze', input, LLAMA, '--json'], { timeout: 20_000 });
      assert.equal(r.timedOut, false, `analyze ${input} hung on the FIFO`);
      assert.equal(r.code, 1);
      const lines = jsonLines(r.stdout);
      assert.equal(lines[0]!.file, fifo);
      assert.match(String(lines[0]!.error), /not a regular file: it is a FIFO/);
      assert.equal(lines.length, 2);
    }
    const b = run(['bench', dir], { timeout: 20_000 });
    assert.equal(b.timedOut, false, 'bench hung on the FIFO');
    assert.equal(b.code, 1);
    assert.match(b.stderr, /not a regular file: it is a FIFO/);
  });

  test('a socket is refused as not a regular file', { skip: !POSIX }, async () => {
    const dir = folder('socket');
    const path = join(dir, 'config.json');
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    try {
      const r = run(['analyze', path], { timeout: 20_000 });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /config\.json: not a regular file: it is a socket/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a symbolic link loop says so; a link to a config is followed; a broken link names its missing target', { skip: !POSIX }, () => {
    const dir = folder('links');
    symlinkSync(join(dir, 'b.json'), join(dir, 'a.json'));
    symlinkSync(join(dir, 'a.json'), join(dir, 'b.json'));
    symlinkSync(LLAMA, join(dir, 'good.json'));
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'broken.json'));
    const r = run(['analyze', join(dir, 'a.json'), join(dir, 'good.json'), join(dir, 'broken.json'), '--json']);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 3);
    assert.match(String(lines[0]!.error), /too many levels of symbolic links/);
    assert.doesNotMatch(String(lines[0]!.error), /no such file/);
    assert.equal((lines[1]!.attention as { kvHeads: number }).kvHeads, 8);
    assert.match(String(lines[2]!.error), /symbolic link whose target does not exist/);
    // A folder of them: the loop is one error among the folder's files, the good one still read.
    const listed = run(['analyze', dir, '--json']);
    const files = jsonLines(listed.stdout).map((l) => [String(l.file).slice(dir.length + 1), 'error' in l ? String(l.error) : 'ok']);
    assert.deepEqual(files.map((f) => f[0]), ['a.json', 'b.json', 'broken.json', 'good.json']);
    assert.equal(files[3]![1], 'ok');
    assert.match(files[0]![1]!, /too many levels of symbolic links/);
  });

  test('an unreadable folder or file among the inputs is reported and the run goes on (files before and after)', { skip: !POSIX }, () => {
    const dir = folder('perm');
    writeFileSync(join(dir, 'first.json'), small(2));
    writeFileSync(join(dir, 'last.json'), small(3));
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'config.json'), small(4));
    chmodSync(locked, 0o000);
    writeFileSync(join(dir, 'secret.json'), small(5));
    chmodSync(join(dir, 'secret.json'), 0o000);
    for (const f of ['first.json', 'last.json']) chmodSync(join(dir, f), 0o644);
    // Root reads everything: run the CLI as nobody then.
    const as: SpawnSyncOptions = ROOT_USER ? { uid: 65534, gid: 65534 } : {};
    try {
      const r = run(['analyze', join(dir, 'first.json'), locked, join(dir, 'secret.json'), join(dir, 'last.json'), '--json'], as);
      assert.doesNotMatch(r.stderr, /at .*\(.*:\d+:\d+\)|EACCES/, 'no stack trace, no bare errno');
      assert.equal(r.code, 1, r.stderr);
      const lines = jsonLines(r.stdout);
      assert.equal(lines.length, 4, r.stdout);
      assert.equal((lines[0]!.layers as { total: number }).total, 2);
      assert.deepEqual(lines[1], { file: locked, error: 'permission denied (cannot list it)' });
      assert.equal(lines[2]!.file, join(dir, 'secret.json'));
      assert.match(String(lines[2]!.error), /permission denied/);
      assert.equal((lines[3]!.layers as { total: number }).total, 3);
      assert.match(r.stderr, /locked: permission denied/);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  test('UTF-16 and UTF-32 files are named as such, with or without a byte-order mark', () => {
    const dir = folder('utf16');
    const text = small(2);
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: [string, Buffer, RegExp][] = [
      ['le-bom.json', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), /UTF-16 \(config\.json must be UTF-8\)/],
      ['be-bom.json', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), /UTF-16 \(config\.json must be UTF-8\)/],
      ['le.json', le, /UTF-16 \(config\.json must be UTF-8\)/],
      ['be.json', be, /UTF-16 \(config\.json must be UTF-8\)/],
      ['utf32.json', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from([...text].flatMap((c) => [c.charCodeAt(0), 0, 0, 0]))]), /UTF-32 \(config\.json must be UTF-8\)/],
    ];
    for (const [name, bytes] of cases) writeFileSync(join(dir, name), bytes);
    const r = run(['analyze', ...cases.map(([name]) => join(dir, name)), '--json']);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, cases.length);
    cases.forEach(([name, , expected], i) => assert.match(String(lines[i]!.error), expected, name));
    assert.doesNotMatch(r.stdout, /Invalid symbol/);
  });

  test('a UTF-8 byte-order mark is stripped (with a note); bytes that are not UTF-8 are refused with their offset', () => {
    const dir = folder('utf8');
    writeFileSync(join(dir, 'bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(small(2))]));
    writeFileSync(join(dir, 'latin1.json'), Buffer.from('{"model_type": "caf\xe9", "num_attention_heads": 4, "hidden_size": 256, "num_hidden_layers": 2}', 'latin1'));
    const r = run(['analyze', join(dir, 'bom.json'), join(dir, 'latin1.json'), '--json']);
    assert.equal(r.code, 1);
    const [bom, latin1] = jsonLines(r.stdout);
    assert.equal((bom!.layers as { total: number }).total, 2, JSON.stringify(bom));
    assert.ok((bom!.notes as string[]).some((n) => /byte-order mark/.test(n)));
    assert.match(String(latin1!.error), /not UTF-8: byte 19 \(0xe9\)/);
  });

  test('a file past the cap is refused as larger than 256 MiB, before it is read', () => {
    const path = join(folder('big'), 'config.json');
    // Sparse: no disk or memory used, and refused by size before a byte is read.
    writeFileSync(path, '');
    truncateSync(path, 256 * 1024 * 1024 + 1);
    const r = run(['analyze', path, LLAMA, '--json']);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout);
    assert.match(String(lines[0]!.error), /larger than 256 MiB/);
    assert.equal(lines.length, 2);
  });

  test('a folder where a file is expected, a path through a file, and a missing input are named', () => {
    const dir = folder('kinds');
    writeFileSync(join(dir, 'plain.json'), small(2));
    const r = run(['analyze', join(dir, 'plain.json', 'config.json'), join(dir, 'missing.json'), '--json']);
    assert.equal(r.code, 1);
    const [through, missing] = jsonLines(r.stdout);
    assert.match(String(through!.error), /a part of the path is a file, not a folder/);
    assert.match(String(missing!.error), /no such file or folder/);
    const b = run(['bench', dir]);
    assert.equal(b.code, 1, 'a folder without config.json: the reader says so');
    assert.match(b.stderr, /config\.json: no such file or folder/);
  });
});

describe('terminal safety', () => {
  const HOSTILE = '\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007\u202e\u2066\u200f\u009b31m\u007f';

  function hostileFolder(): string {
    const dir = folder(`hostile${HOSTILE}`);
    writeFileSync(join(dir, `evil${HOSTILE}.json`), JSON.stringify({
      model_type: HOSTILE, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 4,
      max_position_embeddings: 1024, torch_dtype: `bf${HOSTILE}16`, layer_types: ['full_attention', 'sliding_attention', 'sliding_attention', 'full_attention'],
      sliding_window: 128,
    }));
    // A layer type transformers does not accept is refused, and the refusal quotes it (escaped).
    writeFileSync(join(dir, 'layers.json'), JSON.stringify({
      model_type: 'gemma3_text', hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2,
      layer_types: ['full_attention', `full${HOSTILE}`], sliding_window: 128,
    }));
    writeFileSync(join(dir, 'pattern.json'), JSON.stringify({
      model_type: 'nemotron_h', hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 4, hybrid_override_pattern: '*M\u001b\u001b',
      mamba_num_heads: 8, mamba_head_dim: 32, ssm_state_size: 16, n_groups: 1, conv_kernel: 4,
    }));
    writeFileSync(join(dir, `broken${HOSTILE}.json`), `{"model_type": "${HOSTILE.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}", oops}`);
    return dir;
  }

  test('strings from a config and file names are escaped in table output and messages', () => {
    const dir = hostileFolder();
    const r = run(['analyze', dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, UNSAFE, 'stdout carries a raw control or bidi character');
    assert.doesNotMatch(r.stderr, UNSAFE, 'stderr carries a raw control or bidi character');
    // Shown, not dropped: model_type, the dtype as written, the layer type name, the pattern character, the file name.
    const shown = '\\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07\\u202e\\u2066\\u200f\\x9b31m\\x7f';
    assert.ok(r.stdout.includes(`evil${shown}.json: ${shown}`), r.stdout);
    assert.ok(r.stdout.includes(`"bf${shown}16"`), 'the dtype as written');
    assert.ok((r.stdout + r.stderr).includes(`full${shown}`), 'the layer type name, in its refusal');
    assert.ok(r.stdout.includes('no cache (\\x1b)'), 'the pattern characters');
    assert.ok(r.stderr.includes(`hostile${shown}`), 'the folder name in the error message');
  });

  test('JSON output escapes DEL, C1 and bidi controls too, and still parses to the same strings', () => {
    const dir = hostileFolder();
    const r = run(['analyze', dir, '--json']);
    assert.doesNotMatch(r.stdout, UNSAFE);
    assert.doesNotMatch(r.stderr, UNSAFE);
    const lines = jsonLines(r.stdout);
    const evil = lines.find((l) => String(l.file).endsWith(`evil${HOSTILE}.json`));
    assert.ok(evil, 'the hostile file name parses back exactly');
    assert.equal(evil.modelType, HOSTILE);
  });

  test('a newline in a file name cannot forge a line of output', { skip: !POSIX }, () => {
    const dir = folder('newline');
    const name = join(dir, 'x.json\nfake.json: GQA: 1 query heads');
    writeFileSync(name, small(2));
    const r = run(['analyze', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.split('\n')[0]!.includes('x.json\\nfake.json'), r.stdout.split('\n')[0]);
  });
});

describe('a closed stdout', () => {
  test('`analyze many --json | head -c 100` ends quietly: no EPIPE, no stack trace', async () => {
    const child = spawn(process.execPath, [CLI, 'analyze', CONFIGS, CONFIGS, CONFIGS, '--json'], { cwd: WORK, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let got = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 100) {
          child.stdout.destroy();
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /, stderr);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

describe('flags: one size parser, no flag ignored', () => {
  test('analyze --context 32k is 32,768 tokens (k = 1024, as everywhere else); m = 1024^2', () => {
    for (const [text, tokens] of [['32k', 32_768], ['32K', 32_768], ['1m', 1_048_576], ['8192', 8192]] as const) {
      const r = run(['analyze', LLAMA, '--context', text, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((jsonLines(r.stdout)[0]!.kvCache as { context: number }).context, tokens, text);
    }
  });

  test('hex, binary, octal, exponents, fractions, separators and signs are refused, not guessed', () => {
    for (const text of ['0x10', '0b11', '0o7', '1e3', '1.5k', '32_768', '32,768', '+8', '-8', ' 8', '8 ', '8kk', '8kb', 'Infinity', '', '99999999999999999999']) {
      const r = run(['analyze', LLAMA, `--context=${text}`]);
      assert.equal(r.code, 2, `--context=${JSON.stringify(text)}: ${r.stdout}`);
      assert.match(r.stderr, text === '' ? /--context/ : /--context must be/);
      // bench reads a comma list: "32,768" is two valid lengths there, so it is left out.
      if (text.includes(',')) continue;
      const b = run(['bench', LLAMA, `--context=${text}`]);
      assert.equal(b.code, 2, `bench --context=${JSON.stringify(text)}`);
      assert.match(b.stderr, text === '' ? /--context needs a value/ : /--context must be/);
    }
    for (const flag of ['--batch', '--tp', '--block-size']) {
      const r = run(['analyze', LLAMA, flag, '0x10']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`${flag} must be`));
    }
    for (const text of ['1e3', '0x50', '-80', 'Infinity', '80GiB', '0']) {
      const r = run(['analyze', LLAMA, `--gpu-mem=${text}`]);
      assert.equal(r.code, 2, `--gpu-mem ${text}`);
      assert.match(r.stderr, /--gpu-mem must be a positive decimal number/);
    }
    assert.equal(run(['analyze', LLAMA, '--gpu-mem', '79.5', '--json']).code, 0);
  });

  test('bench: a value after "=" is the whole value (--ep=webgpu=garbage is refused, not cut to webgpu)', () => {
    const r = run(['bench', LLAMA, '--ep=webgpu=garbage']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--ep: expected auto\|cpu\|webgpu\|cuda, got "webgpu=garbage"/);
  });

  test('bench: a flag the phase ignores is a usage error (--context with prefill, --prompt with decode)', () => {
    const prefill = run(['bench', LLAMA, '--phase', 'prefill', '--context', '99999999']);
    assert.equal(prefill.code, 2);
    assert.match(prefill.stderr, /--context sets decode cache lengths; a prefill has no past: use --prompt/);
    const decode = run(['bench', LLAMA, '--prompt', '128']);
    assert.equal(decode.code, 2);
    assert.match(decode.stderr, /--prompt sets the prefill prompt length/);
  });

  test('unknown, repeated and value-less flags are usage errors naming the flag, before any file is read', () => {
    const cases: [string[], RegExp][] = [
      [['analyze', LLAMA, '--bogus'], /Unknown option '--bogus'/],
      [['analyze', LLAMA, '--json=yes'], /'--json' does not take an argument/],
      [['analyze', LLAMA, '--context', '4k', '--context', '8k'], /--context given 2 times/],
      [['analyze', LLAMA, '--context', '--json'], /'--context' argument is ambiguous/],
      [['bench', LLAMA, '--bogus', '1'], /unknown flag --bogus/],
      [['bench', LLAMA, '-x'], /unknown flag -x/],
      [['bench', LLAMA, '--json=1'], /--json takes no value/],
      [['bench', LLAMA, '--ep', 'cpu', '--ep', 'cuda'], /--ep given twice/],
      [['bench', LLAMA, '--context', '--json'], /--context needs a value/],
      [['bench', LLAMA, '--context='], /--context needs a value/],
      [['bench', '/dev/zero', '--ep=cpu=1'], /--ep: expected/],
      [['bench', LLAMA, '--variants', '4k'], /--variants must be a whole number \(digits only\)/],
    ];
    for (const [args, expected] of cases) {
      const r = run(args, { timeout: 20_000 });
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, expected, args.join(' '));
    }
  });
});

describe('exit codes', () => {
  test('analyze: 0 clean, 1 any file error, 2 usage error; help is 0', () => {
    assert.equal(run(['analyze', LLAMA]).code, 0);
    assert.equal(run(['analyze', LLAMA, join(WORK, 'missing.json')]).code, 1);
    assert.equal(run(['analyze', join(WORK, 'missing.json'), LLAMA, '--json']).code, 1);
    assert.equal(run(['analyze']).code, 2);
    assert.equal(run(['analyze', LLAMA, '--kv-dtype', 'fp7']).code, 2);
    const help = run(['analyze', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes: 0/);
    const bench = run(['bench', '--help']);
    assert.equal(bench.code, 0, 'bench --help is not an error');
    assert.match(bench.stdout, /usage: kv-lens bench/);
    assert.equal(run([]).code, 2);
    assert.equal(run(['--help']).code, 0);
    // A copy of a real config under another name is analysed the same: the reader changes nothing for real files.
    const copy = join(folder('copy'), 'config.json');
    copyFileSync(LLAMA, copy);
    const a = jsonLines(run(['analyze', copy, '--json']).stdout)[0]!;
    const b = jsonLines(run(['analyze', LLAMA, '--json']).stdout)[0]!;
    assert.deepEqual({ ...a, file: '' }, { ...b, file: '' });
    assert.equal(readFileSync(copy, 'utf8'), readFileSync(LLAMA, 'utf8'));
  });
});
