// The pass pipeline with the CPU backend as constant-fold's evaluator: what `fractal opt` runs.
// (Passes never import backends; this is where the two are wired together.)
import { cpuEvaluator } from './backends/cpu/evaluator.ts';
import type { Module } from './ir/module.ts';
import { runPipeline, type PipelineOptions, type PipelineResult } from './passes/pass-manager.ts';

export function optimize(module: Module, pipeline = 'default', options: PipelineOptions = {}): PipelineResult {
  return runPipeline(module, pipeline, { evaluator: cpuEvaluator, ...options });
}
