// worker_threads entry: workers start without the parent's TypeScript loader, so register
// tsx here before loading the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
