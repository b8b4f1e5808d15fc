/**
 * One analysis per document version, shared by hover, diagnostics, CodeLens, status bar and commands.
 *
 * The analysis itself lives in an AnalysisBackend (src/analysis/): documents under `offThreadChars`
 * (64 Ki characters: every real config.json we know) are analysed in this thread, where a message round
 * trip would cost more than the analysis; larger ones in the analysis worker thread, so a 50 MB config
 * never holds the extension host. Either way this cache sees plain snapshots, reads a document's text
 * at most once per version, and asks again only when settings change (the backend keeps the analysis).
 */
import type { HoverContent } from '../core/hover';
import type { KvLensSettings } from '../core/settings';
import { DEFAULT_SETTINGS } from '../core/settings';
import type { KvReport, ModelDescription } from '../core/types';
import { AnalysisFailedError, LocalBackend, NotHeldError, SupersededError, retryOvertaken } from './backend';
import type { AnalysisBackend } from './backend';
import type { DocumentSnapshot, LocatedFinding, TextChange } from '../shared/analysisProtocol';
import { eligibility } from './eligibility';
import type { DocumentFacts, Eligibility } from './eligibility';
import type { ConfigSummary } from '../core/summary';

/** Documents at least this long (in UTF-16 code units) are analysed off the extension host's thread. */
export const OFF_THREAD_CHARS = 64 * 1024;

/** A document as the cache sees it: identity, version, facts, and its text on demand. */
export interface DocumentInput extends DocumentFacts {
  /** The document URI as a string. */
  key: string;
  version: number;
  getText(): string;
}

/** What KV Lens knows about one version of one document under the current settings. */
export class DocumentView {
  constructor(
    readonly key: string,
    readonly version: number,
    readonly eligibility: Eligibility,
    /** Absent for ignored documents and for failed analyses. */
    readonly snapshot: DocumentSnapshot | undefined,
    /** Why the analysis could not finish (out of memory, a crash, a timeout); the document is left alone. */
    readonly failure?: string,
  ) {}

  /** True when KV Lens features apply to this document. */
  get isModelConfig(): boolean {
    return this.snapshot?.isModelConfig === true;
  }

  /** The normalised model, when the core could read one. */
  get model(): ModelDescription | undefined {
    return this.isModelConfig ? this.snapshot?.model : undefined;
  }

  /** Why a model config has no model (syntax error, no attention fields). */
  get error(): string | undefined {
    return this.snapshot?.error;
  }

  /** Offset of the document's root value. */
  get rootOffset(): number {
    return this.snapshot?.rootOffset ?? 0;
  }

  /** Lint findings (rule severities and `off` applied), with line ranges; empty for non-model documents. */
  findings(): LocatedFinding[] {
    return this.isModelConfig ? this.snapshot?.findings ?? [] : [];
  }

  /** The KV report at the user's context, batch, dtype and tensor-parallel degree. */
  kv(): KvReport | undefined {
    return this.isModelConfig ? this.snapshot?.kv : undefined;
  }

  /** The summary lines for the lens, status bar and clipboard. */
  summary(): ConfigSummary | undefined {
    return this.isModelConfig ? this.snapshot?.summary : undefined;
  }
}

/** Where analyses run: this thread for small documents, the worker for large ones. */
export interface Backends {
  local: AnalysisBackend;
  offThread: AnalysisBackend;
  /** Documents at least this long go off thread; default OFF_THREAD_CHARS. */
  offThreadChars?: number;
}

interface ChangeLog {
  /** The version whose text the backend was last given (or built from edits). */
  baseVersion: number;
  /** The version the recorded changes lead to. */
  version: number;
  changes: TextChange[];
}

/** What is known of one version of a document; replaced (never edited back) when a new version arrives. */
interface VersionState {
  version: number;
  /** A language change keeps uri and version; the verdict must still be redone. */
  languageId: string;
  /** The holder has this version (asked again without the text on a settings or glob change). */
  held?: boolean;
  failure?: string;
  view?: DocumentView;
  /** The settings generation `view` was computed under. */
  generation: number;
  pending?: Promise<DocumentView>;
  pendingGeneration?: number;
}

