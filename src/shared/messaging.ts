/**
 * Generic request/reply correlation over any message channel (a forked child's IPC, a webview's
 * postMessage). Pure: no `vscode`, no `child_process`; the caller supplies `post` and feeds replies in.
 *
 * Conventions every protocol built on this follows:
 * - a request carries a `messageId`; every message answering it carries `inReplyTo` with that id;
 * - a reply is either final (it settles the request) or intermediate (progress), as the protocol's
 *   `isFinal` predicate decides;
 * - the remote side announces itself with a `ready` message before the first request is posted.
 */

/** Anything with a discriminating `type` tag. */
export interface Tagged {
  type: string;
}

/** A request: a tagged message with the id its replies will quote. */
export type RequestEnvelope<T extends Tagged = Tagged> = T & { messageId: number };

/** A reply (final or intermediate) to the request whose `messageId` it quotes. */
export type ReplyEnvelope<T extends Tagged = Tagged> = T & { inReplyTo: number };

/** Why a pending request ended without a final reply: the channel closed, or the caller gave up. */
export class ChannelClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelClosedError';
  }
}

/** How a {@link RequestTracker} tells final replies from intermediate ones, and posts requests. */
export interface RequestTrackerOptions<Req extends Tagged, Rep extends Tagged> {
  /** Sends a request over the channel (e.g. `child.send`, `webview.postMessage`). */
  post: (message: RequestEnvelope<Req>) => void;
  /** True for the reply that settles a request (a result or an error). */
  isFinal: (reply: ReplyEnvelope<Rep>) => boolean;
}

interface Pending<Rep extends Tagged> {
  resolve: (reply: ReplyEnvelope<Rep>) => void;
  reject: (error: Error) => void;
  onIntermediate?: (reply: ReplyEnvelope<Rep>) => void;
}

/**
 * Tracks requests in flight and routes replies to them by `inReplyTo`.
 * One tracker per channel; when the channel dies, `closeAll` rejects every pending request so no
 * caller waits forever on a process that is gone.
 */
export class RequestTracker<Req extends Tagged, Rep extends Tagged> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Rep>>();

  constructor(private readonly options: RequestTrackerOptions<Req, Rep>) {}

  /** Posts `message` and resolves with its final reply; intermediate replies go to `onIntermediate`. */
  request(message: Req, onIntermediate?: (reply: ReplyEnvelope<Rep>) => void): { messageId: number; reply: Promise<ReplyEnvelope<Rep>> } {
    const messageId = this.nextId++;
    const reply = new Promise<ReplyEnvelope<Rep>>((resolve, reject) => {
      this.pending.set(messageId, { resolve, reject, onIntermediate });
    });
    try {
      this.options.post({ ...message, messageId });
    } catch (error) {
      this.settle(messageId, error instanceof Error ? error : new Error(String(error)));
    }
    return { messageId, reply };
  }

  /** Feeds one incoming reply; returns false when nothing was waiting for it (stale or unknown). */
  handleReply(reply: ReplyEnvelope<Rep>): boolean {
    const entry = this.pending.get(reply.inReplyTo);
    if (!entry) return false;
    if (this.options.isFinal(reply)) {
      this.pending.delete(reply.inReplyTo);
      entry.resolve(reply);
    } else {
      entry.onIntermediate?.(reply);
    }
    return true;
  }

  /** Rejects one pending request (e.g. the caller cancelled it). */
  settle(messageId: number, error: Error): void {
    const entry = this.pending.get(messageId);
    if (!entry) return;
    this.pending.delete(messageId);
    entry.reject(error);
  }

  /** Rejects every pending request with `error`: the channel is gone. */
  closeAll(error: Error): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.reject(error);
  }

  /** Requests still waiting for a final reply. */
  get size(): number {
    return this.pending.size;
  }
}

/** True when `value` looks like a reply envelope (has a numeric `inReplyTo` and a string `type`). */
export function isReply(value: unknown): value is ReplyEnvelope<Tagged> {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { inReplyTo?: unknown }).inReplyTo === 'number';
}

/** True when `value` looks like a request envelope (has a numeric `messageId` and a string `type`). */
export function isRequest(value: unknown): value is RequestEnvelope<Tagged> {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { messageId?: unknown }).messageId === 'number';
}

/** The remote side's `ready` announcement: a flag and a promise, rejected if the channel dies first. */
export class ReadySignal {
  readonly promise: Promise<void>;
  private settled: 'ready' | 'failed' | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.promise.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  /** True once the remote side said ready (and the channel did not die before). */
  get isReady(): boolean {
    return this.settled === 'ready';
  }

  resolve(): void {
    if (this.settled) return;
    this.settled = 'ready';
    this.resolveReady();
  }

  reject(error: Error): void {
    if (this.settled) return;
    this.settled = 'failed';
    this.rejectReady(error);
  }
}

/**
 * The requesting side's one way to read its channel: replies go to the tracker, the first `ready` to the
 * signal; anything else is ignored. Returns true when the message was a reply or the announcement.
 */
export function routeIncoming<Req extends Tagged, Rep extends Tagged>(message: unknown, tracker: RequestTracker<Req, Rep>, ready: ReadySignal): boolean {
  if (isReply(message)) return tracker.handleReply(message as ReplyEnvelope<Rep>);
  if ((message as { type?: unknown } | null)?.type === 'ready') {
    ready.resolve();
    return true;
  }
  return false;
}

/** How {@link serve} answers requests on a channel. */
export interface ServeOptions<Req extends Tagged, Rep extends Tagged> {
  /** Posts one reply envelope over the channel. */
  post: (reply: ReplyEnvelope<Rep>) => void;
  /** The final reply to one request; `progress` posts intermediate replies to it first. */
  answer: (request: RequestEnvelope<Req>, progress: (reply: Rep) => void) => Rep | Promise<Rep>;
  /** The final reply for a request whose answer threw. */
  failed: (error: unknown) => Rep;
  /** Answer one request at a time, in arrival order (the workers), or each as it comes (default). */
  serial?: boolean;
}

/**
 * The answering side of every protocol built on these conventions: takes a message off the channel and,
 * when it is a request, answers it with replies quoting its `messageId`, a thrown answer becoming the
 * protocol's error reply. Returns the handler to feed messages to; it returns false for non-requests,
 * which the caller handles itself (a webview's fire-and-forget messages).
 */
export function serve<Req extends Tagged, Rep extends Tagged>(options: ServeOptions<Req, Rep>): (message: unknown) => boolean {
  let queue: Promise<void> = Promise.resolve();
  const handle = async (request: RequestEnvelope<Req>): Promise<void> => {
    const reply = (r: Rep) => options.post({ ...r, inReplyTo: request.messageId });
    let final: Rep;
    try {
      final = await options.answer(request, reply);
    } catch (error) {
      final = options.failed(error);
    }
    reply(final);
  };
  return (message: unknown) => {
    if (!isRequest(message)) return false;
    const request = message as RequestEnvelope<Req>;
    if (options.serial) queue = queue.then(() => handle(request));
    else void handle(request);
    return true;
  };
}
