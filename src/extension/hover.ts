/**
 * Hovers on attention fields. The core writes the Markdown (escaping whatever came from the file); this
 * side only trusts the command links the core says it used, and only when they are KV Lens commands.
 */
import * as vscode from 'vscode';
import { hoverAt } from '../core/hover';
import type { Settings } from './config';
import type { ModelDocuments } from './documents';
import type { Log } from './log';
import { guarded } from './log';
import { COMMAND_IDS } from './pure/commandIds';

/** The hover provider for model configs. */
export class HoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly documents: ModelDocuments,
    private readonly settings: Settings,
    private readonly log: Log,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    return guarded(this.log, `hover in ${document.uri.toString()}`, () => {
      const view = this.documents.view(document);
      if (!view.isModelConfig || !view.analysis) return undefined;
      const result = hoverAt(view.analysis, document.offsetAt(position), this.settings.value, { documentUri: document.uri.toString() });
      if (!result) return undefined;
      return new vscode.Hover(trustedMarkdown(result.markdown, result.commands), new vscode.Range(
        document.positionAt(result.range.offset),
        document.positionAt(result.range.offset + result.range.length),
      ));
    }, undefined);
  }
}

/** Markdown whose command links run only the listed KV Lens commands; no HTML. */
export function trustedMarkdown(markdown: string, commands: readonly string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(markdown);
  md.supportHtml = false;
  md.isTrusted = { enabledCommands: commands.filter((id) => COMMAND_IDS.has(id)) };
  return md;
}
