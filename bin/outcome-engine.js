#!/usr/bin/env node
// `npx outcome-engine ...`: the command line, from its bundle in dist/.
import { runBundle } from './run-bundle.js';

await runBundle('outcome-engine');
