/**
 * "KV Lens: Check Engine Log...": the active editor's text (when it is not a model config) or a chosen file, read
 * as an engine start-up log (core/logs, streamed from disk by io/readLog), each start-up's figures compared with
 * KV Lens's prediction and shown in a plain-text document (every log string escaped). The model is the config the
 * log names when it is on this machine, else llama.cpp's printed hparams, else a config.json the user chooses.
 * Resolves to the document's text, so tests can drive it with a path (`arg`) and a config (`configArg`).
 */
import * as vscode from 'vscode';
import { escapeText } from '../../core/escape';
import { checkStartUp, readLogText, renderCheckText } from '../../core/logs';
import type { LogReading } from '../../core/logs';
import { localLogModel, readLogFile } from '../../io/readLog';
import type { Services } from '../services';

/** Largest active-editor text read in place; a bigger log is read from its file (streamed). */
const MAX_EDITOR_CHARS = 64 * 1024 * 1024;

function toPath(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg instanceof vscode.Uri && arg.scheme === 'file') return arg.fsPath;
  return undefined;
}

/** Reads the log: the argument, the active editor (unless it shows a model config), or a file picked. */
async function readTarget(services: Services, arg: unknown): Promise<{ reading: LogReading; name: string } | undefined> {
  const given = toPath(arg);
  const editor = vscode.window.activeTextEditor;
  if (!given && editor && !/\.jsonc?$/i.test(editor.document.fileName) && editor.document.getText().length <= MAX_EDITOR_CHARS) {
    return { reading: readLogText(editor.document.getText()), name: editor.document.fileName || 'active editor' };
  }
  let path = given ?? (editor && editor.document.uri.scheme === 'file' && !/\.jsonc?$/i.test(editor.document.fileName) ? editor.document.uri.fsPath : undefined);
  if (!path) {
    const picked = await vscode.window.showOpenDialog({ title: 'KV Lens: choose an engine log', canSelectMany: false, openLabel: 'Check log' });
    path = picked?.[0]?.fsPath;
  }
  if (!path) return undefined;
  const r = readLogFile(path);
  if ('error' in r) {
    services.log.warn(`check engine log: ${escapeText(r.error.message)}`);
    void vscode.window.showErrorMessage(`KV Lens: ${escapeText(r.error.message).slice(0, 300)}`);
    return undefined;
  }
  return { reading: r, name: path };
}

/** Runs the command; resolves to the text shown, or undefined when cancelled. */
export async function checkEngineLog(services: Services, arg?: unknown, configArg?: unknown): Promise<string | undefined> {
  const target = await readTarget(services, arg);
  if (!target) return undefined;
  const known = target.reading.startUps.filter((s) => s.engine);
  const parts: string[] = [`KV Lens: ${escapeText(target.name)}`, ''];
  if (known.length === 0) {
    parts.push(`No start-up of an engine KV Lens knows (vLLM, SGLang, llama.cpp, ik_llama.cpp, TensorRT-LLM) in ${target.reading.lines} lines.`);
  }
  let config = toPath(configArg);
  for (const [i, su] of known.entries()) {
    let m = localLogModel(su, config);
    if ('error' in m && !config) {
      const picked = await vscode.window.showOpenDialog({ title: `KV Lens: ${escapeText(m.error).slice(0, 200)}`, canSelectMany: false, filters: { 'Model config': ['json'] }, openLabel: 'Use this config' });
      config = picked?.[0]?.fsPath;
      if (config) m = localLogModel(su, config);
    }
    if (known.length > 1) parts.push(`start-up ${i + 1} of ${known.length}`);
    if ('error' in m) parts.push(`Not checked: ${escapeText(m.error)}`, '');
    else parts.push(renderCheckText(checkStartUp(su, m.model), m.source), '');
  }
  if (target.reading.stoppedEarly) parts.push(`(${target.reading.stoppedEarly})`);
  const text = parts.join('\n');
  const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { preview: true });
  return text;
}
