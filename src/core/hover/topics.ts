/**
 * Which hover topic renders which key, for one model under the user's settings: the topics live by family
 * (heads.ts, layers.ts, model.ts) around one shared HoverContext (context.ts). Pure: no `vscode`, no `node:` imports.
 */
import type { Topic } from '../vocabulary';
import type { HoverContext, HoverTarget } from './context';
import { headDim, hidden, kvHeads, mla, noAttention, perLayerHeads, queryHeads } from './heads';
import { context, layerTypes, layers, window } from './layers';
import { dtype, part, summary } from './model';

export { notRead } from './model';

const TOPICS: Record<Topic, (c: HoverContext, t: HoverTarget) => string> = {
  kvHeads,
  queryHeads,
  headDim,
  hidden,
  layers,
  context,
  window,
  layerTypes,
  dtype,
  mla: (c, t) => (c.model.mla ? mla(c, t) : headDim(c, t)),
  perLayerHeads,
  part,
  summary,
};

/** Topics about attention heads, which a model without attention answers with one note instead. */
const HEAD_TOPICS: ReadonlySet<Topic> = new Set(['kvHeads', 'queryHeads', 'headDim', 'mla', 'perLayerHeads']);

/** The markdown of one topic for one key. */
export function renderTopic(c: HoverContext, topic: Topic, t: HoverTarget): string {
  if (c.model.attention.kind === 'none' && HEAD_TOPICS.has(topic)) return noAttention(c, t);
  return TOPICS[topic](c, t);
}
