// Worker threads of Node 20 cannot load TypeScript: register tsx in this thread, then load the
// TypeScript entry of a rank.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
