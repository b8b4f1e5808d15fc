/**
 * "Convert to Grouped-Query Attention...": writes the open model config's checkpoint with its K/V heads mean-pooled
 * to a KV head count the user picks (src/convert: the conversion and its figures). The pickers show, beside each
 * valid count, what the what-if says it would cost (src/core/whatif.ts at the settings' context and batch); the
 * conversion itself runs in the conversion worker thread (dist/convertWorker.js), never on the extension host, with
 * a cancellable progress notification. Needs a trusted workspace: it writes files and runs native code
 * (onnxruntime for the functional check).
 *
 * Arguments (a keybinding's `args`, another extension, the in-editor test): `kvLens.convertToGqa` takes the config
 * (a Uri, or nothing for the active editor) and then {@link ConvertChoices}, `{ kvHeads, method, out, force,
 * functional }`; each one given skips its picker, e.g. `executeCommand('kvLens.convertToGqa', uri, { kvHeads: 2,
 * method: 'mean', out: '/models/llama-kv2' })`. A count that is not a valid divisor or an unknown method is refused
 * with a message, as the pickers would never offer them. When it is done, the figures go to the config's panel: the
 * what-if row for that KV head count shows them (src/extension/panel/fidelityStore.ts).
 */
import * as vscode from 'vscode';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { formatBytes } from '../../core/format';
import { kvOptionsFromSettings } from '../../core/settings';
import { refusalFor, validKvHeads } from '../../core/uptrain/plan';
import { POOL_METHODS, type PoolMethod } from '../../core/uptrain/pool';
import { whatIf } from '../../core/whatif';
import { convertInWorker } from '../../convert/client';
import { ConvertRefusal, type ConvertReport } from '../../convert/types';
import { toPanelFidelity } from '../panel/fidelityStore';
import type { Services } from '../services';
import { targetDocument } from '../commands/target';

/** Choices a caller (a test, another extension) may give to skip the pickers. */
export interface ConvertChoices {
  kvHeads?: number;
  method?: PoolMethod;
  /** The output folder (an absolute path). */
  out?: string;
  /** Replace a non-empty output folder without asking. */
  force?: boolean;
  /** Skip the functional check (default: run it). */
  functional?: boolean;
}

/** What the command did. */
export type ConvertResult =
  | { status: 'done'; report: ConvertReport; /** The summary notification's text. */ summary: string }
  | { status: 'untrusted' | 'not-a-model-config' | 'not-on-disk' | 'dismissed' | 'cancelled' }
  | { status: 'refused' | 'failed'; message: string };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function isEmptyOrMissing(folder: string): Promise<boolean> {
  try {
    return (await readdir(folder)).length === 0;
  } catch {
    return true;
  }
}

