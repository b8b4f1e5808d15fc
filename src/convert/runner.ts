/**
 * Converts a checkpoint folder to fewer KV heads: reads SRC's config and safetensors headers, plans (core), then
 * streams every file tensor by tensor into a temporary folder beside DST (rewritten K/V projections one at a time,
 * every other tensor copied in chunks), writes the index, the config and the tokenizer / generation files, and
 * renames the folder into place at the end. A refusal, a failure or a cancel leaves nothing at DST (the temporary
 * folder is removed); SRC is only ever opened for reading.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import { analyzeText } from '../core/analyze';
import { SafetensorsError, type SafetensorsHeader } from '../core/safetensors';
import { planConversion, type ConversionPlan } from '../core/uptrain/plan';
import { transformTensor } from '../core/uptrain/layouts';
import { decodeFloats, encodeFloats } from '../core/uptrain/numeric';
import { WeightFidelity, spread } from '../core/uptrain/fidelity';
import type { PoolMethod } from '../core/uptrain/pool';
import type { ModelDescription } from '../core/types';
import { readConfigFileOrThrow, ConfigReadError } from '../io/readConfigFile';
import { readCheckpoint, SAFE_WEIGHTS_INDEX_NAME, type Checkpoint } from '../io/safetensors';
import { SafetensorsWriter, tensorByteLength } from '../io/safetensorsWrite';
import { TensorDataReader } from '../io/tensorData';
import type { FunctionalFidelity } from './functional';
import { ConvertRefusal, type ConvertOptions, type ConvertProgress, type ConvertReport } from './types';
import { runFunctionalFidelity } from './client';

export { ConvertRefusal };
export type { ConvertOptions, ConvertProgress, ConvertReport };

/** What {@link prepareConversion} read and decided. */
export interface Prepared {
  configPath: string;
  configText: string;
  model: ModelDescription;
  checkpoint: Checkpoint;
  plan: ConversionPlan;
}

/** Files in SRC never copied: other weight formats hold the unconverted heads (loading them would undo the conversion). */
const STALE_WEIGHTS = /\.(bin|pt|pth|ckpt|h5|msgpack|gguf|onnx|onnx_data|safetensors)$/i;

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('The conversion was cancelled', 'AbortError');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (DST usually does not exist yet). */
async function realOrParent(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(await realOrParent(parent), basename(abs));
  }
}

const inside = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** Reads and plans without writing: every refusal that depends only on SRC and N. */
export async function prepareConversion(src: string, kvHeads: number, method: PoolMethod, signal?: AbortSignal): Promise<Prepared> {
  const configPath = join(src, 'config.json');
  let configText: string;
  try {
    configText = readConfigFileOrThrow(configPath).text;
  } catch (e) {
    throw new ConvertRefusal(e instanceof ConfigReadError ? e.message : `${configPath}: ${String(e)}`);
  }
  const analysis = analyzeText(configText);
  if (!analysis.model) throw new ConvertRefusal(`${configPath}: ${analysis.error ?? 'not a model config'}`);
  let checkpoint: Checkpoint;
  try {
    checkpoint = await readCheckpoint(src, { signal });
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ConvertRefusal(e.message);
    throw e;
  }
  if (!checkpoint.complete) {
    const first = checkpoint.problems.slice(0, 3).map((p) => p.message).join('; ');
    throw new ConvertRefusal(`the checkpoint is incomplete (${checkpoint.problems.length} problem${checkpoint.problems.length === 1 ? '' : 's'}): ${first}`);
  }
  const tensors = [...checkpoint.tensors.values()].map(({ tensor }) => tensor);
  const planned = planConversion(analysis.model, tensors, kvHeads, method);
  if (!planned.ok) throw new ConvertRefusal(`${src}: ${planned.reason}`);
  return { configPath, configText, model: analysis.model, checkpoint, plan: planned.plan };
}

