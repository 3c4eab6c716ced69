// /v1/events: the events the emulator recorded, newest first, filterable by
// type (`invoice.*` wildcards included), types[] and created.
import { z } from 'zod';
import { paginate } from '../pagination';
import { formExpand, formList, formRange, formString, inRange, paginationParams } from '../params';
import { defineRoute } from '../router';
import { findOr404, snapshot } from './common';

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
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    schema: listSchema,
    handle(input, ctx) {
      const matches = ctx.state.events.newestFirst(
        (event) =>
          (input.type === undefined || matchesEventType(event.type, input.type)) &&
          (input.types === undefined || input.types.includes(event.type)) &&
          inRange(event.created, input.created),
      );
      return { body: snapshot(paginate(matches, input, '/v1/events', 'event')) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/events/:id',
    schema: z.strictObject({ expand: formExpand() }),
    handle(_input, ctx, { id = '' }) {
      return { body: snapshot(findOr404(ctx.state.events, id, 'event')) };
    },
  }),
];
