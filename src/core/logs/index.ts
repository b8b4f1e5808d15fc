/**
 * Engine start-up logs: read line by line (`reader.ts`), a model built from llama.cpp's printed hparams when no
 * config is given (`hparamsModel.ts`), and each logged figure compared with the engines' rules (`check.ts`).
 */
export { cleanLine, MAX_LINE_CHARS } from './clean';
export { readPyPairs } from './pyLiteral';
export type { LogValue } from './pyLiteral';
export { LogReader, readLogText, LINES_AFTER_STARTUP } from './reader';
export { modelFromHparams } from './hparamsModel';
export { checkStartUp, figureMatches, vllmGroupSizeSlack } from './check';
export type { CheckedFigure, LogCheck } from './check';
export type { LogEngine, LogReading, LoggedFigure, StartUp } from './types';
export { renderCheckText } from './render';
