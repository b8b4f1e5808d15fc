/**
 * The GGUF reader thread's messages (worker.ts <-> reader.ts): one request per file, one reply. Plain data
 * (structured clone), no `vscode`.
 */
import type { ExactWeights } from '../../core/exactWeights';
import type { ModelDescription } from '../../core/types';

/** Read this `.gguf` file (or split model) and describe it. */
export interface GgufReadRequest {
  path: string;
}

/** The model described with llama.cpp's rules and its exact weights, or why the file could not be read. */
export type GgufReadReply =
  | { ok: true; model: ModelDescription; exactWeights: ExactWeights; architecture: string; tensors: number; shards: number; version: number }
  | { ok: false; error: string };
