/**
 * The one typed protocol between the benchmark client (extension host or CLI) and the forked
 * benchmark worker. Pure types and guards; both sides import this file.
 *
 * Flow: the worker posts `ready` once; the client then posts requests (`run`, `probe`), each with a
 * `messageId`; the worker answers with zero or more `progress` messages and exactly one final
 * `result` / `probeResult` / `error`, all quoting `inReplyTo`. Cancellation is not a message: the
 * client kills the child, which is the only way to stop a native kernel mid-run and free its memory.
 * The client sends one run at a time and queues the rest itself, so runs never share the worker.
 */
import type { RequestEnvelope, ReplyEnvelope } from './messaging';

/** Where attention runs: a named onnxruntime execution provider, or `auto` (the best that works). */
export type EpChoice = 'auto' | 'cpu' | 'webgpu' | 'cuda';

/** An execution provider that actually ran (never `auto`). */
export type EpName = Exclude<EpChoice, 'auto'>;

/** Decode: S = 1 new token against L cached ones. Prefill: S prompt tokens, causal, no past. */
export type BenchPhase = 'decode' | 'prefill';

/** Element type of Q, K, V and the output. */
export type BenchDtype = 'fp32' | 'fp16';

/**
 * One implementation of the same attention:
 * - `gqa`: `com.microsoft.GroupQueryAttention` (past/present share one buffer on CPU);
 * - `attention`: ONNX `Attention`, opset 23;
 * - `plain`: MatMul / Softmax / MatMul with K and V expanded to the query heads (the reference form);
 * - `grouped`: each KV head's g query heads batched against its shared K and V, natural layouts;
 * - `groupedVt`: the same with P x V taken from a transposed V cache (the layout A/B);
 * - `gqaInt8`: GroupQueryAttention over an 8-bit KV cache (CPU, fp32 activations; its own bytes).
 */
export type BenchPath = 'gqa' | 'attention' | 'plain' | 'grouped' | 'groupedVt' | 'gqaInt8';

/** Every path, in report order. */
export const ALL_PATHS: readonly BenchPath[] = ['gqa', 'attention', 'plain', 'grouped', 'groupedVt', 'gqaInt8'];

/** One attention layer's head geometry; only `kvHeads` changes between variants. */
export interface AttentionShape {
  queryHeads: number;
  kvHeads: number;
  /** Head size of Q and K. */
  headDim: number;
  /** Head size of V and the output (MLA: differs from `headDim`). */
  valueHeadDim: number;
}

/** The model a benchmark stands for, as the report shows it. */
export interface BenchModel {
  /** A short name (model_type or file name). */
  name: string;
  /** The config's attention kind (MHA/GQA/MQA/MLA). */
  kind: 'MHA' | 'GQA' | 'MQA' | 'MLA';
  queryHeads: number;
  headDim: number;
  valueHeadDim: number;
  /** The KV heads the config itself uses. */
  configuredKvHeads: number;
  /** What is timed when it is not literally the model's attention (MLA), in words. */
  note?: string;
}

/** Bandwidth and compute peaks used as the ceiling of a GPU run (no in-run measurement there). */
export interface DevicePeaks {
  bandwidthGBps: number;
  computeGflops: number;
  /** Where the numbers came from ("setting", "published H200 peak"). */
  source: string;
}

/** Everything the worker needs to run one benchmark. */
export interface BenchRequest {
  model: BenchModel;
  /** KV head counts to time; each must divide the query heads. */
  variants: number[];
  ep: EpChoice;
  phase: BenchPhase;
  /** Decode: past tokens L per run. Prefill: ignored (use `prompt`). */
  contexts: number[];
  /** Prefill: prompt tokens S. */
  prompt: number;
  batch: number;
  dtype: BenchDtype;
  paths: BenchPath[];
  /** Intra-op threads for CPU runs and the CPU ceilings; default: all cores. */
  threads?: number;
  /** Untimed runs per path before timing (default 20). */
  warmup?: number;
  /** Timed rounds (each runs every variant and path once, in alternating order; default 15). */
  rounds?: number;
  /** Measure the CPU triad and GEMM ceilings (default true; tests turn it off for speed). */
  measureCeilings?: boolean;
  /** Caps the memory the run may plan for, below what the machine reports (tests, user setting). */
  memoryLimitBytes?: number;
  /** GPU ceilings; without them a GPU result has no fraction of peak. */
  devicePeaks?: DevicePeaks;
}

