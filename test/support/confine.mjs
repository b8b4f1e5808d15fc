// Loaded with `node --import` before every Node test suite: the repository must stand alone, so any file-system
// access that leaves the checkout for a sibling of it (`../shared`, where data arrives from, or anything else beside
// the clone) throws instead of quietly working on this machine and failing on a fresh one. Reads elsewhere (the
// temporary directory, /dev, /proc, the system) are untouched. Paths are resolved as the call would resolve them.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PARENT = dirname(ROOT);
const TMP = realpath(tmpdir());
// A checkout inside the temporary directory (CI clones into /tmp) has the tests' own temporary files beside it:
// there, only the data drop's folder beside it (../shared) is out of bounds; elsewhere everything beside it is.
const IN_TMP = PARENT === TMP;
const FORBIDDEN = IN_TMP ? [resolve(PARENT, 'shared')] : [PARENT];

function realpath(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return resolve(p);
  }
}

const within = (abs, dir) => abs === dir || abs.startsWith(dir + sep);

export function outsideRepository(p) {
  if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return undefined;
  const s = p instanceof URL ? (p.protocol === 'file:' ? fileURLToPath(p) : '') : String(p);
  if (!s) return undefined;
  const abs = resolve(s);
  if (within(abs, ROOT) || (!IN_TMP && within(abs, TMP))) return undefined;
  return FORBIDDEN.some((dir) => within(abs, dir)) ? abs : undefined;
}

function guard(owner, name, promised = false) {
  const original = owner[name];
  if (typeof original !== 'function') return;
  owner[name] = function confined(p, ...rest) {
    const abs = outsideRepository(p);
    if (abs) {
      const error = new Error(`${name}: ${abs} is outside the repository (${ROOT}); copy what the tests need into test/fixtures`);
      if (promised) return Promise.reject(error);
      throw error;
    }
    return original.call(this, p, ...rest);
  };
}

for (const name of ['readFileSync', 'readFile', 'readdirSync', 'readdir', 'statSync', 'stat', 'lstatSync', 'lstat', 'openSync', 'open', 'existsSync', 'accessSync', 'access', 'createReadStream', 'opendirSync', 'opendir', 'realpathSync']) {
  guard(fs, name);
}
for (const name of ['readFile', 'readdir', 'stat', 'lstat', 'open', 'access', 'opendir']) guard(fs.promises, name, true);
syncBuiltinESMExports();
