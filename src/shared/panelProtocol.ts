/**
 * The one typed protocol between the extension and the KV Lens panel webview.
 *
 * Design: the extension sends the config's *text* (plus its uri and the user's settings); the webview
 * analyses it with the browser-safe core (`src/core/`) and recomputes every figure locally as the user
 * moves controls. Text is small, structured-clone safe and the single source of truth; an Analysis
 * would drag jsonc-parser trees across the channel and go stale the moment a control changes.
 *
 * Handshake: the webview posts {@link PanelReady} once its listeners are installed; the extension
 * queues everything until then (messages posted to a webview that is still loading are lost).
 *
 * Requests that need an answer (export) follow `src/shared/messaging.ts`: the request carries a
 * `messageId`, the answer quotes it as `inReplyTo`.
 *
 * Pure types and guards: no `vscode`, no DOM, no node imports.
 */
import type { KvChoices } from '../core/settings';
import type { ExactWeights } from '../core/exactWeights';
import type { ModelDescription } from '../core/types';
import type { ReplyEnvelope, RequestEnvelope } from './messaging';
import type { BenchResult, VariantInfo } from './benchProtocol';
import type { Spread } from '../core/uptrain/fidelity';

/** The webview view type registered for the panel and its serializer (`onWebviewPanel:kvLens.panel`). */
export const PANEL_VIEW_TYPE = 'kvLens.panel';

/** Settings the panel uses: the core's operating-point choices (controls start from these). */
export type PanelSettings = KvChoices;

// ---------------------------------------------------------------------------------------------
// Benchmarks (filled by the benchmark feature; the panel only displays them)
// ---------------------------------------------------------------------------------------------

/**
 * One timed benchmark case as the panel shows it: the benchmark worker's own BenchResult, under its own names,
 * of which the panel needs these fields (the rest may be absent: tests and older states send less).
 */
export type PanelBenchmarkResult = Pick<BenchResult, 'phase' | 'context' | 'batch' | 'dtype' | 'ep' | 'medianMs' | 'p10Ms' | 'p90Ms' | 'achievedGBps' | 'speedupBound'> &
  Partial<Pick<BenchResult, 'prompt' | 'path' | 'headline' | 'tokensPerS' | 'ceilingGBps' | 'speedupVsMha'>> & {
    /** The grouping variant measured; only the KV head count differs between variants of one model. */
    variant: Pick<VariantInfo, 'kvHeads'> & Partial<VariantInfo>;
  };

/** A finished benchmark run as the panel shows it. */
export interface PanelBenchmarkRun {
  results: PanelBenchmarkResult[];
  /** Where it ran, in words (CPU model, GPU adapter, onnxruntime version). */
  provenance?: string;
  /** ISO date of the run. */
  date?: string;
}

// ---------------------------------------------------------------------------------------------
// Fidelity of a KV-head conversion (filled by "Convert to Grouped-Query Attention..."; the panel only displays it)
// ---------------------------------------------------------------------------------------------

/** Worst and median over layers, with the layer the worst is in (src/core/uptrain/fidelity.ts). */
export type PanelSpread = Spread;

/**
 * What converting this config to `kvHeads` KV heads did to its attention layers before any fine-tuning
 * (src/convert: the data-free weight figures and, when the functional check ran, the attention output figures).
 */
export interface PanelFidelity {
  kvHeads: number;
  method: string;
  /** K/V weight-sharing error Σ‖W_h − group mean‖² / Σ‖W_h‖², per layer: worst and median. */
  sharingError: PanelSpread;
  /** Attention output with the converted weights against the original's; absent when the check did not run. */
  attention?: {
    /** ‖A' − A‖ / ‖A‖ per layer: worst (largest) and median. */
    relativeError: PanelSpread;
    /** Cosine of A' and A per layer: worst (smallest) and median. */
    cosine: PanelSpread;
    /** What the inputs were, in words (the embeddings of a fixed text, or seeded states). */
    inputs: string;
  };
  /** The output folder, as a path. */
  out: string;
  /** ISO date the conversion finished. */
  date: string;
}

// ---------------------------------------------------------------------------------------------
// Extension -> webview
// ---------------------------------------------------------------------------------------------

/** The config to show: sent after `ready`, and again (debounced) whenever the document changes. */
export interface PanelDocumentMessage {
  type: 'document';
  /** The document's uri, as `Uri.toString()`; the serializer reopens it after a reload. */
  uri: string;
  /** A short name for the title (`Meta-Llama-3-8B-Instruct/config.json`). */
  displayName: string;
  /** The full text, unparsed: the webview parses it with the core and shows parse errors itself. */
  text: string;
  /** The document version it was read at (informational: the latest message always wins). */
  version: number;
}

/**
 * A model described without config text (a GGUF header, read and described with llama.cpp's rules by the
 * extension): shown as a config's figures are, with the weights counted exactly from its tensors.
 */
export interface PanelModelMessage {
  type: 'model';
  uri: string;
  displayName: string;
  model: ModelDescription;
  exactWeights?: ExactWeights;
}

/** The user's `kvLens.*` settings, sent after `ready` and whenever they change. */
export interface PanelSettingsMessage {
  type: 'settings';
  settings: PanelSettings;
}

