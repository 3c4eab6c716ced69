// npm run docs:events
// Writes the JSON Schemas of the event details producers send (and the
// 'Outcome Rejected', 'Outcome Adjustment Recorded', 'Dispute Opened' and
// 'Dispute Resolved' events the engine
// publishes) to docs/events/, generated
// from the zod schemas the ledger validates with. A unit test fails when the
// committed files and the schemas differ, so run this after changing them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { eventDetailJsonSchemas, formatJsonSchema } from '../lambdas/domain/ledger/event-json-schemas';

const outputDir = resolve(import.meta.dirname, '..', 'docs', 'events');

await mkdir(outputDir, { recursive: true });
for (const [fileName, schema] of Object.entries(eventDetailJsonSchemas())) {
  const path = join(outputDir, fileName);
  await writeFile(path, formatJsonSchema(schema), 'utf8');
  console.log(`wrote ${path}`);
}
