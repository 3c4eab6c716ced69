// Routes other parts of the local engine add to the PutEvents server's port
// (the Stripe webhook), next to PutEvents itself.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validatePutEvents } from '../../../../lib/local/put-events-request';
import {
  RouteConflictError,
  startPutEventsServer,
  type HttpRouteRequest,
  type RunningPutEventsServer,
} from '../../../../lib/local/put-events-server';

let server: RunningPutEventsServer;
const internalErrors: unknown[] = [];
const removals: (() => void)[] = [];

beforeAll(async () => {
  server = await startPutEventsServer({
    port: 0,
    putEvents: (request) => validatePutEvents(request, { account: '000000000000', region: 'us-east-1', now: () => new Date() }).response,
    onInternalError: (error) => internalErrors.push(error),
  });
});

afterEach(() => {
  for (const remove of removals.splice(0)) remove();
  internalErrors.length = 0;
});

afterAll(async () => {
  await server.close();
});

function echoRoute(seen: HttpRouteRequest[]) {
  return {
    method: 'POST' as const,
    path: '/hooks/echo',
    handle: async (request: HttpRouteRequest) => {
      seen.push(request);
      return { statusCode: 202, headers: { 'x-echo': 'yes' }, body: JSON.stringify({ bytes: request.body.length }) };
    },
  };
}

describe('extra routes on the PutEvents server', () => {
  it('serves an added route with the raw body bytes, lower-cased headers and the query', async () => {
    const seen: HttpRouteRequest[] = [];
    removals.push(server.addRoute(echoRoute(seen)));
    // Not valid UTF-8 on purpose: a signature covers bytes, so they must arrive unchanged.
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);

    const response = await fetch(`${server.url}/hooks/echo?attempt=2`, { method: 'POST', body, headers: { 'Stripe-Signature': 't=1,v1=abc' } });

    expect(response.status).toBe(202);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ bytes: 5 });
    expect(seen).toHaveLength(1);
    expect(Buffer.compare(seen[0]?.body ?? Buffer.alloc(0), body)).toBe(0);
    expect(seen[0]?.headers['stripe-signature']).toBe('t=1,v1=abc');
    expect(seen[0]?.query.get('attempt')).toBe('2');
  });

  it('answers 405 for another method on a known path, and the route is gone once removed', async () => {
    const remove = server.addRoute(echoRoute([]));
    const wrongMethod = await fetch(`${server.url}/hooks/echo`, { method: 'PUT', body: '{}' });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ code: 'method_not_allowed' });

    remove();
    const afterRemoval = await fetch(`${server.url}/hooks/echo`, { method: 'POST', body: '{}' });
    // Back to the PutEvents endpoint, which wants an X-Amz-Target.
    expect(afterRemoval.status).toBe(400);
    expect(afterRemoval.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('refuses a second route on the same method and path, and the control paths', () => {
    removals.push(server.addRoute(echoRoute([])));
    expect(() => server.addRoute(echoRoute([]))).toThrow(RouteConflictError);
    expect(() => server.addRoute({ ...echoRoute([]), path: '/_local/health' })).toThrow(RouteConflictError);
  });

  it('refuses a body over 1 MB with 413 without calling the route', async () => {
    const seen: HttpRouteRequest[] = [];
    removals.push(server.addRoute(echoRoute(seen)));
    const response = await fetch(`${server.url}/hooks/echo`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 0x61) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'body_too_large' });
    expect(seen).toEqual([]);
  });

  it('answers 500 internal_error when a route fails, and reports the error', async () => {
    const failure = new Error('table unavailable');
    removals.push(
      server.addRoute({
        method: 'POST',
        path: '/hooks/broken',
        handle: async () => {
          throw failure;
        },
      }),
    );
    const response = await fetch(`${server.url}/hooks/broken`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'internal_error' });
    expect(internalErrors).toEqual([failure]);
  });

  it('keeps serving PutEvents and the control API next to the routes', async () => {
    removals.push(server.addRoute(echoRoute([])));
    const client = new EventBridgeClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      const output = await client.send(
        new PutEventsCommand({ Entries: [{ EventBusName: 'default', Source: 'com.example', DetailType: 'Outcome Recorded', Detail: '{}' }] }),
      );
      expect(output.FailedEntryCount).toBe(0);
    } finally {
      client.destroy();
    }
    expect(await (await fetch(`${server.url}/_local/health`)).json()).toEqual({ status: 'ok' });
  });

  it('takes routes at start too', async () => {
    const seen: HttpRouteRequest[] = [];
    const withRoutes = await startPutEventsServer({ port: 0, putEvents: () => ({ FailedEntryCount: 0, Entries: [] }), routes: [echoRoute(seen)] });
    try {
      expect((await fetch(`${withRoutes.url}/hooks/echo`, { method: 'POST', body: 'x' })).status).toBe(202);
      expect(seen).toHaveLength(1);
    } finally {
      await withRoutes.close();
    }
  });
});
