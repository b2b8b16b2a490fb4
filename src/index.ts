// Fractal's public API: the IR, the textual form, the passes and the CPU backend.
export * from './ir/dtype.ts';
export * from './ir/layout.ts';
export * from './ir/types.ts';
export * from './ir/attr.ts';
export * from './ir/storage.ts';
export * from './ir/diagnostics.ts';
export { Value } from './ir/value.ts';
export { Node } from './ir/node.ts';
export { Graph } from './ir/graph.ts';
export { Module, type Resource, type Initializer } from './ir/module.ts';
export { Builder } from './ir/builder.ts';
export { OPS, opDef, isOpName, type OpName, type OpDef } from './ir/ops/registry.ts';
export { verifyModule, verifyGraph } from './ir/verify.ts';
export type { Backend, Feed, Feeds, RunMode, RunOptions, RunResult, RunStats } from './backends/backend.ts';
export { cpuBackend, run, type CpuRunOptions, type FreeEvent, type KernelTable } from './backends/cpu/executor.ts';
export { KERNELS } from './backends/cpu/kernels/index.ts';
export * from './io/npy.ts';
export { runCase, runCases, type CaseResult, type CaseRunOptions, type CaseSummary } from './io/cases.ts';
