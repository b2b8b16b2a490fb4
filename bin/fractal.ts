// The `fractal` executable (bin/fractal.mjs loads this through tsx).
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