/** Why a run stopped without a result. */
export type BenchErrorCode = 'invalid' | 'memory' | 'unavailable' | 'mismatch' | 'crash' | 'cancelled' | 'internal';

/** A failure, with enough to act on. */
export interface BenchErrorInfo {
  code: BenchErrorCode;
  message: string;
  /** `memory`: the largest context (at the asked batch) that fits, or 0 when none does. */
  largestContext?: number;
  /** `unavailable`: what to install or change. */
  remedy?: string;
}

/** Whether an execution provider can run here, and if not why. */
export interface EpAvailability {
  ep: EpName;
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
  /** What to install or change, when not available. */
  remedy?: string;
  /** Adapter / backend the provider used, as far as onnxruntime-node lets us know. */
  adapter?: string;
  backend?: string;
  /** True for a software rasteriser (SwiftShader): correct, but not a GPU measurement. */
  software?: boolean;
}

/** The machine ceilings results are measured against. */
export interface Ceilings {
  /**
   * Bandwidth ceiling, GB/s. CPU: the median over rounds of the in-run streaming read through
   * onnxruntime (each result's fraction is taken per round, against that round's read); GPU: device peak.
   */
  bandwidthGBps?: number;
  /** CPU: the in-run read's spread across rounds (coefficient of variation). */
  bandwidthCv?: number;
  /** CPU, context only: the JavaScript STREAM triad, GB/s (not a yardstick: see BENCHMARK-METHOD.md). */
  triadGBps?: number;
  /** Compute ceiling, GFLOP/s (CPU: fp32 GEMM; GPU: device peak). */
  computeGflops?: number;
  /** How they were obtained, in words (array sizes, GEMM size, threads; or the peak's source). */
  source: string;
}

/** Where and with what a result was measured; travels with every report. */
export interface Provenance {
  cpuModel: string;
  cpuCores: number;
  /** Last-level cache size in bytes, as the OS reports it (0 when unknown). */
  llcBytes: number;
  totalMemoryBytes: number;
  ep: EpName;
  adapter?: string;
  backend?: string;
  ortVersion: string;
  nodeVersion: string;
  platform: string;
  threads: number;
  dtype: BenchDtype;
  phase: BenchPhase;
  batch: number;
  /** ISO date and time of the run. */
  date: string;
}

/** Summary statistics of the timed runs of one path, in milliseconds. */
export interface TimingStats {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  minMs: number;
  n: number;
  /** Coefficient of variation (standard deviation / mean). */
  cv: number;
}

/** One variant (KV-head count) of the model's attention. */
export interface VariantInfo {
  kvHeads: number;
  /** "MHA", "GQA-8", "MQA". */
  label: string;
  /** Query heads per KV head. */
  groupSize: number;
}

/** One timed (variant, context, path). */
export interface BenchResult extends TimingStats {
  variant: VariantInfo;
  path: BenchPath;
  phase: BenchPhase;
  /** Decode: past tokens L. Prefill: 0. */
  context: number;
  /** New tokens S per run. */
  prompt: number;
  batch: number;
  dtype: BenchDtype;
  ep: EpName;
  /** Matmul FLOPs per run (identical for every variant of one shape). */
  flops: number;
  flopPerS: number;
  tokensPerS: number;
  /** Algorithmic minimum bytes per run: Q, K/V read, output, appended K/V. */
  bytes: number;
  /** Bytes this implementation moves at least (e.g. K/V expanded, present copied); >= bytes. */
  implementationBytes: number;
  achievedGBps: number;
  ceilingGBps?: number;
  /**
   * Fraction of the bandwidth ceiling. CPU: the median over rounds of (this round's achieved GB/s /
   * this round's in-run read); GPU: achievedGBps / ceilingGBps.
   */
  bandwidthFraction?: number;
  /** CPU: the per-round fractions the median was taken over, in round order. */
  ceilingFractions?: number[];
  /** CPU: their coefficient of variation (the spread the verdict reads). */
  fractionCv?: number;
  /** Element type of the K/V cache when it is not `dtype` (gqaInt8: 'int8'). */
  kvDtype?: 'int8';
  ceilingGflops?: number;
  /** max(bytes / bandwidth, FLOPs / compute), ms, when ceilings are known. */
  rooflineMs?: number;
  /** rooflineMs / medianMs. */
  rooflineFraction?: number;
  /** MHA median / this variant's median, same path, context and EP (best path when headline). */
  speedupVsMha?: number;
  /** Query heads / KV heads: what a memory-bound kernel can gain at most. */
  speedupBound: number;
  maxAbsDiff: number;
  tolerance: number;
  /** Caches rotated per timed run so they do not stay in the last-level cache. */
  rotation: number;
  /** True when the data touched per run fits in the last-level cache (inflated bandwidth). */
  cacheResident: boolean;
  /** The fastest path of this variant at this context. */
  headline: boolean;
  notes: string[];
}

