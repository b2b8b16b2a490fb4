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
