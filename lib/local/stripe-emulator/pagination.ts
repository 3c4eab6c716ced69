// Stripe's cursor pagination: `limit` (1..100, default 10), `starting_after`
// and `ending_before` (object ids), answered as `{ object: 'list', data,
// has_more, url }`. The SDK's auto-pagination follows the last id of each page.
import { stripeErrors } from './errors';

export interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface PageRequest {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

export const DEFAULT_LIMIT = 10;

/**
 * Cuts one page out of `ordered` (already in list order). `noun` names the
 * object in the "No such ..." error for an unknown cursor.
 */
export function paginate<T extends { id: string }>(
  ordered: ReadonlyArray<T>,
  request: PageRequest,
  url: string,
  noun: string,
): ListPage<T> {
  const limit = request.limit ?? DEFAULT_LIMIT;
  if (request.starting_after !== undefined && request.ending_before !== undefined) {
    throw stripeErrors.parametersExclusive(['starting_after', 'ending_before']);
  }
  if (request.starting_after !== undefined) {
    const index = indexOf(ordered, request.starting_after, noun, 'starting_after');
    const data = ordered.slice(index + 1, index + 1 + limit);
    return { object: 'list', data, has_more: index + 1 + limit < ordered.length, url };
  }
  if (request.ending_before !== undefined) {
    const index = indexOf(ordered, request.ending_before, noun, 'ending_before');
    const start = Math.max(0, index - limit);
    return { object: 'list', data: ordered.slice(start, index), has_more: start > 0, url };
  }
  return { object: 'list', data: ordered.slice(0, limit), has_more: ordered.length > limit, url };
}

function indexOf<T extends { id: string }>(ordered: ReadonlyArray<T>, id: string, noun: string, param: string): number {
  const index = ordered.findIndex((item) => item.id === id);
  if (index < 0) throw stripeErrors.resourceMissing(id, noun, param);
  return index;
}
