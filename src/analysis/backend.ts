/**
 * Where a document's analysis lives: in this thread (LocalBackend, for small documents, where a message
 * round trip would cost more than the analysis) or in the analysis worker thread (client.ts, for large
 * ones). Both hold the same AnalysisStore and answer the same asynchronous interface.
 */
import type { HoverContent } from '../core/hover';
import { AnalysisStore } from './store';
import type { DocumentSnapshot, HoverRequest, PatchRequest, SnapshotRequest, UpdateRequest } from '../shared/analysisProtocol';

/** An analysis store behind an asynchronous interface. */
export interface AnalysisBackend {
  /** Analyses a new version; rejects with SupersededError when a newer version replaced it while queued. */
  update(request: UpdateRequest): Promise<DocumentSnapshot>;
  /** A new version as edits from a held one; undefined when the base is not held (send the text instead). */
  patch(request: PatchRequest): Promise<DocumentSnapshot | undefined>;
  /** A held version under new settings; undefined when it is not held (send the text again). */
  snapshot(request: SnapshotRequest): Promise<DocumentSnapshot | undefined>;
  /** The hover at an offset; undefined when nothing is there, null when the version is not held. */
  hover(request: HoverRequest): Promise<HoverContent | undefined | null>;
  /** Drops a document. */
  forget(key: string): void;
  dispose(): void;
}

/** A request dropped because a newer version of its document was queued behind it. */
export class SupersededError extends Error {
  constructor(key: string, version: number) {
    super(`version ${version} of ${key} was replaced by a newer one before it was analysed`);
    this.name = 'SupersededError';
  }
}

/** The backend no longer holds the version asked about (the worker was restarted): analyse it again. */
export class NotHeldError extends Error {
  constructor(key: string, version: number) {
    super(`version ${version} of ${key} is no longer held by the analysis backend`);
    this.name = 'NotHeldError';
  }
}

/** How many times an answer overtaken by events is asked for again before the error stands. */
export const OVERTAKEN_ATTEMPTS = 5;

/**
 * The one retry policy for analysis answers overtaken by events: a version superseded while it queued
 * (answer for the newer one) or a version the restarted worker no longer holds (analyse it again). Any
 * other error, `giveUp()` (the document closed), or the last attempt: the error stands.
 */
export async function retryOvertaken<T>(run: () => Promise<T>, giveUp: () => boolean = () => false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isOvertaken(error) || giveUp() || attempt >= OVERTAKEN_ATTEMPTS) throw error;
    }
  }
}

/** True for the errors {@link retryOvertaken} retries: nothing failed, a newer request answers. */
export function isOvertaken(error: unknown): error is SupersededError | NotHeldError {
  return error instanceof SupersededError || error instanceof NotHeldError;
}

/** The analysis could not finish: the worker ran out of memory, crashed or took too long. */
export class AnalysisFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisFailedError';
  }
}

/** The store in this thread. */
export class LocalBackend implements AnalysisBackend {
  constructor(readonly store: AnalysisStore = new AnalysisStore()) {}

  update(request: UpdateRequest): Promise<DocumentSnapshot> {
    return attempt(() => this.store.update(request));
  }

  patch(request: PatchRequest): Promise<DocumentSnapshot | undefined> {
    return attempt(() => this.store.patch(request));
  }

  snapshot(request: SnapshotRequest): Promise<DocumentSnapshot | undefined> {
    return attempt(() => this.store.snapshot(request));
  }

  hover(request: HoverRequest): Promise<HoverContent | undefined | null> {
    return attempt(() => this.store.hover(request));
  }

  forget(key: string): void {
    this.store.forget(key);
  }

  dispose(): void {}
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
