// Maps `METHOD /path/:param` to route definitions. A route is two phases, as
// Stripe's idempotency layer sees them: `schema` validates the parameters
// (failures are not saved against an idempotency key), then `handle` executes
// (its result, error or not, is saved).
import type { z } from 'zod';
import type { EmulatorState } from './state';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RequestInfo {
  /** `req_…`, also the Request-Id response header. */
  id: string;
  idempotencyKey: string | null;
  apiVersion: string | null;
}

export interface HandlerContext {
  state: EmulatorState;
  request: RequestInfo;
  /** Records an event (and queues its webhook delivery). `object` is snapshotted. */
  emit(type: string, object: object, previousAttributes?: Record<string, unknown>): void;
}

export interface HandlerResult {
  status?: number;
  body: unknown;
}

export interface RouteDefinition<S extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** e.g. `/v1/invoices/:id/finalize` */
  path: string;
  schema: S;
  /** Fields that `expand[]` may name for this route (`customer`, `data.invoice`, ...). */
  expandable?: ReadonlyArray<string>;
  handle(input: z.output<S>, ctx: HandlerContext, pathParams: Readonly<Record<string, string>>): HandlerResult;
}

/** Keeps each route's input type while letting routes of different schemas share one list. */
export function defineRoute<S extends z.ZodType>(route: RouteDefinition<S>): RouteDefinition {
  return route as unknown as RouteDefinition;
}

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

export interface RouteMatch {
  route: RouteDefinition;
  pathParams: Record<string, string>;
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: ReadonlyArray<RouteDefinition>) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { route, pattern: new RegExp(`^${source}/?$`), names };
    });
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const { route, pattern, names } of this.compiled) {
      if (route.method !== method) continue;
      const found = pattern.exec(path);
      if (!found) continue;
      const pathParams: Record<string, string> = {};
      names.forEach((name, i) => {
        pathParams[name] = decodeURIComponent(found[i + 1] ?? '');
      });
      return { route, pathParams };
    }
    return undefined;
  }
}
