/**
 * The extension host's side of the analysis worker thread (worker.ts): starts it on first use with a heap
 * limit, sends one request at a time, drops queued requests that a newer version of their document made
 * pointless, and turns a worker that runs out of memory, throws, exits or hangs into an
 * AnalysisFailedError with a readable reason. The next request starts a fresh worker.
 *
 * While nothing is queued the worker does not keep the process alive (the CLI and tests can exit).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HoverContent } from '../core/hover';
import { ReadySignal, RequestTracker, routeIncoming } from '../shared/messaging';
import type { AnalysisWorkerReply, AnalysisWorkerRequest } from '../shared/analysisProtocol';
import { AnalysisFailedError, SupersededError } from './backend';
import type { AnalysisBackend } from './backend';
import type { DocumentSnapshot, HoverRequest, PatchRequest, SnapshotRequest, UpdateRequest, WeightsRequest, WeightsResult } from '../shared/analysisProtocol';

/** Heap limit of the worker (old generation). A 50 MB config needs about 300 MiB at its peak. */
export const DEFAULT_WORKER_HEAP_MB = 1536;
/** How long one request may run before the worker is stopped. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface AnalysisWorkerOptions {
  /** The worker script; by default analysisWorker.js beside the bundle, or worker.ts under tsx. */
  workerPath?: string;
  execArgv?: string[];
  /** Handed to the worker as `workerData` (the tests' stand-in workers read it). */
  workerData?: unknown;
  maxHeapMb?: number;
  timeoutMs?: number;
  /** Told when a worker starts or stops (for the log). */
  onEvent?: (message: string) => void;
}

interface Job {
  key: string;
  /** The document version the job is about; forget jobs have none and are never superseded. */
  version?: number;
  message: AnalysisWorkerRequest;
  resolve: (reply: AnalysisWorkerReply) => void;
  reject: (error: Error) => void;
}

interface Running {
  worker: Worker;
  ready: ReadySignal;
  tracker: RequestTracker<AnalysisWorkerRequest, AnalysisWorkerReply>;
  /** Why it stopped, once it has. */
  stopped?: string;
}

/** The analysis worker behind the AnalysisBackend interface. */
export class AnalysisWorkerClient implements AnalysisBackend {
  private readonly queue: Job[] = [];
  private inFlight: Job | undefined;
  private running: Running | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Workers started so far (tests and the log). */
  starts = 0;

  constructor(private readonly options: AnalysisWorkerOptions = {}) {}

  update(request: UpdateRequest): Promise<DocumentSnapshot> {
    return this.enqueue(request.key, request.version, { type: 'update', ...request }).then((reply) => {
      if (reply.type !== 'snapshot') throw unexpected(reply);
      return reply.snapshot;
    });
  }

  patch(request: PatchRequest): Promise<DocumentSnapshot | undefined> {
    return this.enqueue(request.key, request.version, { type: 'patch', ...request }).then(snapshotOrMissing);
  }

  snapshot(request: SnapshotRequest): Promise<DocumentSnapshot | undefined> {
    return this.enqueue(request.key, request.version, { type: 'snapshot', ...request }).then(snapshotOrMissing);
  }

  hover(request: HoverRequest): Promise<HoverContent | undefined | null> {
    return this.enqueue(request.key, request.version, { type: 'hover', ...request }).then((reply) => {
      if (reply.type === 'missing') return null;
      if (reply.type !== 'hover') throw unexpected(reply);
      return reply.hover;
    });
  }

  /** Checks a config against the safetensors headers beside it; the worker reads them (weightsCheck.ts). */
  weights(request: WeightsRequest): Promise<WeightsResult> {
    return this.enqueue(request.key, undefined, { type: 'weights', ...request }).then((reply) => {
      if (reply.type !== 'weights') throw unexpected(reply);
      return reply.result;
    });
  }

  forget(key: string): void {
    this.dropQueued(key, Number.POSITIVE_INFINITY);
    // Nothing to forget in a worker that is not running (a fresh one holds nothing).
    if (!this.running) return;
    this.enqueue(key, undefined, { type: 'forget', key }).catch(() => undefined);
  }

  /** Stops the worker; pending requests fail. */
  dispose(): void {
    this.disposed = true;
    const error = new AnalysisFailedError('KV Lens is shutting down');
    for (const job of this.queue.splice(0)) job.reject(error);
    this.stop('disposed', error);
  }

  /** True while a worker thread is running (tests). */
  get isRunning(): boolean {
    return this.running !== undefined;
  }

  private enqueue(key: string, version: number | undefined, message: AnalysisWorkerRequest): Promise<AnalysisWorkerReply> {
    if (this.disposed) return Promise.reject(new AnalysisFailedError('KV Lens is shutting down'));
    // A new version's whole text makes every queued request about an older one pointless: drop them now.
    // (Not for a patch: it builds on the version before it.)
    if (message.type === 'update' && version !== undefined) this.dropQueued(key, version);
    return new Promise<AnalysisWorkerReply>((resolve, reject) => {
      const job: Job = { key, message, resolve, reject };
      if (version !== undefined) job.version = version;
      this.queue.push(job);
      this.pump();
      this.holdProcess();
    });
  }

