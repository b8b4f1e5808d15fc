/**
 * The client side of the benchmark worker, shared by the CLI and the extension (pure Node: no
 * `vscode`). It forks the worker on first use, waits for its `ready`, correlates replies, and turns
 * a dead child into an error instead of a hang. Cancelling kills the child: a native kernel cannot
 * be interrupted any other way, and killing it returns all its memory at once.
 *
 * Rules a caller can rely on:
 * - one request at a time: runs (and probes) started while another is in flight wait their turn in
 *   FIFO order, and a waiting run is told so by a progress message; they never share a worker's
 *   timing loop, so they cannot disturb each other's figures;
 * - aborting a run's signal cancels that run only: a waiting run leaves the queue, the running one
 *   kills the worker, and the runs behind it start on a fresh worker; `cancel()` cancels them all;
 * - a cancelled run rejects only once the worker has exited, so its memory is back by then;
 * - a worker that dies (killed from outside, a native abort, an out-of-memory) fails the run in
 *   progress with a `crash` error saying how it died, and the next request starts a fresh worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ReadySignal, RequestTracker, routeIncoming, type ReplyEnvelope } from '../shared/messaging';
import type { TestHookAction, TestHookMessage } from './testHooks';
import {
  BenchError,
  isFinalReply,
  type BenchProgress,
  type BenchReport,
  type BenchRequest,
  type EpAvailability,
  type EpName,
  type WorkerMessage,
  type WorkerReply,
  type WorkerRequest,
} from '../shared/benchProtocol';

/** How to start the worker; defaults find dist/worker.js beside the bundle, or the TS source under tsx. */
export interface BenchClientOptions {
  /** Path of the worker script. */
  workerPath?: string;
  /** Node flags for the worker (e.g. `['--import', 'tsx']` for the TS source). */
  execArgv?: string[];
  /** Environment for the worker (e.g. VK_ICD_FILENAMES); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Options of one run. */
export interface RunOptions {
  onProgress?: (progress: BenchProgress) => void;
  /** Aborting cancels the run (kills the worker). */
  signal?: AbortSignal;
}

/** Keeps the last bytes of the worker's stderr: the native crash message, when there is one. */
const STDERR_TAIL = 4000;

function defaultWorker(): { workerPath: string; execArgv: string[] } {
  for (const candidate of [join(__dirname, 'worker.js'), join(__dirname, '..', '..', 'dist', 'worker.js')]) {
    if (existsSync(candidate)) return { workerPath: candidate, execArgv: [] };
  }
  // Running from sources (tsx): fork the TS entry through tsx.
  return { workerPath: join(__dirname, 'worker.ts'), execArgv: ['--import', 'tsx'] };
}

const cancelledError = () => new BenchError({ code: 'cancelled', message: 'The benchmark was cancelled.' });

/** One forked worker process and what belongs to it alone. */
interface Worker {
  child: ChildProcess;
  tracker: RequestTracker<WorkerRequest | TestHookMessage, WorkerReply>;
  /** Resolves on the worker's `ready`; rejects if it dies first. */
  ready: ReadySignal;
  stderr: string;
  /** Set when this client killed it on purpose: its death is a cancellation, not a crash. */
  cancelled: boolean;
}

/** How a worker died, in words a user can act on. */
export function crashMessage(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  // V8 and node print native stack frames ("12: 0x12a52a3 ...") after the line that matters.
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() && !/^\s*\d+: 0x[0-9a-f]+/.test(l) && !/^\s*-+$/.test(l));
  const fatal = lines.filter((l) => /FATAL ERROR|heap out of memory|Assertion|terminate called|Abort/i.test(l));
  const tail = (fatal.length > 0 ? fatal : lines).slice(-6).join('\n');
  const output = tail ? `\nLast worker output:\n${tail}` : '';
  const after = 'the extension is unaffected and the next benchmark starts a fresh worker';
  if (/heap out of memory|Reached heap limit|Allocation failed/i.test(stderr)) {
    return `The benchmark worker ran out of memory (JavaScript heap limit reached) and stopped; ${after}. Try a smaller context, batch or fewer variants.${output}`;
  }
  if (signal === 'SIGKILL') return `The benchmark worker was killed (SIGKILL): stopped from outside, or the system ran out of memory; ${after}.${output}`;
  if (signal === 'SIGABRT') return `The benchmark worker aborted in native code (SIGABRT); ${after}.${output}`;
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return `The benchmark worker ${how}; ${after}.${output}`;
}

/** A lazily started benchmark worker, running one request at a time (see the rules above). */
export class BenchClient {
  private worker: Worker | undefined;
  /** Settles when every request queued so far has settled; never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Requests queued or running. */
  private outstanding = 0;
  /** Bumped by `cancel()`: requests queued before it do not start. */
  private generation = 0;
  private disposed = false;

  constructor(private readonly options: BenchClientOptions = {}) {}

  /** The worker's process id, while one runs (tests use it to kill it from outside). */
  get pid(): number | undefined {
    return this.worker?.child.pid;
  }

  /** Runs a benchmark; rejects with {@link BenchError} (`cancelled`, `crash`, or the worker's code). */
  async run(request: BenchRequest, options: RunOptions = {}): Promise<BenchReport> {
    const reply = await this.enqueue({ type: 'run', request }, options);
    if (reply.type === 'result') return reply.report;
    throw this.unexpected(reply);
  }

