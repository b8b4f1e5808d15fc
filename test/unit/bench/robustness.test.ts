/**
 * The benchmark worker under abuse (issue 7): absurd shapes refused before allocation, a worker
 * killed from outside, a native abort, a JavaScript out-of-memory, cancellation returning memory,
 * and two benchmarks started at once on one client. No timing assertions: every wait is on an event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMemory, largestArrayElements, MAX_ARRAY_ELEMENTS, validateRequest } from '../../../src/bench/plan';
import { crashMessage } from '../../../src/bench/client';
import { BenchError, type BenchProgress, type BenchRequest } from '../../../src/shared/benchProtocol';
import { alive, rejection, sourceClient, tinyRequest } from './helpers';

const HOOKS = { ...process.env, KV_LENS_BENCH_TEST_HOOKS: '1' };
/** A run long enough to be interrupted: 10,000 rounds, stopped by the test long before the end. */
const LONG = tinyRequest({ contexts: [4096], rounds: 10_000, warmup: 1 });
/** A run that takes little time. */
const SMALL = tinyRequest({ variants: [8, 1], contexts: [16], paths: ['plain', 'grouped'], rounds: 2, warmup: 1 });


function refusedSync(request: BenchRequest, code: string, pattern: RegExp): void {
  assert.throws(
    () => validateRequest(request),
    (e: unknown) => e instanceof BenchError && e.info.code === code && pattern.test(e.info.message),
    `${JSON.stringify(request)} should be refused (${pattern})`,
  );
}

test('nonsense numbers are refused as invalid before anything runs', () => {
  const model = tinyRequest().model;
  refusedSync(tinyRequest({ contexts: [1e300] }), 'invalid', /context must be a positive integer/);
  refusedSync(tinyRequest({ contexts: [Number.NaN] }), 'invalid', /context must be a positive integer/);
  refusedSync(tinyRequest({ contexts: [-4] }), 'invalid', /context must be a positive integer/);
  refusedSync(tinyRequest({ batch: Infinity }), 'invalid', /batch must be a positive integer/);
  refusedSync(tinyRequest({ batch: 1.5 }), 'invalid', /batch must be a positive integer/);
  refusedSync(tinyRequest({ model: { ...model, headDim: 0 } }), 'invalid', /head geometry/);
  refusedSync(tinyRequest({ model: { ...model, queryHeads: 2 ** 60 } }), 'invalid', /head geometry/);
  refusedSync(tinyRequest({ phase: 'prefill', prompt: 0 }), 'invalid', /prompt must be a positive integer/);
  refusedSync(tinyRequest({ variants: [8, 8] }), 'invalid', /listed twice/);
  refusedSync(tinyRequest({ contexts: Array.from({ length: 65 }, (_, i) => i + 1) }), 'invalid', /at most 64/);
  refusedSync(tinyRequest({ rounds: 0 }), 'invalid', /rounds must be/);
  refusedSync(tinyRequest({ warmup: -1 }), 'invalid', /warmup must be/);
  refusedSync(tinyRequest({ threads: 1e6 }), 'invalid', /threads must be/);
  refusedSync(tinyRequest({ memoryLimitBytes: Number.NaN }), 'invalid', /memoryLimitBytes/);
  refusedSync(tinyRequest({ paths: ['plain', 'evil' as 'plain'] }), 'invalid', /unknown path evil/);
  refusedSync(tinyRequest({ ep: 'tpu' as 'cpu' }), 'invalid', /unknown execution provider/);
  assert.doesNotThrow(() => validateRequest(tinyRequest()));
});

test('a shape whose buffers would be longer than an array may be is refused with the largest that fits', () => {
  // 1 PiB of budget: only the per-buffer cap stops it.
  const request = tinyRequest({ variants: [8], batch: 64, contexts: [1 << 24] });
  let info: BenchError['info'] | undefined;
  try {
    checkMemory(request, 2 ** 50, 0, 'cpu');
  } catch (error) {
    info = (error as BenchError).info;
  }
  assert.ok(info, 'refused');
  assert.equal(info.code, 'memory');
  assert.match(info.message, /more than the 2147483647 one buffer may hold: the largest context that fits at batch 64 is \d+\. Nothing was allocated\./);
  const largest = info.largestContext!;
  assert.ok(largestArrayElements(request, largest) <= MAX_ARRAY_ELEMENTS);
  assert.ok(largestArrayElements(request, largest + 1) > MAX_ARRAY_ELEMENTS);
  assert.doesNotThrow(() => checkMemory({ ...request, contexts: [largest] }, 2 ** 50, 0, 'cpu'));
});