  private dropQueued(key: string, beforeVersion: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (job.key === key && job.version !== undefined && job.version < beforeVersion) {
        this.queue.splice(i, 1);
        job.reject(new SupersededError(key, job.version));
      }
    }
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0 || this.disposed) return;
    let running: Running;
    try {
      running = this.running ?? this.start();
    } catch (error) {
      const failure = new AnalysisFailedError(`the analysis worker could not start: ${error instanceof Error ? error.message : String(error)}`);
      for (const job of this.queue.splice(0)) job.reject(failure);
      return;
    }
    if (!running.ready.isReady) return; // `ready` pumps again.
    const job = this.queue.shift()!;
    this.inFlight = job;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.timer = setTimeout(() => {
      this.stop(`a request took longer than ${Math.round(timeoutMs / 1000)} s`, new AnalysisFailedError(`the analysis took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    running.tracker.request(job.message).reply.then(
      (reply) => this.finish(job, () => (reply.type === 'error' ? job.reject(new Error(reply.message)) : job.resolve(reply))),
      (error: Error) => this.finish(job, () => job.reject(error)),
    );
  }

  private finish(job: Job, settle: () => void): void {
    if (this.inFlight === job) {
      this.inFlight = undefined;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    settle();
    this.pump();
    this.holdProcess();
  }

  /** The worker keeps the process alive only while there is work for it. */
  private holdProcess(): void {
    if (!this.running) return;
    if (this.inFlight || this.queue.length > 0) this.running.worker.ref();
    else this.running.worker.unref();
  }

  private start(): Running {
    const { script, evaluate } = this.options.workerPath ? { script: this.options.workerPath, evaluate: false } : defaultWorker();
    const maxHeapMb = this.options.maxHeapMb ?? DEFAULT_WORKER_HEAP_MB;
    const worker = new Worker(script, { eval: evaluate, execArgv: this.options.execArgv ?? [], workerData: this.options.workerData, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    this.starts++;
    const running: Running = {
      worker,
      ready: new ReadySignal(),
      tracker: new RequestTracker<AnalysisWorkerRequest, AnalysisWorkerReply>({
        post: (message) => worker.postMessage(message),
        isFinal: () => true,
      }),
    };
    this.running = running;
    const started = this.starts;
    void running.ready.promise.then(() => {
      this.options.onEvent?.(`analysis worker ${started} started (heap limit ${maxHeapMb} MiB)`);
      this.pump();
    }, () => undefined);
    worker.on('message', (message: unknown) => routeIncoming(message, running.tracker, running.ready));
    worker.on('error', (error: Error & { code?: string }) => {
      const why = error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `the analysis ran out of memory (the worker's limit is ${maxHeapMb} MiB)`
        : `the analysis worker failed: ${error.message}`;
      this.stopped(running, why);
    });
    worker.on('exit', (code) => this.stopped(running, `the analysis worker exited (code ${code})`));
    return running;
  }

  /** Stops the running worker on purpose (timeout, dispose), failing what it was doing with `error`. */
  private stop(why: string, error: Error): void {
    const running = this.running;
    if (!running) return;
    this.fail(running, why, error);
    void running.worker.terminate();
  }

  /** The worker stopped by itself (or after `stop`): fail its work; the next request starts a new one. */
  private stopped(running: Running, why: string): void {
    this.fail(running, why, new AnalysisFailedError(why));
  }

  private fail(running: Running, why: string, error: Error): void {
    if (running.stopped !== undefined) return;
    running.stopped = why;
    if (this.running === running) this.running = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.options.onEvent?.(`analysis worker stopped: ${why}`);
    running.tracker.closeAll(error);
    if (!running.ready.isReady) {
      running.ready.reject(error);
      // It died before saying ready: a new one would too. Fail what waits rather than loop.
      const failure = new AnalysisFailedError(`the analysis worker could not start: ${why}`);
      for (const job of this.queue.splice(0)) job.reject(failure);
      return;
    }
    // The queue survives: its requests go to a fresh worker (a snapshot or hover there answers "missing").
    queueMicrotask(() => {
      this.pump();
      this.holdProcess();
    });
  }
}

/** A snapshot reply's snapshot; undefined when the worker does not hold the version asked about. */
function snapshotOrMissing(reply: AnalysisWorkerReply): DocumentSnapshot | undefined {
  if (reply.type === 'missing') return undefined;
  if (reply.type !== 'snapshot') throw unexpected(reply);
  return reply.snapshot;
}

function unexpected(reply: AnalysisWorkerReply): Error {
  return new Error(`unexpected reply from the analysis worker: ${reply.type}`);
}

/**
 * dist/analysisWorker.js beside the bundle; when running from TypeScript source (unit tests, benches), the
 * source through tsx's require hook (Node 20 does not apply `--import tsx` inside worker threads).
 */
function defaultWorker(): { script: string; evaluate: boolean } {
  if (__filename.endsWith('.ts')) return { script: `require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'worker.ts'))});`, evaluate: true };
  const candidate = join(__dirname, 'analysisWorker.js');
  if (existsSync(candidate)) return { script: candidate, evaluate: false };
  throw new AnalysisFailedError(`the analysis worker script is missing: ${candidate}`);
}