  /** Asks the worker whether an EP works here (queued like a run). */
  async probe(ep: EpName): Promise<EpAvailability> {
    const reply = await this.enqueue({ type: 'probe', ep }, {});
    if (reply.type === 'probeResult') return reply.availability;
    throw this.unexpected(reply);
  }

  /**
   * TEST ONLY: asks the running worker to fail now (see testHooks.ts); it does so only when its
   * environment has KV_LENS_BENCH_TEST_HOOKS=1, and answers `invalid` otherwise. Not queued: it
   * reaches the worker in the middle of the run in progress. Rejects when no worker runs.
   */
  async testHook(action: TestHookAction): Promise<never> {
    const worker = this.worker;
    if (!worker) throw new BenchError({ code: 'internal', message: 'no benchmark worker is running' });
    await worker.ready.promise;
    const reply = await worker.tracker.request({ type: 'testHook', action }).reply;
    throw this.unexpected(reply);
  }

  /** Cancels the running request and every queued one: kills the worker. The next request starts a fresh one. */
  cancel(): void {
    this.generation++;
    if (this.worker) this.kill(this.worker);
  }

  /** Cancels and refuses further use. */
  dispose(): void {
    this.cancel();
    this.disposed = true;
  }

  private unexpected(reply: WorkerReply): BenchError {
    if (reply.type === 'error') return new BenchError(reply.error);
    return new BenchError({ code: 'internal', message: `unexpected reply ${reply.type}` });
  }

  /** Runs `message` after every request queued before it, unless cancelled first. */
  private enqueue(message: WorkerRequest, options: RunOptions): Promise<ReplyEnvelope<WorkerReply>> {
    if (this.disposed) return Promise.reject(new BenchError({ code: 'cancelled', message: 'The benchmark client was disposed.' }));
    if (options.signal?.aborted) return Promise.reject(cancelledError());
    const generation = this.generation;
    const previous = this.tail;
    const waiting = this.outstanding > 0;
    this.outstanding++;
    const result = (async () => {
      try {
        if (waiting) {
          options.onProgress?.({ fraction: 0, message: 'waiting for the benchmark started before this one to finish' });
          await untilSettled(previous, options.signal);
        }
        if (generation !== this.generation || this.disposed || options.signal?.aborted) throw cancelledError();
        return await this.send(message, options);
      } finally {
        this.outstanding--;
      }
    })();
    // The next request waits for this one AND everything before it (this one may leave the queue early).
    this.tail = Promise.allSettled([previous, result]);
    return result;
  }

  private async send(message: WorkerRequest, options: RunOptions): Promise<ReplyEnvelope<WorkerReply>> {
    const worker = this.start();
    const onAbort = () => this.kill(worker);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await worker.ready.promise;
      const { reply } = worker.tracker.request(message, (r) => {
        if (r.type === 'progress') options.onProgress?.(r.progress);
      });
      return await reply;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Kills `worker` as a cancellation; its requests reject (with `cancelled`) once it has exited. */
  private kill(worker: Worker): void {
    worker.cancelled = true;
    worker.child.kill('SIGKILL');
    if (this.worker === worker) this.worker = undefined;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const fallback = defaultWorker();
    const workerPath = this.options.workerPath ?? fallback.workerPath;
    const execArgv = this.options.execArgv ?? (this.options.workerPath ? [] : fallback.execArgv);
    const child = fork(workerPath, [], { execArgv, env: this.options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    const tracker = new RequestTracker<WorkerRequest | TestHookMessage, WorkerReply>({
      // A send that fails asynchronously (channel closing as the worker dies) settles its request;
      // 'close' below settles the rest.
      post: (m) => {
        child.send(m, (error) => {
          if (error) tracker.settle(m.messageId, new BenchError({ code: 'crash', message: `The benchmark worker could not be reached: ${error.message}` }));
        });
      },
      isFinal: (r) => isFinalReply(r),
    });
    const ready = new ReadySignal();
    const worker: Worker = { child, tracker, ready, stderr: '', cancelled: false };
    this.worker = worker;
    child.stderr?.on('data', (chunk: Buffer) => {
      worker.stderr = (worker.stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    child.on('message', (message: WorkerMessage) => routeIncoming(message, tracker, ready));
    let startError: BenchError | undefined;
    child.on('error', (error) => {
      startError ??= new BenchError({ code: 'crash', message: `The benchmark worker could not start: ${error.message}` });
      if (child.pid === undefined) {
        // Never spawned: no 'close' is guaranteed, so settle here.
        ready.reject(startError);
        tracker.closeAll(startError);
        if (this.worker === worker) this.worker = undefined;
      }
    });
    // 'close' comes after 'exit' and after stderr has drained: the crash message sees the whole tail.
    child.once('close', (code, signal) => {
      const error = worker.cancelled ? cancelledError() : (startError ?? new BenchError({ code: 'crash', message: crashMessage(code, signal, worker.stderr) }));
      ready.reject(error);
      tracker.closeAll(error);
      if (this.worker === worker) this.worker = undefined;
    });
    return worker;
  }
}

/** Resolves when `previous` settles; rejects with `cancelled` if `signal` aborts first. */
function untilSettled(previous: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(cancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
    void previous.finally(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
