/**
 * The what-if's conversion figures: when this config was converted to the selected KV head count ("Convert to
 * Grouped-Query Attention...", src/convert), what mean-pooling did to its attention layers before any fine-tuning:
 * the attention output's relative error ‖A' − A‖ / ‖A‖ and cosine (worst and median over layers), and the data-free
 * weight-sharing error. Labelled as what it is: the attention-layer error before fine-tuning, not model quality
 * (the GQA paper's point is that the uptrained model recovers; these figures say how far it starts from).
 */
import type { PanelFidelity, PanelSpread } from '../../src/shared/panelProtocol';
import { h } from '../dom';

/** The label every fidelity figure carries. */
export const FIDELITY_LABEL = 'attention-layer error before fine-tuning, not model quality';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const cos = (x: number) => x.toFixed(4);

function figure(label: string, value: string, detail: string, id: string): HTMLElement {
  return h('div', { class: 'figure', id }, h('div', { class: 'figure-label' }, label), h('div', { class: 'figure-value' }, value), h('div', { class: 'figure-detail' }, detail));
}

function worstAndMedian(name: string, s: PanelSpread, format: (x: number) => string, id: string): HTMLElement[] {
  return [figure(`${name}, worst`, format(s.worst), `layer ${s.worstLayer}`, `${id}-worst`), figure(`${name}, median`, format(s.median), 'over layers', `${id}-median`)];
}

/** The block for one converted KV head count (the caller picks the entry for the selected what-if row). */
export function renderFidelity(f: PanelFidelity): HTMLElement {
  const a = f.attention;
  const figures = h(
    'div',
    { class: 'figures' },
    ...(a ? [...worstAndMedian('relative error', a.relativeError, pct, 'fid-relerr'), ...worstAndMedian('cosine', a.cosine, cos, 'fid-cosine')] : []),
    ...worstAndMedian('weight-sharing error', f.sharingError, pct, 'fid-sharing'),
  );
  return h(
    'div',
    { class: 'fidelity', id: 'whatif-fidelity', 'data-kv-heads': f.kvHeads },
    h('h3', undefined, `Converted to ${f.kvHeads} KV head${f.kvHeads === 1 ? '' : 's'} (${f.method})`),
    h('p', { class: 'fidelity-label', id: 'whatif-fidelity-label' }, `Measured on the converted weights: ${FIDELITY_LABEL}.`),
    figures,
    h('p', { class: 'muted' }, a ? `Attention inputs: ${a.inputs}. ` : 'The attention check did not run; only the weight figures are shown. ', `Written to ${f.out}.`),
  );
}
