/**
 * Thin helpers over onnx-proto's generated classes: value infos, nodes, attributes, initializers and
 * a model with its opset imports. The encoding itself is protobufjs's; nothing here writes bytes.
 */
import { onnx } from 'onnx-proto';

/** Element types the benchmark graphs use. */
export type ElemType = 'fp32' | 'fp16' | 'int32' | 'int64' | 'int8' | 'uint8';

const DATA_TYPE: Record<ElemType, onnx.TensorProto.DataType> = {
  fp32: onnx.TensorProto.DataType.FLOAT,
  fp16: onnx.TensorProto.DataType.FLOAT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
};

/** A dimension: fixed size or a symbolic name. */
export type Dim = number | string;

/** A graph input or output declaration. */
export function valueInfo(name: string, elem: ElemType, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[elem],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** An attribute value: tagged so an integer 1 and a float 1.0 stay distinct. */
export type AttrValue = { int: number } | { float: number } | { ints: number[] } | { str: string };

/** Integer attribute. */
export const int = (value: number): AttrValue => ({ int: value });
/** Float attribute. */
export const float = (value: number): AttrValue => ({ float: value });
/** Integer-list attribute. */
export const ints = (value: number[]): AttrValue => ({ ints: value });
/** String attribute. */
export const str = (value: string): AttrValue => ({ str: value });

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('str' in value) return { name, type: T.STRING, s: new TextEncoder().encode(value.str) };
  return { name, type: T.INTS, ints: value.ints };
}

/** A node; `domain` is '' for the standard ops and 'com.microsoft' for the contrib ops. */
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): onnx.INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: `${opType}_${outputs[0] ?? ''}`,
    domain,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

/** A constant tensor with its data stored raw (little-endian, as ONNX requires). */
export function initializer(name: string, elem: ElemType, dims: number[], data: ArrayBufferView): onnx.ITensorProto {
  return {
    name,
    dataType: DATA_TYPE[elem],
    dims,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** Everything one graph consists of. */
export interface GraphParts {
  name: string;
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers?: onnx.ITensorProto[];
}

/** Initializers above this size go to an external data file (protobuf messages stop at 2 GiB). */
const EXTERNAL_THRESHOLD = 1 << 20;

/** An encoded model, with the bytes of its external initializers when it has any. */
export interface EncodedModel {
  model: Uint8Array;
  /** Chunks to write, in order, to the file named `externalFile` beside the model. */
  externalData: Uint8Array[];
  externalFile?: string;
}

/**
 * Encodes a model importing the default domain at opset 23 and com.microsoft at 1.
 * When `externalFile` is given, large initializers are stored there instead of inline.
 */
export function encodeModel(parts: GraphParts, externalFile?: string): EncodedModel {
  const externalData: Uint8Array[] = [];
  let offset = 0;
  const initializers = (parts.initializers ?? []).map((t) => {
    const raw = t.rawData;
    if (!externalFile || !raw || raw.byteLength < EXTERNAL_THRESHOLD) return t;
    externalData.push(raw);
    const entry: onnx.ITensorProto = {
      ...t,
      rawData: null,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: externalFile },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(raw.byteLength) },
      ],
    };
    offset += raw.byteLength;
    return entry;
  });
  const model = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      // IR 10 is what opset 23 models are written with by current exporters; ORT 1.30 reads it.
      irVersion: 10,
      producerName: 'kv-lens',
      opsetImport: [
        { domain: '', version: 23 },
        { domain: 'com.microsoft', version: 1 },
      ],
      graph: {
        name: parts.name,
        node: parts.nodes,
        input: parts.inputs,
        output: parts.outputs,
        initializer: initializers,
      },
    }),
  ).finish();
  return { model, externalData, externalFile: externalData.length ? externalFile : undefined };
}
