/**
 * Where documents are analysed: holds the latest analysis of each open document and answers with plain,
 * structured-clone-safe snapshots (findings with their line ranges, KV report, summary) and hovers.
 *
 * The same class runs in two places: in the extension host for small documents, and inside the analysis
 * worker thread (src/analysis/worker.ts) for large ones, so a 50 MB config is sniffed, parsed, linted and
 * line-counted off the editor's thread. The parse tree and the text never leave the store: cloning a
 * jsonc tree back costs more than building it (about 45 ms for a 250 KB config, against 11 ms to parse).
 * Pure: no `vscode`, no `node:` imports.
 */
import { analyzeText } from '../core/analyze';
import type { Analysis, AnalyzeOptions } from '../core/analyze';
import { mentionsModelKeys } from '../core/detect';
import { hoverAt } from '../core/hover';
import type { HoverContent } from '../core/hover';
import { computeKv } from '../core/kv';
import { lint } from '../core/lint';
import type { KvLensSettings } from '../core/settings';
import type { Finding, KvOptions, KvReport, ModelDescription } from '../core/types';
import { toLineRange } from '../core/parse';
import { kvOptionsFromSettings } from '../core/settings';
import { summarize } from '../core/summary';
import type { DocumentSnapshot, HoverRequest, LocatedFinding, PatchRequest, SnapshotRequest, TextChange, UpdateRequest } from '../shared/analysisProtocol';

/** The core functions the store calls; the real core by default, counted wrappers in tests. */
export interface Engine {
  analyze(text: string, options?: AnalyzeOptions): Analysis;
  lint(analysis: Analysis, settings: KvLensSettings): Finding[];
  computeKv(model: ModelDescription, options: KvOptions): KvReport;
}

/** The real core. */
export const coreEngine: Engine = { analyze: analyzeText, lint, computeKv };

interface Held {
  version: number;
  text: string;
  /** Read as JSON with comments. */
  jsonc: boolean;
  /** Absent while the sniff says the text cannot be a model config (and no glob names it). */
  analysis?: Analysis;
}

/** The analyses of open documents, one version per document. */
export class AnalysisStore {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly engine: Engine = coreEngine,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes a new version (replacing the old one), analyses it unless the sniff rules it out, and answers. */
  update(request: UpdateRequest): DocumentSnapshot {
    const started = this.now();
    const held: Held = { version: request.version, text: request.text, jsonc: request.jsonc === true };
    this.held.set(request.key, held);
    return this.answer(request.key, held, request.glob, request.settings, started);
  }

  /** A new version as edits from the held one; undefined when the base is not held or an edit does not fit it. */
  patch(request: PatchRequest): DocumentSnapshot | undefined {
    const started = this.now();
    const base = this.held.get(request.key);
    if (base?.version !== request.baseVersion) return undefined;
    const text = applyChanges(base.text, request.changes);
    if (text === undefined) return undefined;
    const held: Held = { version: request.version, text, jsonc: request.jsonc === true };
    this.held.set(request.key, held);
    return this.answer(request.key, held, request.glob, request.settings, started);
  }

  /** The snapshot of a held version under (new) settings or a new glob; undefined when that version is not held. */
  snapshot(request: SnapshotRequest): DocumentSnapshot | undefined {
    const held = this.held.get(request.key);
    if (held?.version !== request.version) return undefined;
    return this.answer(request.key, held, request.glob, request.settings, this.now());
  }

  /**
   * The hover at an offset of a held version: `undefined` when nothing attention-related sits there,
   * `null` when that version is not held (superseded, or the store was restarted).
   */
  hover(request: HoverRequest): HoverContent | undefined | null {
    const held = this.held.get(request.key);
    if (held?.version !== request.version) return null;
    if (!held.analysis) return undefined;
    const analysis = this.effective(held.analysis, request.glob);
    if (!analysis.isModelConfig) return undefined;
    return hoverAt(analysis, request.offset, request.settings, { documentUri: request.documentUri });
  }

  /** Drops a closed document. */
  forget(key: string): void {
    this.held.delete(key);
  }

  /** Documents held. */
  get size(): number {
    return this.held.size;
  }

  /** Analyses the held text if that is still to do and allowed, then describes it. */
  private answer(key: string, held: Held, glob: boolean, settings: KvLensSettings, started: number): DocumentSnapshot {
    let analysed = false;
    if (!held.analysis && (glob || mentionsModelKeys(held.text))) {
      held.analysis = this.engine.analyze(held.text, { jsonc: held.jsonc });
      analysed = true;
    }
    if (!held.analysis) {
      return { key, version: held.version, sniffedOut: true, analysed, isModelConfig: false, rootOffset: 0, outline: false, findings: [], elapsedMs: this.now() - started };
    }
    return this.describe(key, held, held.analysis, glob, settings, started, analysed);
  }

  private describe(key: string, held: Held, fullAnalysis: Analysis, glob: boolean, settings: KvLensSettings, started: number, analysed: boolean): DocumentSnapshot {
    const analysis = this.effective(fullAnalysis, glob);
    const parsed = analysis.parsed;
    const snapshot: DocumentSnapshot = {
      key,
      version: held.version,
      sniffedOut: false,
      analysed,
      isModelConfig: analysis.isModelConfig,
      rootOffset: parsed.root?.offset ?? 0,
      outline: parsed.outline,
      findings: [],
      elapsedMs: 0,
    };
    if (analysis.error !== undefined) snapshot.error = analysis.error;
    if (analysis.isModelConfig) {
      // Line starts cost a pass over the text, so they are only computed when there is something to place.
      const findings = this.engine.lint(analysis, settings);
      snapshot.findings = findings.map((f) => ({ ...f, lines: toLineRange(parsed.lineStarts, f.range) }));
      if (analysis.model) {
        snapshot.model = analysis.model;
        snapshot.kv = this.engine.computeKv(analysis.model, kvOptionsFromSettings(settings));
        snapshot.summary = summarize(analysis.model, snapshot.kv);
      }
    }
    snapshot.elapsedMs = this.now() - started;
    return snapshot;
  }

  /** A glob-matched document is a model config whatever its content says. */
  private effective(analysis: Analysis, glob: boolean): Analysis {
    return glob && !analysis.isModelConfig ? { ...analysis, isModelConfig: true } : analysis;
  }
}

/** Applies edits in order; undefined when one does not fit the text it applies to (the caller sends the whole text instead). */
export function applyChanges(text: string, changes: readonly TextChange[]): string | undefined {
  let result = text;
  for (const change of changes) {
    const { offset, length } = change;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > result.length) return undefined;
    result = result.slice(0, offset) + change.text + result.slice(offset + length);
  }
  return result;
}
