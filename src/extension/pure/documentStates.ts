/**
 * One analysis per document version, shared by hover, diagnostics, CodeLens, status bar and commands.
 * The text is read at most once per version and only when the document may be a model config; results
 * that depend on settings (findings, KV report, summary) are memoised per settings generation.
 */
import { analyzeText } from '../../core/analyze';
import type { Analysis } from '../../core/analyze';
import { computeKv } from '../../core/kv';
import { lint } from '../../core/lint';
import type { KvLensSettings } from '../../core/settings';
import { DEFAULT_SETTINGS } from '../../core/settings';
import type { Finding, KvOptions, KvReport, ModelDescription } from '../../core/types';
import { mentionsModelKeys } from '../../core/detect';
import { eligibility } from './detect';
import type { DocumentFacts, Eligibility } from './detect';
import { kvOptionsFromSettings } from './settings';
import { summarize } from './summary';
import type { ConfigSummary } from './summary';

/** The core functions the cache calls; the real core by default, counted wrappers in tests. */
export interface Engine {
  analyze(text: string): Analysis;
  lint(analysis: Analysis, settings: KvLensSettings): Finding[];
  computeKv(model: ModelDescription, options: KvOptions): KvReport;
}

/** The real core. */
export const coreEngine: Engine = { analyze: analyzeText, lint, computeKv };

/** A document as the cache sees it: identity, version, facts, and its text on demand. */
export interface DocumentInput extends DocumentFacts {
  /** The document URI as a string. */
  key: string;
  version: number;
  getText(): string;
}

/** What KV Lens knows about one version of one document under the current settings. */
export class DocumentView {
  private findingsMemo: Finding[] | undefined;
  private kvMemo: KvReport | null | undefined;
  private summaryMemo: ConfigSummary | null | undefined;

  constructor(
    readonly key: string,
    readonly version: number,
    readonly eligibility: Eligibility,
    /** Present for analysed documents; for glob-matched ones `isModelConfig` is forced true. */
    readonly analysis: Analysis | undefined,
    private readonly settings: KvLensSettings,
    private readonly engine: Engine,
  ) {}

  /** True when KV Lens features apply to this document. */
  get isModelConfig(): boolean {
    return this.analysis?.isModelConfig === true;
  }

  /** The normalised model, when the core could read one. */
  get model(): ModelDescription | undefined {
    return this.isModelConfig ? this.analysis?.model : undefined;
  }

  /** Lint findings (rule severities and `off` applied by the core); empty for non-model documents. */
  findings(): Finding[] {
    if (!this.isModelConfig || !this.analysis) return [];
    return (this.findingsMemo ??= this.engine.lint(this.analysis, this.settings));
  }

  /** The KV report at the user's context, batch, dtype and tensor-parallel degree. */
  kv(): KvReport | undefined {
    if (this.kvMemo === undefined) {
      const model = this.model;
      this.kvMemo = model ? this.engine.computeKv(model, kvOptionsFromSettings(this.settings)) : null;
    }
    return this.kvMemo ?? undefined;
  }

  /** The summary lines for the lens, status bar and clipboard. */
  summary(): ConfigSummary | undefined {
    if (this.summaryMemo === undefined) {
      const model = this.model;
      const kv = this.kv();
      this.summaryMemo = model && kv ? summarize(model, kv) : null;
    }
    return this.summaryMemo ?? undefined;
  }
}

interface Entry {
  version: number;
  /** A language change keeps uri and version; the verdict must still be redone. */
  languageId: string;
  /** undefined: not looked at yet; false: sniffed, cannot be a model config. */
  analysis?: Analysis | false;
  view?: DocumentView;
  generation: number;
}

/** The cache: at most one entry per open document, dropped when the document closes. */
export class DocumentStates {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private settings: KvLensSettings = DEFAULT_SETTINGS;
  /** Number of `analyze` calls so far (for the internal state command and tests). */
  analyses = 0;

  constructor(private readonly engine: Engine = coreEngine) {}

  /** New settings: analyses stay, everything derived from settings is recomputed on next use. */
  setSettings(settings: KvLensSettings): void {
    this.settings = settings;
    this.generation++;
  }

  /** The view of a document's current version, computing only what is missing. */
  get(doc: DocumentInput): DocumentView {
    let entry = this.entries.get(doc.key);
    if (!entry || entry.version !== doc.version || entry.languageId !== doc.languageId) {
      entry = { version: doc.version, languageId: doc.languageId, generation: -1 };
      this.entries.set(doc.key, entry);
    }
    if (entry.view && entry.generation === this.generation) return entry.view;

    const verdict = eligibility(doc, this.settings.extraGlobs);
    let analysis: Analysis | undefined;
    if (verdict.kind !== 'ignored') {
      if (entry.analysis === undefined) {
        const text = doc.getText();
        entry.analysis = verdict.kind === 'glob' || mentionsModelKeys(text) ? this.analyze(text) : false;
      } else if (entry.analysis === false && verdict.kind === 'glob') {
        // A glob added since the sniff said no: the user says it is a model config, so analyse it.
        entry.analysis = this.analyze(doc.getText());
      }
      if (entry.analysis) analysis = verdict.kind === 'glob' ? { ...entry.analysis, isModelConfig: true } : entry.analysis;
    }
    entry.view = new DocumentView(doc.key, doc.version, verdict, analysis, this.settings, this.engine);
    entry.generation = this.generation;
    return entry.view;
  }

  /** The cached view for a key when it is current for `version`, without computing anything. */
  peek(key: string, version: number): DocumentView | undefined {
    const entry = this.entries.get(key);
    return entry?.version === version && entry.generation === this.generation ? entry.view : undefined;
  }

  /** The last view computed for a key, whatever its version (stale is fine for a summary lens while typing). */
  latest(key: string): DocumentView | undefined {
    return this.entries.get(key)?.view;
  }

  /** Forgets a closed document. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Number of documents held (for tests and the internal state command). */
  get size(): number {
    return this.entries.size;
  }

  private analyze(text: string): Analysis {
    this.analyses++;
    return this.engine.analyze(text);
  }
}
