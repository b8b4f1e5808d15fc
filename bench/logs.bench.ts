/**
 * `npm run bench:logs`: time and memory to read engine logs with `readLogFile` (src/io/readLog.ts):
 * (a) a llama.cpp start-up followed by 256 MiB of request lines: reading stops 20,000 lines after the start-up;
 * (b) the same start-up followed by a 2 GiB sparse hole (one NUL "line" with no break, the worst case for a line
 *     reader): reading stops at the 512 MiB cap with the line held to 8,192 characters;
 * (c) 200 restarts of a vLLM start-up in one file (each kept).
 * Files are written to the temporary folder and removed. Prints wall time, bytes read and peak RSS growth;
 * nothing is asserted.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readLogFile } from '../src/io/readLog';

const FIXTURES = join(__dirname, '..', 'test', 'fixtures', 'engine-logs');
const dir = mkdtempSync(join(tmpdir(), 'kvlens-bench-logs-'));

function measure(label: string, path: string): void {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  const r = readLogFile(path);
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  if ('error' in r) {
    console.log(`${label}: ${r.error.message}`);
    return;
  }
  console.log(`${label}: ${ms.toFixed(0)} ms, ${(r.bytesRead / 2 ** 20).toFixed(1)} MiB read, ${r.lines} lines, ${r.startUps.length} start-ups, RSS +${((peak - rss0) / 2 ** 20).toFixed(1)} MiB${r.stoppedEarly ? ` (${r.stoppedEarly})` : ''}`);
}

try {
  const llama = readFileSync(join(FIXTURES, '42_llamacpp_Qwen2.5-Coder-7B-Instruct.txt'), 'utf8');
  const a = join(dir, 'requests.log');
  const fd = openSync(a, 'w');
  writeSync(fd, llama);
  const block = 'srv  log_server_r: request: POST /completion 127.0.0.1 200 prompt_tokens=123 t=4.5ms\n'.repeat(12000);
  for (let written = 0; written < 256 * 2 ** 20; written += block.length) writeSync(fd, block);
  closeSync(fd);
  measure('(a) start-up + 256 MiB of requests', a);

  const b = join(dir, 'sparse.log');
  const fb = openSync(b, 'w');
  writeSync(fb, llama);
  ftruncateSync(fb, 2 * 2 ** 30);
  closeSync(fb);
  measure('(b) start-up + 2 GiB sparse line', b);

  const vllm = readFileSync(join(FIXTURES, '09_vllm_gpt-oss-20b.txt'), 'utf8');
  const c = join(dir, 'restarts.log');
  const fc = openSync(c, 'w');
  for (let i = 0; i < 200; i++) writeSync(fc, vllm);
  closeSync(fc);
  measure('(c) 200 vLLM start-ups', c);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
