/**
 * Reads a VSIX (a zip) without an unzip tool: the central directory for the file list, entries' bytes
 * (stored or deflated), and unpacking a folder. Enough to check and unpack a package; no zip64, no encryption.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** One entry of the central directory. */
interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

function entries(zip: Buffer): ZipEntry[] {
  // The end-of-central-directory record sits in the last 22 + 65535 bytes (its comment is at most 64 KiB).
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const list: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    list.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      localHeaderOffset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return list;
}

/** The names of every file in the zip. */
export function zipFileNames(path: string): string[] {
  return entries(readFileSync(path)).map((e) => e.name);
}

function entryData(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${entry.name}: unsupported zip compression method ${entry.method}`);
}

/** One file's contents, or undefined when the zip has no such entry. */
export function zipFileText(path: string, name: string): string | undefined {
  const zip = readFileSync(path);
  const entry = entries(zip).find((e) => e.name === name);
  return entry ? entryData(zip, entry).toString('utf8') : undefined;
}

/** Writes every file under `prefix` in the zip into `dir` (the prefix stripped); returns how many. */
export function unzipPrefix(path: string, prefix: string, dir: string): number {
  const zip = readFileSync(path);
  let count = 0;
  for (const entry of entries(zip)) {
    if (!entry.name.startsWith(prefix) || entry.name.endsWith('/')) continue;
    const target = resolve(dir, entry.name.slice(prefix.length));
    if (!target.startsWith(resolve(dir) + sep)) throw new Error(`${entry.name} points outside ${dir}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entryData(zip, entry));
    count++;
  }
  return count;
}
