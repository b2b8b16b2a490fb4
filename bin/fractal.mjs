#!/usr/bin/env node
// Runs the TypeScript CLI through tsx; paths resolve from this file, so any working directory works.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./fractal.ts', import.meta.url).href);
