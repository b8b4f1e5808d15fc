/**
 * Reads a VSIX (a zip) with yauzl: the file list, one entry's text, and unpacking a folder. yauzl rejects
 * entry names that are absolute or contain `..` segments; unpacking also checks that every target stays inside
 * the destination folder (no zip-slip). All functions are async (yauzl reads through callbacks and streams).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';

/**
 * Opens the zip, hands `use` its entries one at a time (read each entry's data before the next one comes),
 * and closes it afterwards, also when `use` stops early or throws.
 */
async function withEntries<T>(path: string, use: (zip: yauzl.ZipFile, entries: AsyncIterable<yauzl.Entry>) => Promise<T>): Promise<T> {
  // strictFileNames: a backslash in a name is an error, not a separator to reinterpret.
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: true });
  try {
    return await use(zip, zip.eachEntry());
  } finally {
    zip.close();
  }
}

/** The names of every entry in the zip (folders end with `/`). */
export async function zipFileNames(path: string): Promise<string[]> {
  return withEntries(path, async (_zip, entries) => {
    const names: string[] = [];
    for await (const entry of entries) names.push(entry.fileName);
    return names;
  });
}

/** One file's contents, or undefined when the zip has no such entry. */
export async function zipFileText(path: string, name: string): Promise<string | undefined> {
  return withEntries(path, async (zip, entries) => {
    for await (const entry of entries) {
      if (entry.fileName === name) return (await buffer(await zip.openReadStreamPromise(entry))).toString('utf8');
    }
    return undefined;
  });
}

/** Writes every file under `prefix` in the zip into `dir` (the prefix stripped); returns how many. */
export async function unzipPrefix(path: string, prefix: string, dir: string): Promise<number> {
  const root = resolve(dir);
  return withEntries(path, async (zip, entries) => {
    let count = 0;
    for await (const entry of entries) {
      const name = entry.fileName;
      if (!name.startsWith(prefix) || name.endsWith('/')) continue;
      // yauzl has already refused absolute names and `..`; this also catches anything the prefix strip could leave.
      const target = resolve(root, name.slice(prefix.length));
      if (!target.startsWith(root + sep)) throw new Error(`${name} points outside ${dir}`);
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      count++;
    }
    return count;
  });
}
