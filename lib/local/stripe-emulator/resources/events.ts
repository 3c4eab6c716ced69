// /v1/events: the events the emulator recorded, newest first, filterable by
// type (`invoice.*` wildcards included), types[] and created.
import { z } from 'zod';
import { formList, formRange, formString, inRange, paginationParams } from '../params';
import { listRoute, retrieveRoute } from './common';

const listSchema = z.strictObject({
  ...paginationParams,
  type: formString().optional(),
  types: formList(formString(), { max: 20 }).optional(),
  created: formRange().optional(),
  delivery_success: formString().optional(),
});

/** Stripe's `type` filter accepts one `*` wildcard, e.g. `invoice.*`. */
export function matchesEventType(type: string, pattern: string): boolean {
  if (!pattern.includes('*')) return type === pattern;
  const [prefix = '', suffix = ''] = pattern.split('*');
  return type.startsWith(prefix) && type.endsWith(suffix) && type.length >= prefix.length + suffix.length;
}

export const eventRoutes = [
  listRoute({
    path: '/v1/events',
    collection: 'events',
    noun: 'event',
    schema: listSchema,
    matches: (event, input) =>
      (input.type === undefined || matchesEventType(event.type, input.type)) &&
      (input.types === undefined || input.types.includes(event.type)) &&
      inRange(event.created, input.created),
  }),
  retrieveRoute({ path: '/v1/events/:id', collection: 'events', noun: 'event' }),
];
