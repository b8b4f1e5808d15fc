/**
 * Hovers on model ids in any file (core/modelId finds them): the config hover's summary (core/hover's
 * HoverContext: grouping, KV per token, cost at the model's context and the user's) for that model, plus its
 * revision and commit, where the config came from, exact weights when the Hub's safetensors headers were read,
 * and links: the panel, the config.json as a virtual document, a benchmark. Never waits on the network longer
 * than HubModels' bound; a pending fetch says so.
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { analyzeText, type Analysis } from '../../core/analyze';
import { HoverContext } from '../../core/hover/context';
import { CommandLinks, esc } from '../../core/hover/markdown';
import { formatBytes, formatCount } from '../../core/format';
import { modelIdAt, modelPathAt, type ModelIdMatch } from '../../core/modelId';
import { inspectPath, readConfigFile } from '../../io/readConfigFile';
import { estimateWeights } from '../../core/weights';
import { weightsFigure } from '../../core/exactWeights';
import type { Settings } from '../config';
import { CommandId } from '../contributions/commandIds';
import type { Log } from '../log';
import { guardedAsync } from '../log';
import { hubConfigUri } from './documents';
import type { GgufModel, HubModels, ModelState } from './models';

export { MODEL_ID_LANGUAGES } from './constants';

/** The hover provider for model ids. */
export class ModelIdHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly models: HubModels,
    private readonly settings: Settings,
    private readonly log: Log,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    return guardedAsync(this.log, `model-id hover in ${document.uri.toString()}`, async () => {
      // Only the hovered line and the three after it are read (for a revision= on the next line).
      const first = position.line;
      const last = Math.min(document.lineCount - 1, first + 3);
      const text = document.getText(new vscode.Range(first, 0, last, document.lineAt(last).text.length));
      const match = modelIdAt(text, position.character, { languageId: document.languageId, fileName: document.uri.path });
      // A local folder where a model is expected (`--model ./models/x`), or an id spelled like an existing folder
      // (transformers' from_pretrained prefers the folder): the local config.json.
      const pathMatch = match ? (match.context === 'strong' ? { path: match.id, start: match.start, end: match.end } : undefined) : modelPathAt(text, position.character);
      const local = pathMatch ? localConfigPath(document, pathMatch.path) : undefined;
      if (local && pathMatch) {
        const md = localHover(pathMatch.path, local, this.settings);
        if (md) return new vscode.Hover(md, new vscode.Range(first, pathMatch.start, first, pathMatch.end));
      }
      if (!match) return undefined;
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      let state: ModelState;
      try {
        // `llama-server -hf org/name:Q4_K_M`: the quantisation right after the id picks the GGUF (core/gguf/pick).
        const tag = /^:([A-Za-z0-9][A-Za-z0-9_.-]{0,63})/.exec(text.slice(match.end))?.[1];
        state = await this.models.lookup({ id: match.id, ...(match.revision ? { revision: match.revision } : {}) }, match.context, undefined, abort.signal, tag ? { tag } : undefined);
      } finally {
        sub.dispose();
      }
      if (token.isCancellationRequested || state.state === 'not-cached') return undefined;
      const range = new vscode.Range(first, match.start, first, match.end);
      const { markdown, commands } = renderModelHover(match, state, this.settings);
      const md = new vscode.MarkdownString(markdown);
      md.supportHtml = false;
      md.isTrusted = { enabledCommands: commands };
      return new vscode.Hover(md, range);
    }, undefined);
  }
}

/** The hover's Markdown for a model id in a given state, and the command ids it links to. */
export function renderModelHover(match: ModelIdMatch, state: ModelState, settings: Settings): { markdown: string; commands: string[] } {
  const title = `**${esc(match.id)}**${match.revision ? ` @ ${esc(match.revision)}` : ''}`;
  if (state.state === 'pending') return { markdown: `${title}: fetching config.json from the Hub... hover again in a moment.`, commands: [] };
  if (state.state === 'failed') {
    // The model page of a gated model as a link (its URL is the endpoint setting and a validated id, nothing from a server).
    const page = state.page && /^https?:\/\//.test(state.page) ? `\n\n[Request access on the model page](${encodeURI(state.page).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)})` : '';
    return { markdown: `${title}: ${esc(state.error)}${page}`, commands: [] };
  }
  if (state.state === 'not-cached') return { markdown: `${title}: not cached`, commands: [] };
  if (state.state === 'gguf') return { markdown: ggufHover(title, state.gguf, settings), commands: [] };
  const { model, analysis } = state;
  const uri = hubConfigUri(model.id, model.commit).toString();
  const links = new CommandLinks(uri);
  const source = model.source.kind === 'hf-cache' ? `the Hugging Face cache (${esc(model.source.path)})` : model.source.kind === 'store' ? "KV Lens's store of Hub configs" : `the Hub (${esc(model.source.endpoint)})`;
  const head = `${title}: revision ${esc(model.revision)}, commit \`${model.commit.slice(0, 12)}\`, from ${source}.`;
  if (!analysis.model) return { markdown: `${head}\n\nKV Lens could not describe this model${analysis.error ? `: ${esc(analysis.error)}` : '.'}`, commands: [] };
  const c = new HoverContext(analysis, analysis.model, settings.value, links);
  const w = weightsFigure(estimateWeights(analysis.model, analysis.parsed), model.exactWeights);
  const weights = `Weights: ${w.exact ? '' : '~'}${formatCount(w.totalParams)} parameters, ${formatBytes(w.bytes)} (${esc(w.dtypeFrom)}).`;
  const open = links.link('Open config.json', CommandId.OpenHubConfig);
  return {
    markdown: [head, c.kindSentence(), c.costTable(false), weights, checkpointLines(state), [c.linksLine(), open].filter(Boolean).join(' · ')].filter(Boolean).join('\n\n'),
    commands: links.used,
  };
}