/** Everything kept for one open document: its current version, and what outlives versions. */
interface DocumentRecord {
  at: VersionState;
  /** The backend that holds the document's analysis; absent when none does. */
  holder?: AnalysisBackend;
  /** The last view computed, whatever its version (stale is fine for a summary lens while typing). */
  lastView?: DocumentView;
  /** Edits since the text last went to the off-thread backend, while it holds the document. */
  changeLog?: ChangeLog;
  /** Milliseconds the last new version cost this thread before the backend took over (reading the text, handing it over). */
  hostMs?: number;
}

/** The cache: one record per open document, dropped when the document closes. */
export class DocumentStates {
  private readonly records = new Map<string, DocumentRecord>();
  private readonly backends: Required<Backends>;
  private generation = 0;
  private settingsValue: KvLensSettings = DEFAULT_SETTINGS;
  /** Number of analyses run so far (for the internal state command and tests). */
  analyses = 0;
  /** How many of the versions were sent as edits rather than whole texts. */
  patches = 0;

  constructor(backends?: Partial<Backends>) {
    const local = backends?.local ?? new LocalBackend();
    this.backends = { local, offThread: backends?.offThread ?? local, offThreadChars: backends?.offThreadChars ?? OFF_THREAD_CHARS };
  }

  /**
   * Per document, the milliseconds its last new version cost this thread before the backend took over:
   * reading the text and handing it (or the edits) to the backend. The whole analysis for documents
   * analysed here; for the worker, what stays on the editor's thread.
   */
  hostMs(key: string): number | undefined {
    return this.records.get(key)?.hostMs;
  }

  /** New settings: analyses stay, everything derived from settings is recomputed on next use. */
  setSettings(settings: KvLensSettings): void {
    this.settingsValue = settings;
    this.generation++;
  }

  /** The settings views are computed with. */
  get settings(): KvLensSettings {
    return this.settingsValue;
  }

  /**
   * The view of a document's current version, computing only what is missing. Concurrent calls for one
   * version share one computation. Rejects with SupersededError when a newer version overtook this one.
   */
  get(doc: DocumentInput): Promise<DocumentView> {
    let record = this.records.get(doc.key);
    if (!record) {
      record = { at: { version: doc.version, languageId: doc.languageId, generation: -1 } };
      this.records.set(doc.key, record);
    } else if (record.at.version !== doc.version || record.at.languageId !== doc.languageId) {
      record.at = { version: doc.version, languageId: doc.languageId, generation: -1 };
    }
    const owner = record;
    const current = record.at;
    const generation = this.generation;
    if (current.view && current.generation === generation) return Promise.resolve(current.view);
    if (current.pending && current.pendingGeneration === generation) return current.pending;
    // A computation for older settings may still run: wait for it, so its analysis is reused, not redone.
    const previous = current.pending?.catch(() => undefined);
    const pending = (previous ? previous.then(() => this.compute(doc, owner, current)) : this.compute(doc, owner, current)).then((view) => {
      if (this.records.get(doc.key) === owner && owner.at === current && generation === this.generation) {
        current.view = view;
        current.generation = generation;
        owner.lastView = view;
      }
      return view;
    });
    current.pending = pending;
    current.pendingGeneration = generation;
    const clear = () => {
      if (current.pending === pending) current.pending = undefined;
    };
    pending.then(clear, clear);
    return pending;
  }

  /** The hover at an offset of the document's current version. */
  async hover(doc: DocumentInput, offset: number): Promise<HoverContent | undefined> {
    return retryOvertaken(async () => {
      const view = await this.get(doc);
      const holder = this.records.get(doc.key)?.holder;
      if (!view.isModelConfig || !holder) return undefined;
      const hover = await holder.hover({ key: doc.key, version: doc.version, offset, glob: view.eligibility.kind === 'glob', settings: this.settingsValue, documentUri: doc.key });
      if (hover !== null) return hover;
      // The worker no longer holds this version (it was restarted): analyse it again.
      this.invalidate(doc.key);
      throw new NotHeldError(doc.key, doc.version);
    }).catch((error: unknown) => {
      if (error instanceof NotHeldError) return undefined;
      throw error;
    });
  }

  /** Where a document's analysis is held: this thread, the worker, or nowhere (not a model config). */
  analysedIn(key: string): 'extension-host' | 'worker' | undefined {
    const holder = this.records.get(key)?.holder;
    if (!holder) return undefined;
    return holder === this.backends.offThread && holder !== this.backends.local ? 'worker' : 'extension-host';
  }

