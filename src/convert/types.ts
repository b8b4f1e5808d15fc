/**
 * The conversion's options, progress, report and refusal: shared by the runner, the worker protocol and the front
 * ends (kept apart from runner.ts so the worker client can name them without importing the runner).
 */
import type { ConversionPlan } from '../core/uptrain/plan';
import type { LayerWeightFigures, Spread } from '../core/uptrain/fidelity';
import type { PoolMethod } from '../core/uptrain/pool';
import type { FunctionalFidelity } from './functional';

/** What to convert, where to, how. */
export interface ConvertOptions {
  src: string;
  out: string;
  kvHeads: number;
  method: PoolMethod;
  /** Replace a non-empty DST. */
  force?: boolean;
  signal?: AbortSignal;
  /** Called as bytes are written (throttled to about five a second, and once at the end). */
  onProgress?: (p: ConvertProgress) => void;
  /** Run the functional fidelity check through onnxruntime (default true); before DST is renamed into place. */
  functional?: boolean;
  /** Called as the functional check finishes each layer. */
  onFidelityLayer?: (done: number, total: number) => void;
}

/** How far a conversion is. */
export interface ConvertProgress {
  bytesDone: number;
  bytesTotal: number;
  file: string;
  tensor: string;
}

/** What a finished conversion did and what it cost the weights. */
export interface ConvertReport {
  src: string;
  out: string;
  modelType: string | undefined;
  layout: ConversionPlan['layout'];
  output: ConversionPlan['output'];
  method: PoolMethod;
  queryHeads: number;
  oldKvHeads: number;
  newKvHeads: number;
  dtype: string;
  /** Data-free figures per layer (fidelity.ts says what they mean). */
  layers: LayerWeightFigures[];
  /** Functional figures (attention output, original vs converted weights), unless skipped or unavailable. */
  functional?: FunctionalFidelity;
  summary: { sharingError: Spread; relativeError?: Spread };
  notes: string[];
  /** Files written in DST, by name. */
  files: string[];
  /** Weight files other than safetensors in SRC that were not copied (they would hold the old heads). */
  skipped: string[];
  bytesWritten: number;
  seconds: number;
}

/** A conversion that cannot or must not run: nothing was written. `message` says why, naming the file or field. */
export class ConvertRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvertRefusal';
  }
}
