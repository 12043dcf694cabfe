#!/usr/bin/env node
// Entry for `npx dsm` and the `bin` field: runs the TypeScript CLI through tsx's loader so the
// repository needs no build step. The AMI bundle ships the same sources with production deps.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main.ts');
await main(process.argv.slice(2));
