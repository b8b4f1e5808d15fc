/**
 * Internal command `kvLens._getState` for the in-editor tests: what the extension sees for a document,
 * after flushing any pending debounced update. Not in the command palette; the shape may change.
 */
import type { KvLensSettings } from '../../core/settings';
import { diagnosticCode } from '../diagnostics';
import type { Services } from '../services';
import { targetDocument } from './target';

/** The state of one document as the extension sees it. */
export interface DocumentStateSnapshot {
  uri: string;
  version: number;
  languageId: string;
  eligibility: string;
  isModelConfig: boolean;
  attentionKind?: string;
  summary?: string;
  statusBar?: string;
  findings: { code: string; severity: string; message: string }[];
  diagnostics: { code: string; severity: number; message: string; line: number }[];
  /** Where the document's analysis is held: documents of 64 Ki characters or more go to the worker. */
  analysedIn?: 'extension-host' | 'worker';
  /** Analyses run since activation, all documents: lets a test check that one version is analysed once. */
  analyses: number;
  /** Versions sent to the worker as edits rather than whole texts, all documents. */
  patches: number;
  /** What this document's last new version cost the extension host's thread, in ms (DocumentStates.hostMs). */
  hostMs?: number;
  activeIsModelConfig: boolean;
  settings: KvLensSettings;
}

/** The snapshot for a document (argument or active editor), or undefined without one. */
export async function getState(services: Services, arg?: unknown): Promise<DocumentStateSnapshot | undefined> {
  const document = await targetDocument(arg);
  if (!document) return undefined;
  await services.documents.flush(document);
  const view = await services.documents.view(document);
  const diagnostics = services.diagnostics.collection.get(document.uri) ?? [];
  const snapshot: DocumentStateSnapshot = {
    uri: document.uri.toString(),
    version: document.version,
    languageId: document.languageId,
    eligibility: view.eligibility.kind,
    isModelConfig: view.isModelConfig,
    findings: view.findings().map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    diagnostics: diagnostics.map((d) => ({
      code: diagnosticCode(d),
      severity: d.severity,
      message: d.message,
      line: d.range.start.line,
    })),
    analyses: services.documents.states.analyses,
    patches: services.documents.states.patches,
    activeIsModelConfig: services.active.current !== undefined,
    settings: services.settings.value,
  };
  const analysedIn = services.documents.states.analysedIn(snapshot.uri);
  if (analysedIn) snapshot.analysedIn = analysedIn;
  const hostMs = services.documents.states.hostMs(snapshot.uri);
  if (hostMs !== undefined) snapshot.hostMs = hostMs;
  const kind = view.model?.attention.kind;
  if (kind) snapshot.attentionKind = kind;
  const summary = view.summary();
  if (summary) {
    snapshot.summary = summary.lens;
    snapshot.statusBar = summary.status;
  }
  return snapshot;
}
