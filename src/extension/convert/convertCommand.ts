/**
 * "Convert to Grouped-Query Attention...": writes the open model config's checkpoint with its K/V heads mean-pooled
 * to a KV head count the user picks (src/convert: the conversion and its figures). The pickers show, beside each
 * valid count, what the what-if says it would cost (src/core/whatif.ts at the settings' context and batch); the
 * conversion itself runs in the conversion worker thread (dist/convertWorker.js), never on the extension host, with
 * a cancellable progress notification. Needs a trusted workspace: it writes files and runs native code
 * (onnxruntime for the functional check).
 */
import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { formatBytes } from '../../core/format';
import { kvOptionsFromSettings } from '../../core/settings';
import { refusalFor, validKvHeads } from '../../core/uptrain/plan';
import { POOL_METHODS, type PoolMethod } from '../../core/uptrain/pool';
import { whatIf } from '../../core/whatif';
import { convertInWorker } from '../../convert/client';
import { ConvertRefusal, type ConvertReport } from '../../convert/types';
import type { Services } from '../services';
import { targetDocument } from '../commands/target';

/** Choices a caller (a test, another extension) may give to skip the pickers. */
export interface ConvertChoices {
  kvHeads?: number;
  method?: PoolMethod;
  /** The output folder (a path). */
  out?: string;
  /** Replace a non-empty output folder without asking. */
  force?: boolean;
  /** Skip the functional check (default: run it). */
  functional?: boolean;
}

/** What the command did. */
export type ConvertResult =
  | { status: 'done'; report: ConvertReport }
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
export async function convertToGqa(services: Services, arg?: unknown, choices: ConvertChoices = {}): Promise<ConvertResult> {
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
    void showSummary(report);
    return { status: 'done', report };
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

/** The summary notification, with a link to the new config. */
async function showSummary(r: ConvertReport): Promise<void> {
  const s = r.summary.sharingError;
  const e = r.summary.relativeError;
  const functional = e ? ` Attention-layer error before fine-tuning (not model quality): worst ${pct(e.worst)} (layer ${e.worstLayer}), median ${pct(e.median)}.` : '';
  const form = r.output === 'expanded' ? ' Written expanded (the MHA shape kept, pooled heads repeated): this model type reads no KV head count.' : '';
  const answer = await vscode.window.showInformationMessage(
    `KV Lens: converted to ${r.newKvHeads} KV heads (${r.method}). Weight-sharing error: worst ${pct(s.worst)} (layer ${s.worstLayer}), median ${pct(s.median)}.${functional}${form} Fine-tune it next.`,
    'Open config.json',
  );
  if (answer) await vscode.window.showTextDocument(vscode.Uri.file(join(r.out, 'config.json')));
}
