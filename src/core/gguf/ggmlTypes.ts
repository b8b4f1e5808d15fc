/**
 * ggml's storage types: block size (elements per block) and bytes per block, so a tensor's bytes are exact:
 * bytes = elements / block size x type size (`ggml_row_size` in ggml/src/ggml.c). The figures are the
 * `type_traits` table of ggml/src/ggml.c (`blck_size`, `type_size`), with the block structs of
 * ggml/src/ggml-common.h (QK_K = 256); ids are `enum ggml_type` in ggml/include/ggml.h. Ids retired from ggml
 * (4, 5: Q4_2 / Q4_3; 31-33: Q4_0_4_4 / Q4_0_4_8 / Q4_0_8_8; 36-38: IQ4_NL_4_4 ...) are absent: a tensor
 * stored with one is reported as an unknown type rather than guessed.
 */

/** A ggml storage type. */
export interface GgmlType {
  name: string;
  /** Elements per block. */
  block: number;
  /** Bytes per block. */
  bytes: number;
}

const QK_K = 256;

/** ggml type id -> name, block size, bytes per block. */
export const GGML_TYPES: Readonly<Record<number, GgmlType>> = {
  0: { name: 'F32', block: 1, bytes: 4 },
  1: { name: 'F16', block: 1, bytes: 2 },
  2: { name: 'Q4_0', block: 32, bytes: 2 + 16 },
  3: { name: 'Q4_1', block: 32, bytes: 2 + 2 + 16 },
  6: { name: 'Q5_0', block: 32, bytes: 2 + 4 + 16 },
  7: { name: 'Q5_1', block: 32, bytes: 2 + 2 + 4 + 16 },
  8: { name: 'Q8_0', block: 32, bytes: 2 + 32 },
  9: { name: 'Q8_1', block: 32, bytes: 4 + 32 },
  10: { name: 'Q2_K', block: QK_K, bytes: 2 + 2 + QK_K / 16 + QK_K / 4 },
  11: { name: 'Q3_K', block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 8 + 12 },
  12: { name: 'Q4_K', block: QK_K, bytes: 2 + 2 + 12 + QK_K / 2 },
  13: { name: 'Q5_K', block: QK_K, bytes: 2 + 2 + 12 + QK_K / 8 + QK_K / 2 },
  14: { name: 'Q6_K', block: QK_K, bytes: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16 },
  15: { name: 'Q8_K', block: QK_K, bytes: 4 + QK_K + (QK_K / 16) * 2 },
  16: { name: 'IQ2_XXS', block: QK_K, bytes: 2 + QK_K / 4 },
  17: { name: 'IQ2_XS', block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 32 },
  18: { name: 'IQ3_XXS', block: QK_K, bytes: 2 + (3 * QK_K) / 8 },
  19: { name: 'IQ1_S', block: QK_K, bytes: 2 + QK_K / 8 + QK_K / 16 },
  20: { name: 'IQ4_NL', block: 32, bytes: 2 + 16 },
  21: { name: 'IQ3_S', block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 },
  22: { name: 'IQ2_S', block: QK_K, bytes: 2 + QK_K / 4 + QK_K / 16 },
  23: { name: 'IQ4_XS', block: QK_K, bytes: 2 + 2 + QK_K / 64 + QK_K / 2 },
  24: { name: 'I8', block: 1, bytes: 1 },
  25: { name: 'I16', block: 1, bytes: 2 },
  26: { name: 'I32', block: 1, bytes: 4 },
  27: { name: 'I64', block: 1, bytes: 8 },
  28: { name: 'F64', block: 1, bytes: 8 },
  29: { name: 'IQ1_M', block: QK_K, bytes: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  30: { name: 'BF16', block: 1, bytes: 2 },
  34: { name: 'TQ1_0', block: QK_K, bytes: 2 + 4 * 13 },
  35: { name: 'TQ2_0', block: QK_K, bytes: 2 + 64 },
  39: { name: 'MXFP4', block: 32, bytes: 1 + 16 },
};

/** The type of an id, or undefined for an id ggml does not (or no longer) define. */
export function ggmlType(id: number): GgmlType | undefined {
  return Object.prototype.hasOwnProperty.call(GGML_TYPES, id) ? GGML_TYPES[id] : undefined;
}

/**
 * `general.file_type` (`enum llama_ftype` in include/llama.h): the file's dominant weight format, as the
 * names llama.cpp's quantize tool prints (`llama_model_ftype_name` in src/llama-model-loader.cpp).
 */
export const LLAMA_FTYPES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S',
  29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE',
};