/** A path that could not run for a variant, with why (unsupported op or dtype on this EP). */
export interface SkippedPath {
  path: BenchPath;
  kvHeads: number;
  reason: string;
}

/** The whole answer to a `run` request. */
export interface BenchReport {
  model: BenchModel;
  results: BenchResult[];
  skipped: SkippedPath[];
  ceilings: Ceilings;
  provenance: Provenance;
  /** EPs probed for `auto`, with why the others were not chosen. */
  epProbes: EpAvailability[];
  notes: string[];
  /** CPU runs with an in-run ceiling: how much to trust the fractions (absent in older workers). */
  noise?: NoiseVerdict;
}

/** Whether the machine was quiet enough for the fractions to mean what they say. */
export interface NoiseVerdict {
  /** The largest spread (cv) of a headline result's per-round fraction, or of the ceiling itself. */
  cv: number;
  /** True past the threshold: the figures are printed as indicative only. */
  busy: boolean;
  /** The cv threshold used. */
  threshold: number;
  /** One line for the report ("the machine was busy: cv 25% ..."). */
  message: string;
  /** Results whose fraction exceeded 100% in some round: a yardstick bug, said loudly. */
  aboveCeiling: string[];
}

/** Where a run stands, for a progress bar. */
export interface BenchProgress {
  /** 0..1 of the whole run. */
  fraction: number;
  /** What is happening now, in words ("checking GQA-8 at L=16384"). */
  message: string;
}

/** Client -> worker: start a benchmark. */
export interface RunMessage {
  type: 'run';
  request: BenchRequest;
}

/** Client -> worker: is this EP usable here? */
export interface ProbeMessage {
  type: 'probe';
  ep: EpName;
}

/** Every request the client sends, before the envelope adds `messageId`. */
export type WorkerRequest = RunMessage | ProbeMessage;

/** Worker -> client, once, before any request is accepted. */
export interface ReadyMessage {
  type: 'ready';
  pid: number;
  ortVersion: string;
}

/** Worker -> client: intermediate reply to a `run`. */
export interface ProgressMessage {
  type: 'progress';
  progress: BenchProgress;
}

/** Worker -> client: final reply to a `run`. */
export interface ResultMessage {
  type: 'result';
  report: BenchReport;
}

/** Worker -> client: final reply to a `probe`. */
export interface ProbeResultMessage {
  type: 'probeResult';
  availability: EpAvailability;
}

/** Worker -> client: final reply when a request failed. */
export interface ErrorMessage {
  type: 'error';
  error: BenchErrorInfo;
}

/** Every reply the worker sends, before the envelope adds `inReplyTo`. */
export type WorkerReply = ProgressMessage | ResultMessage | ProbeResultMessage | ErrorMessage;

/** A request as it travels. */
export type WorkerRequestEnvelope = RequestEnvelope<WorkerRequest>;

/** A reply as it travels. */
export type WorkerReplyEnvelope = ReplyEnvelope<WorkerReply>;

/** Anything the worker posts. */
export type WorkerMessage = ReadyMessage | WorkerReplyEnvelope;

/** True for the replies that settle a request. */
export function isFinalReply(reply: WorkerReply): boolean {
  return reply.type !== 'progress';
}

/** An Error that carries a {@link BenchErrorInfo}, thrown by the client and the runner. */
export class BenchError extends Error {
  constructor(readonly info: BenchErrorInfo) {
    super(info.message);
    this.name = 'BenchError';
  }
}
