/** Context keys for `when` clauses: whether the active editor is a model config, and its attention kind. */
import * as vscode from 'vscode';
import type { ActiveConfigTracker } from './activeConfig';
import { CONTEXT_ATTENTION_KIND, CONTEXT_IS_MODEL_CONFIG } from './contributions/commandIds';

/** Keeps the context keys in step with the active model config; clears them on dispose. */
export function trackContextKeys(active: ActiveConfigTracker): vscode.Disposable {
  let last: string | undefined;
  const apply = (): void => {
    const kind = active.current?.view.model?.attention.kind;
    const isModel = active.current !== undefined;
    const key = `${isModel}:${kind}`;
    if (key === last) return;
    last = key;
    void vscode.commands.executeCommand('setContext', CONTEXT_IS_MODEL_CONFIG, isModel);
    void vscode.commands.executeCommand('setContext', CONTEXT_ATTENTION_KIND, kind);
  };
  const subscription = active.onDidChange(apply);
  apply();
  return new vscode.Disposable(() => {
    subscription.dispose();
    void vscode.commands.executeCommand('setContext', CONTEXT_IS_MODEL_CONFIG, false);
    void vscode.commands.executeCommand('setContext', CONTEXT_ATTENTION_KIND, undefined);
  });
}