test('absurd shapes are refused by the worker before any buffer is built, and the worker carries on', async () => {
  const client = sourceClient();
  try {
    const limit = { memoryLimitBytes: 256 << 20 };
    const cases: { request: BenchRequest; fits: RegExp; largest: (n: number) => boolean }[] = [
      // Would need a 2^40-token cache: terabytes.
      { request: tinyRequest({ contexts: [2 ** 40], ...limit }), fits: /largest context that fits at batch 2 is \d+/, largest: (n) => n > 0 && n < 2 ** 40 },
      // Prefill of 2^30 tokens: the scores alone are astronomical.
      { request: tinyRequest({ phase: 'prefill', prompt: 2 ** 30, ...limit }), fits: /largest prompt that fits at batch 2 is \d+/, largest: (n) => n > 0 && n < 2 ** 30 },
      // A batch nothing fits at, even one token.
      { request: tinyRequest({ batch: 2 ** 40, contexts: [1], ...limit }), fits: /nothing fits at batch 1099511627776/, largest: (n) => n === 0 },
      // Absurd head geometry.
      { request: tinyRequest({ model: { name: 'huge', kind: 'MHA', queryHeads: 2 ** 20, headDim: 2 ** 20, valueHeadDim: 2 ** 20, configuredKvHeads: 2 ** 20 }, variants: [2 ** 20], ...limit }), fits: /nothing fits/, largest: (n) => n === 0 },
    ];
    let pid: number | undefined;
    for (const { request, fits, largest } of cases) {
      const progress: BenchProgress[] = [];
      const error = await rejection(client.run(request, { onProgress: (p) => progress.push(p) }));
      assert.equal(error.info.code, 'memory', error.info.message);
      assert.match(error.info.message, fits);
      assert.match(error.info.message, /Nothing was allocated\./);
      assert.ok(largest(error.info.largestContext!), `largest ${error.info.largestContext}`);
      // The runner reports "building and checking" before it builds any buffer: none was reported.
      assert.deepEqual(progress, [], 'refused before any buffer was built');
      // Same worker every time: a refusal is an answer, not a crash.
      pid ??= client.pid;
      assert.equal(client.pid, pid);
    }
    const ok = await client.run(SMALL);
    assert.equal(ok.results.length, 4);
  } finally {
    client.dispose();
  }
});

/** Starts LONG, does `interrupt` at its first progress, and returns the run's error and the dead pid. */
async function interrupted(client: ReturnType<typeof sourceClient>, interrupt: (pid: number) => void): Promise<{ error: BenchError; pid: number }> {
  let pid: number | undefined;
  const run = client.run(LONG, {
    onProgress: () => {
      if (pid !== undefined) return;
      pid = client.pid!;
      interrupt(pid);
    },
  });
  const error = await rejection(run);
  assert.ok(pid !== undefined, 'the run made progress before it was interrupted');
  return { error, pid };
}

test('a worker killed from outside mid-run (SIGKILL) fails that run clearly; the next benchmark works', async () => {
  const client = sourceClient();
  try {
    const { error, pid } = await interrupted(client, (p) => process.kill(p, 'SIGKILL'));
    assert.equal(error.info.code, 'crash');
    assert.match(error.info.message, /was killed \(SIGKILL\): stopped from outside, or the system ran out of memory/);
    assert.match(error.info.message, /next benchmark starts a fresh worker/);
    assert.equal(alive(pid), false);
    const again = await client.run(SMALL);
    assert.equal(again.results.length, 4);
    assert.notEqual(client.pid, pid);
  } finally {
    client.dispose();
  }
});

test('a native abort in the worker (test hook: process.abort) fails that run clearly; the next benchmark works', async () => {
  const client = sourceClient(HOOKS);
  try {
    const { error, pid } = await interrupted(client, () => void client.testHook('abort').catch(() => undefined));
    assert.equal(error.info.code, 'crash');
    assert.match(error.info.message, /aborted in native code \(SIGABRT\)/);
    assert.equal(alive(pid), false);
    const again = await client.run(SMALL);
    assert.equal(again.results.length, 4);
  } finally {
    client.dispose();
  }
});

test('test hooks are refused unless KV_LENS_BENCH_TEST_HOOKS=1, and the worker carries on', async () => {
  const client = sourceClient({ ...process.env, KV_LENS_BENCH_TEST_HOOKS: undefined });
  try {
    let hook: Promise<BenchError> | undefined;
    const report = await client.run(SMALL, {
      onProgress: () => {
        hook ??= rejection(client.testHook('abort'));
      },
    });
    assert.equal(report.results.length, 4, 'the run was not disturbed');
    const error = await hook!;
    assert.equal(error.info.code, 'invalid');
    assert.match(error.info.message, /test hooks are disabled/);
  } finally {
    client.dispose();
  }
});