/** Converts SRC to DST. Throws {@link ConvertRefusal} (nothing written), an AbortError on cancel, or a failure. */
export async function convertCheckpoint(opts: ConvertOptions): Promise<ConvertReport> {
  const started = Date.now();
  const { signal } = opts;
  const srcReal = await realOrParent(opts.src);
  const outReal = await realOrParent(opts.out);
  if (inside(outReal, srcReal)) throw new ConvertRefusal(`${opts.out}: the output must not be the source folder or inside it (${srcReal})`);
  if (inside(srcReal, outReal)) throw new ConvertRefusal(`${opts.out}: the output must not contain the source folder (${srcReal})`);
  const { configText, model, checkpoint, plan } = await prepareConversion(opts.src, opts.kvHeads, opts.method, signal);
  if (await exists(outReal)) {
    const st = await stat(outReal);
    if (!st.isDirectory()) throw new ConvertRefusal(`${opts.out}: exists and is not a folder`);
    if ((await readdir(outReal)).length > 0 && !opts.force) throw new ConvertRefusal(`${opts.out}: the folder is not empty (--force replaces it)`);
  }

  const temp = join(dirname(outReal), `.${basename(outReal)}.kv-lens-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(temp);
  const reader = new TensorDataReader(signal);
  const fidelity = new WeightFidelity();
  const files: string[] = [];
  let bytesWritten = 0;
  try {
    const bytesTotal = checkpoint.files.reduce((a, h) => a + h.fileSize, 0);
    let bytesDone = 0;
    let lastReport = 0;
    const progress = (file: string, tensor: string, force = false) => {
      const now = Date.now();
      if (!opts.onProgress || (!force && now - lastReport < 200)) return;
      lastReport = now;
      opts.onProgress({ bytesDone, bytesTotal, file, tensor });
    };
    for (const header of checkpoint.files) {
      const name = basename(header.file);
      const size = await writeShard(header, join(temp, name), plan, reader, fidelity, (n, tensor) => {
        bytesDone += n;
        progress(name, tensor);
      }, signal);
      files.push(name);
      bytesWritten += size;
    }
    await reader.close();
    if (checkpoint.index) {
      await writeFile(join(temp, SAFE_WEIGHTS_INDEX_NAME), indexText(await readFile(checkpoint.index.file, 'utf8'), checkpoint.files, plan));
      files.push(SAFE_WEIGHTS_INDEX_NAME);
    }
    await writeFile(join(temp, 'config.json'), configFor(configText, plan));
    files.push('config.json');
    const skipped: string[] = [];
    const done = new Set(files);
    for (const entry of await readdir(opts.src)) {
      if (done.has(entry)) continue;
      const full = join(opts.src, entry);
      const st = await stat(full).catch(() => undefined);
      if (!st?.isFile()) continue; // folders and broken links: transformers loads a checkpoint's top level only
      // Other weight formats hold the old heads; an index this run did not write names shards it did not write.
      if (STALE_WEIGHTS.test(entry) || entry.endsWith('.safetensors.index.json')) {
        skipped.push(entry);
        continue;
      }
      cancelled(signal);
      await copyFile(full, join(temp, entry));
      files.push(entry);
    }
    cancelled(signal);
    let functional: FunctionalFidelity | undefined;
    const notes = [...plan.notes];
    if (opts.functional !== false) {
      try {
        functional = await runFunctionalFidelity({ src: opts.src, converted: temp, kvHeads: opts.kvHeads, method: opts.method }, { signal, onLayer: opts.onFidelityLayer });
        notes.push(...functional.notes);
      } catch (e) {
        if (e instanceof Error && e.name === 'AbortError') throw e;
        // The conversion stands without it: say why the figures are missing rather than fail a written checkpoint.
        notes.push(`The functional check did not run: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    cancelled(signal);
    await moveIntoPlace(temp, outReal);
    progress('', '', true);
    const layers = fidelity.figures();
    if (skipped.length) notes.push(`Not copied (other weight formats would still hold the old heads): ${skipped.join(', ')}.`);
    return {
      src: opts.src,
      out: opts.out,
      modelType: model.modelType,
      layout: plan.layout,
      output: plan.output,
      method: plan.method,
      queryHeads: plan.geometry.queryHeads,
      oldKvHeads: plan.geometry.oldKvHeads,
      newKvHeads: plan.geometry.newKvHeads,
      dtype: [...plan.edits.values()][0]!.dtype,
      layers,
      functional,
      summary: {
        sharingError: spread(layers.map((l) => ({ layer: l.layer, value: l.sharingError }))),
        ...(functional ? { relativeError: spread(functional.layers.map((l) => ({ layer: l.layer, value: l.relativeError }))) } : {}),
      },
      notes,
      files: files.sort(),
      skipped,
      bytesWritten,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (e) {
    await reader.close();
    await rm(temp, { recursive: true, force: true });
    if (e instanceof SafetensorsError) throw new ConvertRefusal(e.message);
    throw e;
  }
}

/** Writes one shard: its tensors in the source's order, K/V projections pooled, the rest copied. Returns its size. */
async function writeShard(header: SafetensorsHeader, path: string, plan: ConversionPlan, reader: TensorDataReader, fidelity: WeightFidelity, onBytes: (n: number, tensor: string) => void, signal?: AbortSignal): Promise<number> {
  const entries = header.tensors.map((t) => {
    const edit = plan.edits.get(t.name);
    return { name: t.name, dtype: t.dtype, shape: edit ? edit.newShape : t.shape };
  });
  const writer = await SafetensorsWriter.create(path, entries, header.metadata);
  try {
    for (const t of header.tensors) {
      writer.prepare();
      if (t.end === t.begin) continue;
      const edit = plan.edits.get(t.name);
      if (!edit) {
        await reader.copy(header, t, writer, (n) => onBytes(n, t.name));
        continue;
      }
      const values = decodeFloats(await reader.read(header, t), edit.dtype);
      const pooled = transformTensor(edit, values, plan.geometry, plan.output, plan.method);
      if (edit.role === 'weight') fidelity.add(edit.layer, pooled.stats);
      cancelled(signal);
      await writer.writeTensor(t.name, encodeFloats(pooled.values, edit.dtype));
      onBytes(t.end - t.begin, t.name);
    }
    await writer.finish();
    return writer.fileSize;
  } catch (e) {
    await writer.abandon();
    throw e;
  }
}

/**
 * The new index: the same weight_map (every tensor stays in its shard), `metadata.total_size` set to the new data
 * size (transformers' `save_pretrained` writes the sum of the tensors' bytes there), everything else kept.
 */
function indexText(text: string, files: SafetensorsHeader[], plan: ConversionPlan): string {
  let total = 0;
  for (const h of files) {
    for (const t of h.tensors) {
      const edit = plan.edits.get(t.name);
      total += edit ? tensorByteLength({ name: t.name, dtype: t.dtype, shape: edit.newShape }) : t.end - t.begin;
    }
  }
  return applyEdits(text, modify(text, ['metadata', 'total_size'], total, { formattingOptions: formatting(text) }));
}

/** The config with the KV head field set (native output) and every other byte kept; the same text when expanded. */
function configFor(text: string, plan: ConversionPlan): string {
  if (!plan.configEdit) return text;
  return applyEdits(text, modify(text, plan.configEdit.path, plan.configEdit.value, { formattingOptions: formatting(text) }));
}

/** Indentation as the file has it, so an added field looks like its neighbours. */
function formatting(text: string): { insertSpaces: boolean; tabSize: number; eol: string } {
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const tabs = indent.startsWith('\t');
  return { insertSpaces: !tabs, tabSize: tabs ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** Renames the finished temporary folder to DST; an existing DST (allowed by --force) is moved aside first, then removed. */
async function moveIntoPlace(temp: string, out: string): Promise<void> {
  if (!(await exists(out))) {
    await rename(temp, out);
    return;
  }
  const aside = `${temp}.old`;
  await rename(out, aside);
  try {
    await rename(temp, out);
  } catch (e) {
    await rename(aside, out).catch(() => undefined);
    throw e;
  }
  await rm(aside, { recursive: true, force: true });
}