/**
 * A GGUF-only model's hover: which file (llama.cpp's pick) from where, the grouping and the costs from its header
 * (llama.cpp's rules: core/gguf/describe), exact weights from its tensor infos. No links: there is no config.json
 * to open, and the panel opens on a local .gguf.
 */
function ggufHover(title: string, g: GgufModel, settings: Settings): string {
  const source = g.source.kind === 'hf-cache' ? `the Hugging Face cache (${esc(g.source.path)})` : g.source.kind === 'hub' ? `the Hub (${esc(g.source.endpoint)}), header only, by range requests` : "KV Lens's store";
  const head = `${title}: no config.json; the GGUF header of ${esc(g.file)}${g.shards > 1 ? ` (${g.shards} shards)` : ''}, commit \`${g.commit.slice(0, 12)}\`, from ${source}.`;
  // HoverContext reads only the model description and the settings (core/hover/context.ts); an empty analysis stands for the absent config.
  const c = new HoverContext(analyzeText('{}'), g.model, settings.value, new CommandLinks(undefined));
  const weights = `Weights: ${formatCount(g.weights.totalParams)} parameters, ${formatBytes(g.weights.bytes)} (exact, from the tensor infos).`;
  const unknown = g.known ? '' : `llama.cpp layer rules for ${esc(g.architecture)} are not known to KV Lens${g.keysMissing.length ? `; keys missing: ${g.keysMissing.slice(0, 8).map(esc).join(', ')}` : ''}.`;
  return [head, c.kindSentence(), c.costTable(false), weights, unknown].filter(Boolean).join('\n\n');
}

/** What the HF cache's snapshot checkpoint said (models.ts snapshotCheck), every string from the files escaped. */
function checkpointLines(state: Extract<ModelState, { state: 'done' }>): string {
  const k = state.checkpoint;
  if (!k) return '';
  if (k.problems.length > 0) {
    return `The Hugging Face cache holds the checkpoint (${esc(k.source)}) only in part (${k.problems.length} file${k.problems.length === 1 ? '' : 's'} missing or unreadable; first: ${esc(k.problems[0]!)}): the weights stay an estimate, and the config is not checked against them.`;
  }
  if (k.findings.length === 0) return `Checked against ${esc(k.source)} in the Hugging Face cache: the config agrees with the weights.`;
  const shown = k.findings.slice(0, 5).map((f) => `- ${esc(f.severity)} \`${esc(f.code)}\`: ${esc(f.message)}`);
  return [`Checked against ${esc(k.source)} in the Hugging Face cache: ${k.findings.length} finding${k.findings.length === 1 ? '' : 's'}.`, ...shown, ...(k.findings.length > 5 ? [`- and ${k.findings.length - 5} more`] : [])].join('\n');
}

/** The config.json a local path names (a folder holding one, or a .json file), relative to the document or a workspace folder. */
function localConfigPath(document: vscode.TextDocument, written: string): string | undefined {
  const expanded = written === '~' ? homedir() : written.startsWith('~/') ? join(homedir(), written.slice(2)) : written;
  const bases = isAbsolute(expanded)
    ? ['']
    : [...(document.uri.scheme === 'file' ? [dirname(document.uri.fsPath)] : []), ...(vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath)];
  for (const base of bases) {
    const p = base ? resolve(base, expanded) : expanded;
    const what = inspectPath(p);
    if (what.kind === 'directory' && inspectPath(join(p, 'config.json')).kind === 'file') return join(p, 'config.json');
    if (what.kind === 'file' && /\.json$/i.test(p)) return p;
  }
  return undefined;
}

/** The summary for a local config named where a model is expected; undefined when it cannot be read or is no model. */
function localHover(written: string, path: string, settings: Settings): vscode.MarkdownString | undefined {
  const read = readConfigFile(path);
  if ('error' in read) return undefined;
  const analysis: Analysis = analyzeText(read.text);
  if (!analysis.model) return undefined;
  const uri = vscode.Uri.file(path).toString();
  const links = new CommandLinks(uri);
  const c = new HoverContext(analysis, analysis.model, settings.value, links);
  const open = links.link('Open config.json', CommandId.OpenHubConfig);
  const md = new vscode.MarkdownString([`**${esc(written)}**: the local config ${esc(path)}.`, c.kindSentence(), c.costTable(false), [c.linksLine(), open].filter(Boolean).join(' · ')].join('\n\n'));
  md.supportHtml = false;
  md.isTrusted = { enabledCommands: links.used };
  return md;
}
