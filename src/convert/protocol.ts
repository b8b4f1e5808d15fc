/**
 * The messages between a conversion's caller and the conversion worker (worker.ts, started by client.ts). The worker
 * does one of two jobs: the whole conversion (the editor: pooling is CPU work that must stay off the extension
 * host) or the functional fidelity check alone (started by the conversion itself, wherever it runs).
 */
import type { PoolMethod } from '../core/uptrain/pool';
import type { FunctionalFidelity } from './functional';
import type { ConvertProgress, ConvertReport } from './types';

/** The functional check of a converted folder against its source. */
export interface FidelityJob {
  kind: 'fidelity';
  src: string;
  /** The folder holding the converted checkpoint (the temporary folder before it is renamed). */
  converted: string;
  kvHeads: number;
  method: PoolMethod;
}

/** A whole conversion (the serialisable part of ConvertOptions). */
export interface ConvertJob {
  kind: 'convert';
  src: string;
  out: string;
  kvHeads: number;
  method: PoolMethod;
  force: boolean;
  functional: boolean;
}

/** What a worker is started with. */
export type WorkerJob = FidelityJob | ConvertJob;

/** To the worker: stop the conversion (it removes its temporary folder, then answers `failed` with `aborted`). */
export interface CancelMessage {
  type: 'cancel';
}

/** From the worker. `refused` carries a ConvertRefusal's message (nothing was written). */
export type WorkerMessage =
  | { type: 'layer'; done: number; total: number }
  | { type: 'progress'; progress: ConvertProgress }
  | { type: 'fidelity'; result: FunctionalFidelity }
  | { type: 'converted'; report: ConvertReport }
  | { type: 'failed'; message: string; refused?: boolean; aborted?: boolean };
