/**
 * The client side of the benchmark worker, shared by the CLI and the extension (pure Node: no
 * `vscode`). It forks the worker on first use, waits for its `ready`, correlates replies, and turns
 * a dead child into an error instead of a hang. Cancelling kills the child: a native kernel cannot
 * be interrupted any other way, and killing it returns all its memory at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RequestTracker, isReply, type ReplyEnvelope } from '../shared/messaging';
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

/** A lazily started benchmark worker. One run at a time is the worker's rule; requests queue there. */
export class BenchClient {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private tracker: RequestTracker<WorkerRequest, WorkerReply> | undefined;
  private stderr = '';
  private cancelling = false;
  private disposed = false;

  constructor(private readonly options: BenchClientOptions = {}) {}

  /** The worker's process id, while one runs (tests use it to simulate a native crash). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs a benchmark; rejects with {@link BenchError} (`cancelled`, `crash`, or the worker's code). */
  async run(request: BenchRequest, options: RunOptions = {}): Promise<BenchReport> {
    const reply = await this.request({ type: 'run', request }, options);
    if (reply.type === 'result') return reply.report;
    throw this.unexpected(reply);
  }

  /** Asks the worker whether an EP works here. */
  async probe(ep: EpName): Promise<EpAvailability> {
    const reply = await this.request({ type: 'probe', ep }, {});
    if (reply.type === 'probeResult') return reply.availability;
    throw this.unexpected(reply);
  }

  /** Cancels whatever runs: kills the worker. The next request starts a fresh one. */
  cancel(): void {
    if (!this.child) return;
    this.cancelling = true;
    this.tracker?.closeAll(new BenchError({ code: 'cancelled', message: 'The benchmark was cancelled.' }));
    this.child.kill('SIGKILL');
    this.forget();
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

  private async request(message: WorkerRequest, options: RunOptions): Promise<ReplyEnvelope<WorkerReply>> {
    if (options.signal?.aborted) throw new BenchError({ code: 'cancelled', message: 'The benchmark was cancelled.' });
    await this.start();
    const tracker = this.tracker!;
    const { reply } = tracker.request(message, (r) => {
      if (r.type === 'progress') options.onProgress?.(r.progress);
    });
    const onAbort = () => this.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await reply;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private start(): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new BenchError({ code: 'cancelled', message: 'The benchmark client was disposed.' }));
    if (this.ready) return this.ready;
    const fallback = defaultWorker();
    const workerPath = this.options.workerPath ?? fallback.workerPath;
    const execArgv = this.options.execArgv ?? (this.options.workerPath ? [] : fallback.execArgv);
    this.cancelling = false;
    this.stderr = '';
    const child = fork(workerPath, [], { execArgv, env: this.options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    const tracker = new RequestTracker<WorkerRequest, WorkerReply>({
      post: (m) => child.send(m),
      isFinal: (r) => isFinalReply(r),
    });
    this.tracker = tracker;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve(child);
        else if (isReply(message)) tracker.handleReply(message as ReplyEnvelope<WorkerReply>);
      });
      child.once('error', (error) => reject(new BenchError({ code: 'crash', message: `The benchmark worker could not start: ${error.message}` })));
      child.once('exit', (code, signal) => {
        const error = this.cancelling
          ? new BenchError({ code: 'cancelled', message: 'The benchmark was cancelled.' })
          : new BenchError({ code: 'crash', message: this.crashMessage(code, signal) });
        reject(error);
        tracker.closeAll(error);
        if (this.child === child) this.forget();
      });
    });
    return this.ready;
  }

  private crashMessage(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const hint = signal === 'SIGKILL' ? ' (the system may have run out of memory)' : '';
    const tail = this.stderr.trim().split('\n').slice(-6).join('\n');
    return `The benchmark worker ${how}${hint}; the extension is unaffected.${tail ? `\nLast worker output:\n${tail}` : ''}`;
  }

  private forget(): void {
    this.child = undefined;
    this.ready = undefined;
    this.tracker = undefined;
  }
}
