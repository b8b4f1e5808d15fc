/**
 * The toolbar of controls (VS Code Elements), built once and kept across redraws so focus and
 * open dropdowns survive live updates.
 */
import { formatTokens } from '../src/core/format';
import type { KvDtype } from '../src/core/types';
import { SizeError, parseAmount, parseCount } from '../src/core/sizes';
import type { PanelControls } from '../src/shared/panelProtocol';
import { h } from './dom';

/** The control elements' ids, also used by the browser test. */
export const CONTROL_IDS = { kvDtype: 'ctl-dtype', context: 'ctl-context', batch: 'ctl-batch', tp: 'ctl-tp', gpu: 'ctl-gpu' } as const;

const DTYPES: { value: KvDtype; text: string }[] = [
  { value: 'fp32', text: 'fp32 (4 B)' },
  { value: 'bf16', text: 'bf16 (2 B)' },
  { value: 'fp16', text: 'fp16 (2 B)' },
  { value: 'fp8', text: 'fp8 (1 B)' },
  { value: 'int8', text: 'int8 (1 B)' },
  { value: 'q8_0', text: 'q8_0 (34 B / 32)' },
  { value: 'int4', text: 'int4 (0.5 B)' },
  { value: 'q4_0', text: 'q4_0 (18 B / 32)' },
];
const TPS = [1, 2, 4, 8, 16, 32, 64];

/** Anything with a string `value` (vscode-single-select, vscode-textfield). */
type ValueElement = HTMLElement & { value: string };

function option(value: string, text: string): HTMLElement {
  const el = h('vscode-option', { value }, text);
  return el;
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'control' }, h('vscode-label', { for: id }, label), control);
}

/** Builds the toolbar; `onChange` receives a partial update whenever the user changes a control. */
export class ControlBar {
  readonly element: HTMLElement;
  private readonly dtype: ValueElement;
  private readonly context: ValueElement;
  private readonly batch: ValueElement;
  private readonly tp: ValueElement;
  private readonly gpu: ValueElement;
  private contextKey = '';
  private modelDtype = '';

  constructor(private readonly onChange: (update: Partial<PanelControls>) => void) {
    this.dtype = h('vscode-single-select', { id: CONTROL_IDS.kvDtype, 'aria-label': 'KV cache dtype' }) as ValueElement;
    this.context = h('vscode-single-select', { id: CONTROL_IDS.context, 'aria-label': 'Context length' }) as ValueElement;
    this.batch = h('vscode-textfield', { id: CONTROL_IDS.batch, type: 'number', min: 1, step: 1, 'aria-label': 'Batch (concurrent sequences)' }) as ValueElement;
    this.tp = h('vscode-single-select', { id: CONTROL_IDS.tp, 'aria-label': 'Tensor parallel GPUs' }) as ValueElement;
    this.gpu = h('vscode-textfield', { id: CONTROL_IDS.gpu, type: 'number', min: 1, step: 1, 'aria-label': 'GPU memory per GPU in GiB' }) as ValueElement;
    for (const t of TPS) this.tp.append(option(String(t), t === 1 ? '1 GPU' : `${t} GPUs`));

    this.dtype.addEventListener('change', () => this.onChange({ kvDtype: this.dtype.value as KvDtype | 'auto' }));
    this.context.addEventListener('change', () => this.onChange({ context: Number(this.context.value) || 0 }));
    this.tp.addEventListener('change', () => this.onChange({ tensorParallel: Number(this.tp.value) || 1 }));
    // Typed values go through the one size parser (core/sizes.ts): `0x10`, `1e3` and the like are refused.
    const numeric = (el: ValueElement, key: 'batch' | 'gpuMemoryGiB', parse: (text: string) => number): void => {
      el.addEventListener('change', () => {
        let n: number;
        try {
          n = parse(String(el.value).trim());
        } catch (error) {
          if (!(error instanceof SizeError)) throw error;
          el.setAttribute('invalid', '');
          el.title = error.message;
          return;
        }
        el.removeAttribute('invalid');
        el.title = '';
        this.onChange({ [key]: n });
      });
    };
    numeric(this.batch, 'batch', (t) => parseCount('Batch', t, { max: 1 << 24 }));
    numeric(this.gpu, 'gpuMemoryGiB', (t) => parseAmount('GPU memory', t, { max: 1 << 20, unit: 'GiB' }));

    this.element = h(
      'div',
      { class: 'controls', role: 'group', 'aria-label': 'Cost settings' },
      field(CONTROL_IDS.kvDtype, 'KV dtype', this.dtype),
      field(CONTROL_IDS.context, 'Context', this.context),
      field(CONTROL_IDS.batch, 'Batch', this.batch),
      field(CONTROL_IDS.tp, 'Tensor parallel', this.tp),
      field(CONTROL_IDS.gpu, 'GPU memory (GiB)', this.gpu),
    );
  }

  /** Shows `controls`; option lists depend on the model (its dtype and maximum context). */
  sync(controls: PanelControls, modelDtype: string, maxContext: number | undefined): void {
    if (modelDtype !== this.modelDtype) {
      this.modelDtype = modelDtype;
      this.dtype.replaceChildren(option('auto', `model's (${modelDtype})`), ...DTYPES.map((d) => option(d.value, d.text)));
    }
    const contexts: number[] = [];
    for (let c = 2048; c <= Math.max(1 << 20, maxContext ?? 0); c *= 2) contexts.push(c);
    if (controls.context > 0 && !contexts.includes(controls.context)) contexts.push(controls.context);
    contexts.sort((a, b) => a - b);
    const key = `${maxContext}|${contexts.join(',')}`;
    if (key !== this.contextKey) {
      this.contextKey = key;
      this.context.replaceChildren(option('0', maxContext ? `model max (${formatTokens(maxContext)})` : 'model max'), ...contexts.map((c) => option(String(c), `${formatTokens(c)} tokens`)));
    }
    setIfChanged(this.dtype, controls.kvDtype);
    setIfChanged(this.context, String(controls.context));
    setIfChanged(this.batch, String(controls.batch));
    setIfChanged(this.tp, TPS.includes(controls.tensorParallel) ? String(controls.tensorParallel) : '1');
    setIfChanged(this.gpu, String(controls.gpuMemoryGiB));
  }
}

function setIfChanged(el: ValueElement, value: string): void {
  // Option children are upgraded asynchronously; setting the value again once they are is harmless.
  if (el.value !== value) el.value = value;
  queueMicrotask(() => {
    if (el.value !== value) el.value = value;
  });
}
