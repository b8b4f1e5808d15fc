/**
 * The repository stands alone: a clone with nothing beside it (no ../shared, where data arrives from) builds and
 * passes. Two checks: no code file names a path that climbs out of the checkout, and the Node suites run under
 * test/support/confine.mjs, which makes any file access outside the checkout (a sibling of it) throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT, CONFIGS } from '../fixtures/paths';

const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', '.e2e', '.test-output', '.git', '.vscode-test', '.gl']);
const CODE = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.sh', '.json']);

function codeFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && p !== CONFIGS) codeFiles(p, out);
    } else if (e.isFile() && (CODE.has(extname(e.name)) || dir === join(REPO_ROOT, '.ci'))) out.push(p);
  }
  return out;
}

/** Every place a file names a path outside the checkout, as `file:line: text`. */
export function reachesOutside(file: string, text: string): string[] {
  const hits: string[] = [];
  const inside = (p: string) => p === REPO_ROOT || p.startsWith(REPO_ROOT + sep);
  text.split('\n').forEach((line, i) => {
    const where = `${relative(REPO_ROOT, file)}:${i + 1}: ${line.trim()}`;
    // Relative specifiers and paths written out: '../x', "../../y/z".
    for (const m of line.matchAll(/(['"`])(\.\.?\/[^'"`\s]*)\1/g)) {
      if (!inside(resolve(dirname(file), m[2] ?? ''))) hits.push(where);
    }
    // Paths built from segments climbing from the root: join(ROOT, '..', ...).
    if (/\b(ROOT|REPO_ROOT|root|repoRoot)\s*,\s*(['"])\.\.\2/.test(line)) hits.push(where);
    // The data drop's folders by name.
    if (/\bshared[/'", ]+(configs|engine-logs|design|hooks)\b/.test(line)) hits.push(where);
  });
  return hits;
}

test('standalone: no code file names a path outside the checkout', () => {
  // This file is the checker: its examples are the patterns it looks for.
  const files = codeFiles(REPO_ROOT).filter((f) => f !== __filename);
  assert.ok(files.length > 100, `walked ${files.length} files`);
  const hits = files.flatMap((f) => reachesOutside(f, readFileSync(f, 'utf8')));
  assert.deepEqual(hits, []);
});

test('standalone: the check sees the ways a path can leave the checkout', () => {
  const f = join(REPO_ROOT, 'test', 'unit', 'x.test.ts');
  assert.equal(reachesOutside(f, "const C = join(__dirname, '../../../shared/configs');").length, 2);
  assert.equal(reachesOutside(f, "const C = join(ROOT, '..', 'shared', 'configs');").length, 2);
  assert.equal(reachesOutside(f, "import x from '../../../elsewhere/x';").length, 1);
  assert.deepEqual(reachesOutside(f, "import { BenchError } from '../../src/shared/benchProtocol';"), []);
  assert.deepEqual(reachesOutside(f, "import { CONFIGS } from '../fixtures/paths';"), []);
});

test('standalone: every Node suite runs confined to the checkout', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const name of ['test:unit', 'test:fuzz', 'test:browser']) {
    assert.match(pkg.scripts[name] ?? '', /--import \.\/test\/support\/confine\.mjs/, name);
  }
});

test('standalone: under confinement a read beside the checkout throws, one inside it works', () => {
  const sibling = join(dirname(REPO_ROOT), 'shared', 'configs', 'README.md');
  const script = `const fs = require('node:fs');
    try { fs.readFileSync(${JSON.stringify(sibling)}); console.log('read'); } catch (e) { console.log(e.message); }
    fs.promises.readdir(${JSON.stringify(dirname(REPO_ROOT))}).then(() => console.log('listed'), (e) => console.log(e.message));
    console.log(fs.readFileSync(${JSON.stringify(join(REPO_ROOT, 'package.json'))}, 'utf8').includes('"kv-lens"'));`;
  const r = spawnSync(process.execPath, ['--import', './test/support/confine.mjs', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /readFileSync: .* is outside the repository/);
  assert.equal(lines[1], 'true');
  // Beside a checkout in the temporary directory (CI's clone) are the tests' own temporary files: listing is allowed there.
  if (realpathSync(tmpdir()) === dirname(REPO_ROOT)) assert.equal(lines[2], 'listed');
  else assert.match(lines[2] ?? '', /readdir: .* is outside the repository/);
});
