/**
 * The worker through the client, as the CLI and the extension use it: a full tiny run, progress,
 * cancellation (memory returned), a native crash, the memory refusal, invalid requests and an unavailable EP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchError } from '../../../src/shared/benchProtocol';
import { alive, rejection, sourceClient, tinyRequest } from './helpers';


test('a tiny CPU run: every path checked, statistics, bytes, speed-ups, provenance', async () => {
  const client = sourceClient();
  try {
    const progress: number[] = [];
    const report = await client.run(tinyRequest(), { onProgress: (p) => progress.push(p.fraction) });
    assert.equal(report.results.length, 2 * 3 * 4);
    assert.deepEqual(report.skipped, []);
    assert.ok(progress.length > 0 && progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]!)));
    for (const r of report.results) {
      assert.ok(r.maxAbsDiff <= r.tolerance);
      assert.equal(r.n, 3);
      assert.ok(r.p10Ms <= r.medianMs && r.medianMs <= r.p90Ms && r.minMs <= r.p10Ms);
      // Bytes: 4·(Q + 2·Hkv·T·D + O + 2·Hkv·S·D) with B = 2, Hq = 8, D = 16, S = 1.
      const T = r.context + 1;
      assert.equal(r.bytes, 4 * 2 * (8 * 16 + 2 * r.variant.kvHeads * T * 16 + 8 * 16 + 2 * r.variant.kvHeads * 16));
      assert.equal(r.flops, 4 * 2 * 8 * T * 16);
      assert.equal(r.speedupBound, 8 / r.variant.kvHeads);
      assert.ok(r.speedupVsMha !== undefined && r.speedupVsMha > 0);
    }
    const headlines = report.results.filter((r) => r.headline);
    assert.equal(headlines.length, 2 * 3, 'one headline per variant and context');
    assert.equal(report.provenance.ep, 'cpu');
    assert.match(report.provenance.ortVersion, /^\d+\.\d+/);
    assert.ok(report.provenance.threads > 0 && report.provenance.date.length > 0);
  } finally {
    client.dispose();
  }
});

test('prefill fp16 runs and checks against the fp32 reference', async () => {
  const client = sourceClient();
  try {
    const report = await client.run(tinyRequest({ phase: 'prefill', dtype: 'fp16', variants: [8, 1] }));
    assert.ok(report.results.length > 0);
    for (const r of report.results) assert.ok(r.maxAbsDiff <= 1e-2 && r.context === 0 && r.prompt === 5);
  } finally {
    client.dispose();
  }
});

test('cancelling kills the worker and rejects with cancelled; the client starts a fresh one after', async () => {
  const client = sourceClient();
  try {
    const abort = new AbortController();
    let pid: number | undefined;
    const run = client.run(tinyRequest({ contexts: [4096], rounds: 10_000, warmup: 1 }), {
      signal: abort.signal,
      onProgress: () => {
        pid ??= client.pid;
        abort.abort();
      },
    });
    const error = await rejection(run);
    assert.equal(error.info.code, 'cancelled');
    assert.ok(pid !== undefined);
    // Cancelling returns the memory: the client settles a cancelled run only once the worker has
    // exited and been reaped, so its pid is already gone here (no polling).
    assert.equal(alive(pid!), false, `worker ${pid} is gone when the run rejects`);
    client.cancel(); // harmless with nothing running
    const again = await client.run(tinyRequest({ variants: [8], contexts: [16], paths: ['plain'] }));
    assert.equal(again.results.length, 1);
    assert.notEqual(client.pid, pid, 'a fresh worker');
  } finally {
    client.dispose();
  }
});

test('a native crash in the worker (SIGSEGV) is reported as an error, and the caller carries on', async () => {
  const client = sourceClient();
  try {
    const run = client.run(tinyRequest({ contexts: [4096], rounds: 10_000, warmup: 1 }), {
      onProgress: () => {
        if (client.pid) process.kill(client.pid, 'SIGSEGV');
      },
    });
    const error = await rejection(run);
    assert.equal(error.info.code, 'crash');
    assert.match(error.info.message, /SIGSEGV/);
    const again = await client.run(tinyRequest({ variants: [1], contexts: [16], paths: ['grouped'] }));
    assert.equal(again.results.length, 1);
  } finally {
    client.dispose();
  }
});

test('a shape too large for memory is refused before allocating, with the largest that fits', async () => {
  const client = sourceClient();
  try {
    const error = await rejection(client.run(tinyRequest({ contexts: [1 << 20], memoryLimitBytes: 64 << 20 })));
    assert.equal(error.info.code, 'memory');
    assert.ok(error.info.largestContext! > 0 && error.info.largestContext! < 1 << 20, `largest ${error.info.largestContext}`);
    assert.match(error.info.message, /largest context that fits at batch 2 is \d+/);
    // The largest that fits really is accepted.
    const ok = await client.run(tinyRequest({ contexts: [error.info.largestContext!], memoryLimitBytes: 64 << 20, variants: [1], paths: ['grouped'], rounds: 1, warmup: 0 }));
    assert.equal(ok.results.length, 1);
  } finally {
    client.dispose();
  }
});

test('invalid requests and an unavailable EP are errors with reasons, not crashes', async () => {
  const client = sourceClient();
  try {
    const invalid = await rejection(client.run(tinyRequest({ variants: [3] })));
    assert.equal(invalid.info.code, 'invalid');
    assert.match(invalid.info.message, /3 KV heads do not divide 8/);
    const cuda = await client.probe('cuda');
    if (!cuda.available) {
      const error = await rejection(client.run(tinyRequest({ ep: 'cuda' })));
      assert.equal(error.info.code, 'unavailable');
      assert.ok(error.info.remedy && /CUDA/.test(error.info.remedy));
    }
  } finally {
    client.dispose();
  }
});