/** Runs the command on the given or active document. */
export async function convertToGqa(services: Services, arg?: unknown, given?: ConvertChoices): Promise<ConvertResult> {
  // A keybinding's `args` arrive as the only argument: choices, for the active editor's config.
  const choicesFirst = given === undefined && typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) && !('uri' in arg);
  const choices: ConvertChoices = (choicesFirst ? (arg as ConvertChoices) : given) ?? {};
  if (choicesFirst) arg = undefined;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('KV Lens: converting a checkpoint writes files and runs native code, so it needs a trusted workspace.');
    return { status: 'untrusted' };
  }
  const document = await targetDocument(arg);
  const view = document ? await services.documents.view(document) : undefined;
  if (!document || !view?.isModelConfig || !view.model) {
    void vscode.window.showInformationMessage('KV Lens: open a model config.json (beside its safetensors checkpoint) to convert it.');
    return { status: 'not-a-model-config' };
  }
  if (document.uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('KV Lens: only a checkpoint on this machine\'s disk can be converted.');
    return { status: 'not-on-disk' };
  }
  const model = view.model;
  const refused = refusalFor(model);
  if (refused) {
    void vscode.window.showErrorMessage(`KV Lens: cannot convert this model: ${refused}.`);
    return { status: 'refused', message: refused };
  }
  const src = dirname(document.uri.fsPath);
  const valid = validKvHeads(model);

  const bad = badChoice(choices, valid);
  if (bad) {
    void vscode.window.showErrorMessage(`KV Lens: cannot convert this model: ${bad}.`);
    return { status: 'refused', message: bad };
  }
  let kvHeads = choices.kvHeads;
  if (kvHeads === undefined) {
    const rows = whatIf(model, kvOptionsFromSettings(services.settings.value));
    const items = valid.map((n) => {
      const row = rows.find((r) => r.kvHeads === n);
      return {
        label: `${n} KV head${n === 1 ? '' : 's'}`,
        description: row ? `${row.kind}, ${row.groupSize} query heads per KV head` : undefined,
        detail: row ? `KV cache ${formatBytes(row.totalBytes)} at the settings' context and batch (${pct(row.ratioToMha)} of MHA); decode up to ${row.decodeSpeedupBound.toFixed(0)}x faster than MHA` : undefined,
        n,
      };
    });
    const picked = await vscode.window.showQuickPick(items, { title: `Convert ${model.attention.kvHeads.value} KV heads to...`, placeHolder: 'KV heads after mean-pooling (each must divide the current count)' });
    if (!picked) return { status: 'dismissed' };
    kvHeads = picked.n;
  }
  let method = choices.method;
  if (method === undefined) {
    const picked = await vscode.window.showQuickPick(
      POOL_METHODS.map((m) => ({ label: m, method: m, detail: m === 'mean' ? 'The GQA paper\'s recipe: each group\'s heads averaged.' : 'The mean, then each pooled head rescaled to its members\' mean norm (keeps attention from flattening).' })),
      { title: 'Pooling method' },
    );
    if (!picked) return { status: 'dismissed' };
    method = picked.method;
  }
  let out = choices.out;
  if (out === undefined) {
    const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(join(dirname(src), `${basename(src)}-kv${kvHeads}`)), saveLabel: 'Convert into this folder', title: 'Folder for the converted checkpoint' });
    if (!uri) return { status: 'dismissed' };
    out = uri.fsPath;
  }
  let force = choices.force === true;
  if (!force && !(await isEmptyOrMissing(out))) {
    const answer = await vscode.window.showWarningMessage(`${out} is not empty. Replace it with the converted checkpoint?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return { status: 'dismissed' };
    force = true;
  }

  const target = out;
  const n = kvHeads;
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KV Lens: converting to ${n} KV heads`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        let last = 0;
        try {
          return await convertInWorker(
            { src, out: target, kvHeads: n, method: method!, force, functional: choices.functional !== false },
            {
              signal: controller.signal,
              onProgress: (p) => {
                // About once a second: the notification is a person's, not a log.
                const now = Date.now();
                if (now - last < 1000) return;
                last = now;
                const fraction = (p.bytesDone / Math.max(1, p.bytesTotal)) * 90;
                progress.report({ increment: fraction - reported, message: `writing ${p.file}` });
                reported = fraction;
              },
              onFidelityLayer: (done, total) => progress.report({ increment: done === total ? 100 - reported : 0, message: `attention check, layer ${done} of ${total}` }),
            },
          );
        } finally {
          sub.dispose();
        }
      },
    );
    services.log.info(`converted ${src} to ${n} KV heads in ${target} (${report.method}, ${report.output})`);
    // The what-if row for this count shows the figures (the panel, if open, at once; else when it opens).
    const fidelity = toPanelFidelity(report);
    services.panels.showFidelity(document.uri, fidelity);
    // The new config's panel too: its what-if starts at its own count, so it shows what the conversion cost at once.
    if (report.output === 'native') services.panels.showFidelity(vscode.Uri.file(join(report.out, 'config.json')), fidelity);
    const summary = summaryText(report);
    void showSummary(summary, report);
    return { status: 'done', report, summary };
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') {
      void vscode.window.showInformationMessage('KV Lens: conversion cancelled; nothing was written.');
      return { status: 'cancelled' };
    }
    const message = e instanceof Error ? e.message : String(e);
    services.log.error(`conversion of ${src} failed`, e instanceof Error ? e : new Error(message));
    void vscode.window.showErrorMessage(`KV Lens: ${e instanceof ConvertRefusal ? 'cannot convert' : 'conversion failed'}: ${message}`);
    return { status: e instanceof ConvertRefusal ? 'refused' : 'failed', message };
  }
}

/** Why given choices cannot be used (the pickers offer only valid ones), or undefined. */
function badChoice(choices: ConvertChoices, valid: readonly number[]): string | undefined {
  if (choices.kvHeads !== undefined && !valid.includes(choices.kvHeads)) {
    return `kvHeads ${String(choices.kvHeads)} is not one of the valid KV head counts (${valid.join(', ') || 'none'})`;
  }
  if (choices.method !== undefined && !POOL_METHODS.includes(choices.method)) return `method ${JSON.stringify(choices.method)} is not one of ${POOL_METHODS.join(', ')}`;
  if (choices.out !== undefined && (typeof choices.out !== 'string' || !isAbsolute(choices.out))) return `out must be an absolute path`;
  return undefined;
}

/** The summary notification's text: the data-free figures, the functional ones when the check ran. */
export function summaryText(r: ConvertReport): string {
  const s = r.summary.sharingError;
  const e = r.summary.relativeError;
  const functional = e ? ` Attention-layer error before fine-tuning (not model quality): worst ${pct(e.worst)} (layer ${e.worstLayer}), median ${pct(e.median)}.` : '';
  const form = r.output === 'expanded' ? ' Written expanded (the MHA shape kept, pooled heads repeated): this model type reads no KV head count.' : '';
  const heads = `${r.newKvHeads} KV head${r.newKvHeads === 1 ? '' : 's'}`;
  return `KV Lens: converted to ${heads} (${r.method}). Weight-sharing error: worst ${pct(s.worst)} (layer ${s.worstLayer}), median ${pct(s.median)}.${functional}${form} The panel's what-if for ${heads} shows these figures. Fine-tune it next.`;
}

/** The summary notification, with a link to the new config. */
async function showSummary(text: string, r: ConvertReport): Promise<void> {
  const answer = await vscode.window.showInformationMessage(text, 'Open config.json');
  if (answer) await vscode.window.showTextDocument(vscode.Uri.file(join(r.out, 'config.json')));
}
