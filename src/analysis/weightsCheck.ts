/**
 * The editor's config-vs-weights check, run in the analysis worker thread (worker.ts) so header reads and their
 * JSON parsing never run on the extension host's thread: reads the safetensors headers beside a `config.json`
 * (src/io/safetensors.ts), keeps them per folder while every file's size and mtime are unchanged, and answers
 * with located findings, notes, exact weights and hovers for the fields it compared.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { analyzeText } from '../core/analyze';
import { esc } from '../core/hover/markdown';
import { lintWeights, type TensorShape } from '../core/lint/weights';
import { nodeAt, toLineRange } from '../core/parse';
import { pathFromDotted } from '../core/lint/context';
import { formatBytes, formatCount } from '../core/format';
import { exactWeightsFromTensors, quantHintFromConfig } from '../core/weightsFromCheckpoint';
import type { WeightsHover, WeightsRequest, WeightsResult } from '../shared/analysisProtocol';
import { checkpointFileIn, readCheckpoint, SafetensorsError, type Checkpoint } from '../io/safetensors';

interface Stamp {
  path: string;
  size: number;
  mtimeMs: number;
}

interface Cached {
  stamps: Stamp[];
  checkpoint: Checkpoint;
}

/** Folders' checkpoints, kept while none of their files changed size or mtime. */
export class CheckpointCache {
  private readonly byFolder = new Map<string, Cached>();
  /** Reads done (tests). */
  reads = 0;

  constructor(private readonly limit = 16) {}

  async get(folder: string): Promise<Checkpoint> {
    const held = this.byFolder.get(folder);
    if (held && (await unchanged(held.stamps))) return held.checkpoint;
    this.reads++;
    const checkpoint = await readCheckpoint(folder);
    const paths = [...(checkpoint.index ? [checkpoint.index.file] : []), ...checkpoint.files.map((f) => f.file)];
    const stamps = await Promise.all(paths.map(stampOf));
    // An incomplete checkpoint (a shard missing) is read again next time: the user may be copying it in.
    if (checkpoint.complete && stamps.every((s): s is Stamp => s !== undefined)) {
      this.byFolder.delete(folder);
      this.byFolder.set(folder, { stamps: stamps as Stamp[], checkpoint });
      while (this.byFolder.size > this.limit) this.byFolder.delete(this.byFolder.keys().next().value!);
    }
    return checkpoint;
  }
}

async function stampOf(path: string): Promise<Stamp | undefined> {
  try {
    const st = await stat(path);
    return { path, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

async function unchanged(stamps: Stamp[]): Promise<boolean> {
  for (const s of stamps) {
    const now = await stampOf(s.path);
    if (!now || now.size !== s.size || now.mtimeMs !== s.mtimeMs) return false;
  }
  return true;
}

/** Checks one config version against the checkpoint in its folder (nothing when there is none). */
export async function checkWeights(request: WeightsRequest, cache: CheckpointCache): Promise<WeightsResult> {
  const empty: WeightsResult = { key: request.key, version: request.version, findings: [], notes: [], errors: [], hovers: [] };
  if (basename(request.configPath) !== 'config.json') return empty;
  const folder = dirname(request.configPath);
  if (!checkpointFileIn(folder)) return empty;
  let checkpoint: Checkpoint;
  try {
    checkpoint = await cache.get(folder);
  } catch (e) {
    if (e instanceof SafetensorsError) return { ...empty, source: basename(e.file), errors: [e.message] };
    throw e;
  }
  const source = checkpoint.source;
  const errors = checkpoint.problems.map((p) => p.message);
  const analysis = analyzeText(request.text);
  const tensors = new Map<string, TensorShape>();
  for (const [name, { tensor }] of checkpoint.tensors) tensors.set(name, { dtype: tensor.dtype, shape: tensor.shape });
  const check = lintWeights(analysis, { tensors, source }, request.settings);
  const parsed = analysis.parsed;
  const findings = check.findings.map((f) => ({ ...f, lines: toLineRange(parsed.lineStarts, f.range) }));
  let json: unknown;
  try {
    json = JSON.parse(request.text);
  } catch {
    json = undefined;
  }
  const exact = checkpoint.complete ? exactWeightsFromTensors(source, [...checkpoint.tensors.values()].map((t) => t.tensor), quantHintFromConfig(json)) : undefined;
  const hovers: WeightsHover[] = [];
  const model = analysis.model;
  if (model) {
    const fields = [model.attention.queryHeads, model.attention.kvHeads, model.attention.headDimK, model.numLayers, ...(model.hiddenSize ? [model.hiddenSize] : []), ...(model.mla ? [model.mla.kvLoraRank, model.mla.qkRopeHeadDim] : [])];
    const seen = new Set<number>();
    for (const d of fields) {
      const path = pathFromDotted(d.from[0]);
      const node = path && nodeAt(parsed, path);
      if (!node || seen.has(node.offset)) continue;
      seen.add(node.offset);
      const here = findings.filter((f) => f.range.offset === node.offset);
      const verdict = here.length ? here.map((f) => `- ${esc(f.message)}`).join('\n') : `Agrees with the weights (${check.layersChecked} layer${check.layersChecked === 1 ? '' : 's'} of attention weights compared).`;
      const weights = exact ? `\n\nWeights: exact, ${esc(formatCount(exact.totalParams))} parameters, ${esc(formatBytes(exact.bytes))} (from ${esc(source)}).` : '';
      // The whole property (key and value), so hovering the name shows it too.
      const span = node.parent?.type === 'property' ? node.parent : node;
      hovers.push({ range: { offset: span.offset, length: span.length }, markdown: `**KV Lens**: checked against ${esc(source)}.\n\n${verdict}${weights}` });
    }
  }
  return { key: request.key, version: request.version, source, findings, notes: check.notes, ...(exact ? { exactWeights: exact } : {}), errors, hovers };
}
