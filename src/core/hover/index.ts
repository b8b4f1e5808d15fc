/**
 * Hover text for model configs: what each attention-related key or value means for THIS model, with the
 * numbers worked out. `hoverAt` finds what sits under the offset and hands it to a topic (topics.ts).
 * Pure: no `vscode`, no `node:` imports; file-provided strings are escaped (hover-markdown.ts).
 */
import type { Analysis } from '../analyze';
import { locate } from '../parse';
import type { KvLensSettings } from '../settings';
import type { JsonPath, SourceRange } from '../types';
import { CommandLinks, esc } from './markdown';
import { HoverContext } from './context';
import type { HoverTarget } from './context';
import { notRead, renderTopic } from './topics';
import { TOPIC_OF_KEY } from '../vocabulary';
import type { Topic } from '../vocabulary';

/** A hover: markdown, the source range it applies to, and the command ids its links use (to be trusted). */
export interface HoverContent {
  markdown: string;
  range: SourceRange;
  /** Command ids linked from `markdown` (`kvLens.openPanel`, `kvLens.runBenchmark`); nothing else may be trusted. */
  commands: string[];
}

/** Where the hover is shown. */
export interface HoverOptions {
  /** The document's URI as a string, passed to the command links as `[{ "uri": documentUri }]`. Without it, no links. */
  documentUri?: string;
}

/** Sub-configs that describe other towers; their heads are not the language model's cache. */
const OTHER_TOWERS = new Set(['vision_config', 'audio_config', 'encoder_config', 'speech_config', 'projector_config']);

/** The hover at an offset, or undefined when nothing attention-related sits there (or the file is not a model config). */
export function hoverAt(analysis: Analysis, offset: number, settings: KvLensSettings, options: HoverOptions = {}): HoverContent | undefined {
  if (!analysis.isModelConfig) return undefined;
  const loc = locate(analysis.parsed, offset);
  if (!loc) return undefined;
  const { path } = loc;
  // An entry of a list (layer_types[3]) belongs to the list's key.
  const keyIndex = lastStringIndex(path);
  if (keyIndex < 0) return undefined;
  const key = path[keyIndex] as string;
  const entry = keyIndex < path.length - 1 && typeof path[keyIndex + 1] === 'number' ? (path[keyIndex + 1] as number) : undefined;
  // Only the key itself, its scalar value, or a direct list entry: not deep inside nested objects.
  if (keyIndex < path.length - 1 && (entry === undefined || keyIndex + 2 < path.length)) return undefined;
  // Whitespace inside an object or list value: no hover over the whole block (keys and entries have their own).
  if (!loc.onKey && (loc.node.type === 'object' || loc.node.type === 'array')) return undefined;
  const topic = TOPIC_OF_KEY.get(key);
  if (!topic) return undefined;
  const range: SourceRange = { offset: loc.node.offset, length: loc.node.length };
  const container = path.slice(0, keyIndex);
  const links = new CommandLinks(options.documentUri);

  const markdown = render(analysis, settings, links, topic, { key, path, container, entry });
  if (markdown === undefined) return undefined;
  return { markdown, range, commands: links.used };
}

function render(analysis: Analysis, settings: KvLensSettings, links: CommandLinks, topic: Topic, t: HoverTarget): string | undefined {
  const model = analysis.model;
  const tower = t.container.find((p): p is string => typeof p === 'string' && OTHER_TOWERS.has(p));
  if (tower) {
    if (topic !== 'queryHeads' && topic !== 'kvHeads' && topic !== 'layers' && topic !== 'hidden') return undefined;
    return `**${esc(t.key)}** in ${esc(tower)}: a separate encoder tower. It runs once over its input and keeps no KV cache while text is generated; KV Lens costs the language model${model ? ` (${model.part ? esc(model.part) : 'top level'})` : ''}.`;
  }
  if (!model) {
    if (topic === 'part' || topic === 'summary') return undefined;
    return `**${esc(t.key)}**: KV Lens could not describe this model${analysis.error ? `: ${esc(analysis.error)}` : '.'}`;
  }
  const inPart = samePath(t.container, model.partPath) || (t.container.length === model.partPath.length + 1 && startsWith(t.container, model.partPath) && t.container[t.container.length - 1] === 'attn_config');
  const c = new HoverContext(analysis, model, settings, links);
  // Top-level model fields (dtype, model_type, the nested part's key) are read even when the language model is nested.
  if (!inPart) {
    if (t.container.length === 0 && (topic === 'dtype' || topic === 'summary' || topic === 'part')) return renderTopic(c, topic, t);
    if (t.container.length === 0 && model.part) return notRead(c, t);
    return undefined;
  }
  return renderTopic(c, topic, t);
}

function lastStringIndex(path: JsonPath): number {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return i;
  return -1;
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function startsWith(a: JsonPath, prefix: JsonPath): boolean {
  return prefix.every((x, i) => a[i] === x);
}
