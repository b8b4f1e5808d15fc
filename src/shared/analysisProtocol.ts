/**
 * The messages between the extension host and the analysis worker thread (src/analysis/worker.ts).
 * Requests carry a `messageId`, replies quote it as `inReplyTo` (src/shared/messaging.ts); every reply is
 * final. The worker announces itself with `ready` before the first request is posted.
 */
import type { HoverContent } from '../core/hover';
import type { LineRange } from '../core/parse';
import type { KvLensSettings } from '../core/settings';
import type { ConfigSummary } from '../core/summary';
import type { Finding, KvReport, ModelDescription, SourceRange } from '../core/types';
import type { ExactWeights } from '../core/exactWeights';

/** A new version of a document, with its text. */
export interface UpdateRequest {
  key: string;
  version: number;
  text: string;
  /** Matched `kvLens.extraGlobs`: analysed, and treated as a model config, whatever the content says. */
  glob: boolean;
  settings: KvLensSettings;
  /** The document is JSON with comments (language `jsonc`): comments and trailing commas are not findings. */
  jsonc?: boolean;
}

/** A version the store already holds, asked for again (new settings, a glob added). */
export interface SnapshotRequest {
  key: string;
  version: number;
  glob: boolean;
  settings: KvLensSettings;
}

/** One edit, as the editor reports it: replace `length` characters at `offset` (in the text as it is then) with `text`. */
export interface TextChange {
  offset: number;
  length: number;
  text: string;
}

/**
 * A new version given as the edits from a version the store holds, so a large document's text crosses
 * to the worker once, when it opens, and each edit after that costs what the edit is, not what the file is.
 */
export interface PatchRequest {
  key: string;
  baseVersion: number;
  version: number;
  /** Applied one after the other, each to the text the previous one left (the editor's order). */
  changes: TextChange[];
  glob: boolean;
  settings: KvLensSettings;
  jsonc?: boolean;
}

/** A hover request on a version the store holds. */
export interface HoverRequest {
  key: string;
  version: number;
  offset: number;
  glob: boolean;
  settings: KvLensSettings;
  documentUri: string;
}

/** A finding with the line/column range it covers in its document. */
export interface LocatedFinding extends Finding {
  lines: LineRange;
}

/** Everything the editor surfaces need about one version under one set of settings; plain data. */
export interface DocumentSnapshot {
  key: string;
  version: number;
  /** The text sniff found no model-config key and no glob named the file: not parsed (the text is kept, for edits). */
  sniffedOut: boolean;
  /** True when this answer ran the analysis (a new version, or a glob added after the sniff said no). */
  analysed: boolean;
  isModelConfig: boolean;
  model?: ModelDescription;
  /** Why there is no model (syntax error, not a model config, no attention fields). */
  error?: string;
  /** Offset of the document's root value (where the summary lens sits). */
  rootOffset: number;
  /** True when the document was read in outline (over 1 MiB). */
  outline: boolean;
  findings: LocatedFinding[];
  kv?: KvReport;
  summary?: ConfigSummary;
  /** Milliseconds the store spent on this answer (analysis, lint, KV, line ranges). */
  elapsedMs: number;
}


/**
 * Check a config against the safetensors headers in its folder (model.safetensors, or the index and its shards):
 * the worker reads the headers (cached per file size and mtime), never the tensor data.
 */
export interface WeightsRequest {
  key: string;
  version: number;
  /** The config's path on disk: its folder is where the checkpoint is looked for. */
  configPath: string;
  text: string;
  settings: KvLensSettings;
}

/** A hover the weights check adds on a field it compared (Markdown, escaped by the core). */
export interface WeightsHover {
  range: SourceRange;
  markdown: string;
}

/** What the weights check found for one version of a config. */
export interface WeightsResult {
  key: string;
  version: number;
  /** `model.safetensors`, `model.safetensors.index.json (4 shards)`; absent when the folder holds no checkpoint. */
  source?: string;
  findings: LocatedFinding[];
  notes: string[];
  /** Absent when the checkpoint is incomplete or unreadable. */
  exactWeights?: ExactWeights;
  /** Checkpoint files that could not be read, each `file: reason`. */
  errors: string[];
  hovers: WeightsHover[];
}

export interface WeightsMessage extends WeightsRequest {
  type: 'weights';
}

export interface WeightsReply {
  type: 'weights';
  result: WeightsResult;
}

export interface UpdateMessage extends UpdateRequest {
  type: 'update';
}

export interface PatchMessage extends PatchRequest {
  type: 'patch';
}

export interface SnapshotMessage extends SnapshotRequest {
  type: 'snapshot';
}

export interface HoverMessage extends HoverRequest {
  type: 'hover';
}

export interface ForgetMessage {
  type: 'forget';
  key: string;
}

/** Extension host to worker. */
export type AnalysisWorkerRequest = UpdateMessage | PatchMessage | SnapshotMessage | HoverMessage | ForgetMessage | WeightsMessage;

/** Worker to extension host, once, before any reply. */
export interface AnalysisReadyMessage {
  type: 'ready';
}

/** The answer to `update`, or to `patch` / `snapshot` when the version is held. */
export interface SnapshotReply {
  type: 'snapshot';
  snapshot: DocumentSnapshot;
}

/** The answer to `patch`, `snapshot` or `hover` when the worker does not hold that version: send the text again. */
export interface MissingReply {
  type: 'missing';
}

export interface HoverReply {
  type: 'hover';
  hover?: HoverContent;
}

export interface DoneReply {
  type: 'done';
}

/** The request threw inside the worker (a bug in KV Lens, not in the file). */
export interface ErrorReply {
  type: 'error';
  message: string;
}

/** Worker to extension host: every reply is final. */
export type AnalysisWorkerReply = SnapshotReply | MissingReply | HoverReply | DoneReply | ErrorReply | WeightsReply;
