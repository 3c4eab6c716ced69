#!/usr/bin/env node
// `npm start`: the local engine, from its bundle in dist/.
import { runBundle } from './run-bundle.js';

await runBundle('local-engine');
