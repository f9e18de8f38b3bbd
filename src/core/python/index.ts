/**
 * Reading PyTorch training scripts (issue #6): facts (network, optimizer/weight decay, loss, data,
 * exports) from a real Python parser, and the diagnostics built on them. No vscode import.
 */
export type { SrcRange, ScriptFacts, NetworkFact, OptimizerFact, LossFact, DataFact, ExportFact, OptimizerKind, ScriptLossKind } from './types';
export { analyzeScript, analyzeNotebook, analyzeCells, type CellSource } from './script';
export { lintScript, isTrainingScript, CODES, type ScriptDiagnostic, type LintContext, type ExportState, type Severity, type TextEdit } from './lint';
export { scriptBeta, type ScriptBeta } from './beta';
export { loadPython, wasmCandidates, type WasmBytes } from './parser';
export { countSamples } from './samples';
export { notebookCells } from './nbformat';
export { readDataFile, dataContextFromDisk, MAX_DATA_FILE_BYTES, type DataRead } from './dataFiles';
