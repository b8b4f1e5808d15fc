/**
 * The GGUF reader thread (bundled as dist/ggufWorker.js): reads one `.gguf` header with the bounded reader
 * (src/io/gguf.ts) and describes it with llama.cpp's rules (src/core/gguf), off the extension host's thread,
 * under a heap limit set by reader.ts, so a hostile file can at worst end this thread. No `vscode` here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeGguf } from '../../core/gguf/describe';
import { ggufWeights } from '../../core/gguf/weights';
import { readGguf } from '../../io/gguf';
import type { GgufReadReply, GgufReadRequest } from './protocol';

async function read(request: GgufReadRequest): Promise<GgufReadReply> {
  try {
    const header = await readGguf(request.path);
    const d = describeGguf(header);
    const name = request.path.split(/[\\/]/).pop() ?? request.path;
    const exactWeights = ggufWeights(header.shards > 1 ? `${name} (${header.shards} shards)` : name, header.tensors);
    return { ok: true, model: d.model, exactWeights, architecture: d.architecture, tensors: header.tensors.length, shards: header.shards, version: header.version };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

void read(workerData as GgufReadRequest).then((reply) => parentPort?.postMessage(reply));
