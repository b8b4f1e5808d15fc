/**
 * Hovers on attention fields. The core writes the Markdown (escaping whatever came from the file); this
 * side only trusts the command links the core says it used, and only when they are KV Lens commands.
 */
import * as vscode from 'vscode';
import type { ModelDocuments } from './documents';
import type { Log } from './log';
import { guardedAsync } from './log';
import { COMMAND_IDS } from './contributions/commandIds';

/** The hover provider for model configs. */
export class HoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly documents: ModelDocuments,
    private readonly log: Log,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    return guardedAsync(this.log, `hover in ${document.uri.toString()}`, async () => {
      const version = document.version;
      const result = await this.documents.hover(document, document.offsetAt(position));
      // Typed over while a large document was analysed: the offsets belong to an older text.
      if (!result || token.isCancellationRequested || document.version !== version) return undefined;
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