  /** The cached view for a key when it is current for `version`, without computing anything. */
  peek(key: string, version: number): DocumentView | undefined {
    const at = this.records.get(key)?.at;
    return at?.version === version && at.generation === this.generation ? at.view : undefined;
  }

  /** The last view computed for a key, whatever its version (stale is fine for a summary lens while typing). */
  latest(key: string): DocumentView | undefined {
    return this.records.get(key)?.lastView;
  }

  /** True while edits to the document are being recorded (it is held off thread). */
  recordsChanges(key: string): boolean {
    return this.records.get(key)?.changeLog !== undefined;
  }

  /**
   * Records an edit event (the document's new version and its changes, in the editor's order) for a
   * document held off thread, so its next analysis can be sent as edits. Other documents record nothing.
   */
  recordChanges(key: string, version: number, changes: readonly TextChange[]): void {
    const record = this.records.get(key);
    const log = record?.changeLog;
    if (!record || !log) return;
    if (version <= log.version) {
      // Out of order: the log cannot be trusted, the next analysis reads the whole text.
      record.changeLog = undefined;
      return;
    }
    log.changes.push(...changes);
    log.version = version;
  }

  /** Forgets a closed document, here and in the backend that holds it. */
  delete(key: string): void {
    this.records.get(key)?.holder?.forget(key);
    this.records.delete(key);
  }

  /** Number of documents held (for tests and the internal state command). */
  get size(): number {
    return this.records.size;
  }

  private invalidate(key: string): void {
    const record = this.records.get(key);
    if (!record) return;
    record.at = { version: record.at.version, languageId: record.at.languageId, generation: -1 };
    record.holder = undefined;
    record.changeLog = undefined;
  }

  private async compute(doc: DocumentInput, record: DocumentRecord, entry: VersionState): Promise<DocumentView> {
    const settings = this.settingsValue;
    const verdict = eligibility(doc, settings.extraGlobs);
    const view = (snapshot: DocumentSnapshot | undefined, failure?: string) => new DocumentView(doc.key, doc.version, verdict, snapshot, failure);
    if (verdict.kind === 'ignored') return view(undefined);
    // A version that made the worker fail is not retried: the next edit is.
    if (entry.failure !== undefined) return view(undefined, entry.failure);
    const glob = verdict.kind === 'glob';
    const key = doc.key;

    try {
      const holder = record.holder;
      let snapshot: DocumentSnapshot | undefined;
      if (holder && entry.held) {
        // This version is held (new settings, or a glob added): ask again without the text.
        snapshot = await holder.snapshot({ key, version: doc.version, glob, settings });
      }
      const log = record.changeLog;
      if (!snapshot && holder && log && log.version === doc.version && log.baseVersion !== doc.version) {
        // Held off thread at an earlier version, and every edit since recorded: send the edits, not the text.
        record.changeLog = { baseVersion: doc.version, version: doc.version, changes: [] };
        const started = performance.now();
        const patched = holder.patch({ key, baseVersion: log.baseVersion, version: doc.version, changes: log.changes, glob, settings, jsonc: doc.languageId === 'jsonc' });
        record.hostMs = performance.now() - started;
        snapshot = await patched;
        if (snapshot) this.patches++;
      }
      if (!snapshot) {
        const started = performance.now();
        const text = doc.getText();
        const backend = text.length >= this.backends.offThreadChars ? this.backends.offThread : this.backends.local;
        if (holder && holder !== backend) holder.forget(key);
        record.holder = backend;
        // Edits from here on are recorded for the worker; a document in this thread is simply read again.
        record.changeLog = backend === this.backends.offThread ? { baseVersion: doc.version, version: doc.version, changes: [] } : undefined;
        const updated = backend.update({ key, version: doc.version, text, glob, settings, jsonc: doc.languageId === 'jsonc' });
        record.hostMs = performance.now() - started;
        snapshot = await updated;
      }
      if (snapshot.analysed) this.analyses++;
      entry.held = true;
      return view(snapshot);
    } catch (error) {
      if (error instanceof SupersededError) throw error;
      // Out of memory, a crash, a timeout, or a bug in KV Lens: say so once for this version, keep the editor going.
      const message = error instanceof AnalysisFailedError ? error.message : `KV Lens could not analyse this document: ${error instanceof Error ? error.message : String(error)}`;
      entry.failure = message;
      record.holder?.forget(key);
      record.holder = undefined;
      record.changeLog = undefined;
      return view(undefined, message);
    }
  }
}
