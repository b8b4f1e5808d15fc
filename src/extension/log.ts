/**
 * The extension's one log: a `LogOutputChannel` ("KV Lens" in the Output view), created in `activate`
 * and handed to whoever needs it. Its level follows the user's "Set Log Level" choice.
 */
import { isOvertaken } from '../analysis/backend';
import * as vscode from 'vscode';

/** The log every part of the extension writes to. */
export type Log = vscode.LogOutputChannel;

/** Creates the output channel; the caller owns (disposes) it. */
export function createLog(): Log {
  return vscode.window.createOutputChannel('KV Lens', { log: true });
}

/** A readable message for anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `fn`, logging and swallowing what it throws: one bad document must not break a provider for all. */
export function guarded<T>(log: Log, what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    log.error(`${what} failed`, error instanceof Error ? error : new Error(String(error)));
    return fallback;
  }
}

/** `guarded` for asynchronous work: what `fn` throws or rejects with is logged and replaced by `fallback`. */
export async function guardedAsync<T>(log: Log, what: string, fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // A newer version of the document overtook this request: nothing failed, the next request answers.
    if (isOvertaken(error)) return fallback;
    log.error(`${what} failed`, error instanceof Error ? error : new Error(String(error)));
    return fallback;
  }
}
