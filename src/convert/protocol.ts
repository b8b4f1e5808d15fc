/** The messages between the conversion and its functional fidelity worker (fidelityWorker.ts, fidelityClient.ts). */
import type { PoolMethod } from '../core/uptrain/pool';
import type { FunctionalFidelity } from './functional';

/** What the worker is started with. */
export interface FidelityJob {
  src: string;
  /** The folder holding the converted checkpoint (the temporary folder before it is renamed). */
  converted: string;
  kvHeads: number;
  method: PoolMethod;
}

/** What the worker posts: one `layer` per layer done, then `done` or `failed`. */
export type FidelityMessage = { type: 'layer'; done: number; total: number } | { type: 'done'; result: FunctionalFidelity } | { type: 'failed'; message: string };