test('an out-of-memory in the worker (small heap, test hook) fails that run clearly; the next benchmark works', async () => {
  const client = sourceClient(HOOKS);
  // The same small heap for the next run too: a normal benchmark keeps its data off the JS heap.
  (client as unknown as { options: { execArgv: string[] } }).options.execArgv = ['--import', 'tsx', '--max-old-space-size=96'];
  try {
    const { error, pid } = await interrupted(client, () => void client.testHook('oom').catch(() => undefined));
    assert.equal(error.info.code, 'crash');
    assert.match(error.info.message, /ran out of memory \(JavaScript heap limit reached\)/);
    assert.match(error.info.message, /Last worker output:\n.*FATAL ERROR:.*JavaScript heap out of memory/);
    assert.doesNotMatch(error.info.message, /0x[0-9a-f]+ /, 'no native stack frames');
    assert.equal(alive(pid), false);
    const again = await client.run(SMALL);
    assert.equal(again.results.length, 4);
  } finally {
    client.dispose();
  }
});

test('crash messages say how the worker died', () => {
  assert.match(crashMessage(null, 'SIGSEGV', ''), /was killed by SIGSEGV; the extension is unaffected/);
  assert.match(crashMessage(3, null, 'boom\n'), /exited with code 3.*\nLast worker output:\nboom/s);
  assert.match(crashMessage(null, 'SIGABRT', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'), /ran out of memory/);
});

/** Records progress messages of a run, tagged, into a shared log. */
function logger(log: string[], tag: string) {
  return (p: BenchProgress) => log.push(`${tag}: ${p.message}`);
}

test('two benchmarks started at once on one client are queued: the second waits, both results are whole', async () => {
  const client = sourceClient();
  try {
    const log: string[] = [];
    const first = tinyRequest({ variants: [8, 2], contexts: [40], paths: ['plain', 'gqa'], rounds: 3, warmup: 1 });
    const second = tinyRequest({ phase: 'prefill', variants: [8, 1], prompt: 7, paths: ['grouped'], rounds: 4, warmup: 1 });
    const [a, b] = await Promise.all([client.run(first, { onProgress: logger(log, 'A') }), client.run(second, { onProgress: logger(log, 'B') })]);
    // Each got exactly its own results.
    assert.deepEqual(a.results.map((r) => `${r.variant.kvHeads}/${r.path}/${r.context}/${r.n}`).sort(), ['2/gqa/40/3', '2/plain/40/3', '8/gqa/40/3', '8/plain/40/3']);
    assert.deepEqual(b.results.map((r) => `${r.variant.kvHeads}/${r.path}/${r.phase}/${r.prompt}/${r.n}`).sort(), ['1/grouped/prefill/7/4', '8/grouped/prefill/7/4']);
    // B was told it waits, and none of B's work started before A's last progress.
    assert.equal(log.find((l) => l.startsWith('B')), 'B: waiting for the benchmark started before this one to finish');
    const lastA = log.map((l) => l.startsWith('A')).lastIndexOf(true);
    const firstBWork = log.findIndex((l) => l.startsWith('B') && !l.includes('waiting'));
    assert.ok(firstBWork > lastA, log.join('\n'));
  } finally {
    client.dispose();
  }
});

test('with two benchmarks queued, cancelling one leaves the other to finish', async () => {
  const client = sourceClient();
  try {
    // Cancel the running one: the queued one runs on a fresh worker.
    const abortA = new AbortController();
    let pidA: number | undefined;
    const a = client.run(LONG, {
      signal: abortA.signal,
      onProgress: () => {
        pidA ??= client.pid;
        abortA.abort();
      },
    });
    const b = client.run(SMALL);
    assert.equal((await rejection(a)).info.code, 'cancelled');
    assert.equal((await b).results.length, 4);
    assert.notEqual(client.pid, pidA);

    // Cancel the queued one: it leaves at once, the running one is untouched.
    const abortD = new AbortController();
    const c = client.run(SMALL, {
      onProgress: () => abortD.abort(),
    });
    const d = client.run(SMALL, { signal: abortD.signal });
    assert.equal((await rejection(d)).info.code, 'cancelled');
    assert.equal((await c).results.length, 4);

    // A crash of the running one fails it alone; the queued one runs on a fresh worker.
    let crashed: number | undefined;
    const e = client.run(LONG, {
      onProgress: () => {
        if (crashed === undefined) process.kill((crashed = client.pid!), 'SIGKILL');
      },
    });
    const f = client.run(SMALL);
    assert.equal((await rejection(e)).info.code, 'crash');
    assert.equal((await f).results.length, 4);

    // cancel() cancels the running and the queued ones alike.
    const g = client.run(LONG, { onProgress: () => client.cancel() });
    const h = client.run(SMALL);
    assert.equal((await rejection(g)).info.code, 'cancelled');
    assert.equal((await rejection(h)).info.code, 'cancelled');
    assert.equal((await client.run(SMALL)).results.length, 4, 'usable after cancel()');
  } finally {
    client.dispose();
  }
});