/** Benchmark results for this panel's config; replaces any shown before. */
export interface PanelBenchmarkMessage {
  type: 'benchmarkResults';
  run: PanelBenchmarkRun;
}

/** Conversion fidelity for this panel's config, one entry per KV head count converted to; replaces any shown before. */
export interface PanelFidelityMessage {
  type: 'fidelityResults';
  results: PanelFidelity[];
}

/** The document could not be read (deleted, or not openable after a reload): say so, keep the last view. */
export interface PanelDocumentErrorMessage {
  type: 'documentError';
  uri: string;
  message: string;
}

/** The answer to {@link PanelExportRequest}: whether the file was written, and where. */
export interface PanelExportReply {
  type: 'exportResult';
  /** `saved`: written to `path`; `cancelled`: the user closed the dialog; `failed`: see `message`. */
  outcome: 'saved' | 'cancelled' | 'failed';
  path?: string;
  message?: string;
}

/** Everything the extension posts to the webview. */
export type ToPanelMessage =
  | PanelDocumentMessage
  | PanelModelMessage
  | PanelSettingsMessage
  | PanelBenchmarkMessage
  | PanelFidelityMessage
  | PanelDocumentErrorMessage
  | ReplyEnvelope<PanelExportReply>;

// ---------------------------------------------------------------------------------------------
// Webview -> extension
// ---------------------------------------------------------------------------------------------

/** The webview's listeners are installed: the extension may now post (and flushes its queue). */
export interface PanelReady {
  type: 'ready';
}

/** Save figures to a file the user picks (a save dialog), replied to with {@link PanelExportReply}. */
export interface PanelExportRequest {
  type: 'export';
  format: 'json' | 'csv';
  /** File name proposed in the dialog, next to the config. */
  suggestedName: string;
  /** The file's full content, produced by the webview from what it shows. */
  content: string;
}

/** Put text on the clipboard (the Markdown table); webviews cannot rely on `navigator.clipboard`. */
export interface PanelCopyMessage {
  type: 'copy';
  text: string;
  /** What was copied, for the confirmation ("KV cost table"). */
  what: string;
}

/** Open the config in an editor beside the panel (from the parse-error view). */
export interface PanelRevealMessage {
  type: 'revealSource';
  /** Offset to put the cursor at (a parse error's position). */
  offset?: number;
}

/** Everything the webview posts to the extension. */
export type FromPanelMessage = PanelReady | RequestEnvelope<PanelExportRequest> | PanelCopyMessage | PanelRevealMessage;

/**
 * The webview's persisted state (`vscode.setState`), which the serializer receives after a reload: which
 * config, and what the user chose in the controls. Nothing else: the extension resends the text, the
 * settings and the latest benchmark run on `ready` (persisting a 45 MB text on every control move costs
 * the webview more than the resend).
 */
export interface PanelPersistedState {
  /** Schema version of this object; bump when its shape changes (v1 also held text, settings and runs). */
  v: 2;
  uri: string;
  controls?: PanelControls;
}

/** The panel's own controls (the settings' choices, under the settings' names), persisted so a reload keeps what the user chose. */
export interface PanelControls extends KvChoices {
  /** The what-if KV head count; undefined means the model's own. */
  whatIfKvHeads?: number;
}

const TO_PANEL_TYPES: ReadonlySet<string> = new Set(['document', 'model', 'settings', 'benchmarkResults', 'fidelityResults', 'documentError', 'exportResult']);
const FROM_PANEL_TYPES: ReadonlySet<string> = new Set(['ready', 'export', 'copy', 'revealSource']);

/** Runtime guard for messages arriving in the webview (anything can call `window.postMessage`). */
export function isToPanelMessage(value: unknown): value is ToPanelMessage {
  return typeof value === 'object' && value !== null && TO_PANEL_TYPES.has((value as { type?: unknown }).type as string);
}

/** Runtime guard for messages arriving in the extension from the webview. */
export function isFromPanelMessage(value: unknown): value is FromPanelMessage {
  return typeof value === 'object' && value !== null && FROM_PANEL_TYPES.has((value as { type?: unknown }).type as string);
}

/**
 * True when a persisted state names its config (the serializer's input is untrusted). Version 1 states
 * (written before the controls took the settings' names) are read for their uri; their controls are dropped.
 */
export function isPanelPersistedState(value: unknown): value is PanelPersistedState {
  const v = (value as { v?: unknown } | null)?.v;
  return typeof value === 'object' && value !== null && (v === 1 || v === 2) && typeof (value as { uri?: unknown }).uri === 'string';
}

/** The controls of a persisted state, when it is this version's and they are well formed. */
export function persistedControls(state: PanelPersistedState): PanelControls | undefined {
  const c = state.v === 2 ? (state.controls as Partial<Record<keyof PanelControls, unknown>> | undefined) : undefined;
  if (!c || typeof c !== 'object') return undefined;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (!num(c.context) || !num(c.batch) || !num(c.tensorParallel) || !num(c.gpuMemoryGiB) || typeof c.kvDtype !== 'string') return undefined;
  return c as PanelControls;
}
