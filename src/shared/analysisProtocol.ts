/**
 * The messages between the extension host and the analysis worker thread (src/analysis/worker.ts).
 * Requests carry a `messageId`, replies quote it as `inReplyTo` (src/shared/messaging.ts); every reply is
 * final. The worker announces itself with `ready` before the first request is posted.
 */
import type { HoverContent } from '../core/hover';
import type { DocumentSnapshot, HoverRequest, PatchRequest, SnapshotRequest, UpdateRequest } from '../analysis/store';

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
export type AnalysisWorkerRequest = UpdateMessage | PatchMessage | SnapshotMessage | HoverMessage | ForgetMessage;

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
export type AnalysisWorkerReply = SnapshotReply | MissingReply | HoverReply | DoneReply | ErrorReply;
