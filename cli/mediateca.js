#!/usr/bin/env node
// `npx mediateca …`: the CLI is TypeScript, run through tsx's loader like the rest of the project.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
