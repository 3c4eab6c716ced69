// An HTTP endpoint that speaks EventBridge's PutEvents over the AWS JSON 1.1
// protocol, so producers use the real @aws-sdk/client-eventbridge (or
// `aws events put-events --endpoint-url ...`) against the local engine.
// Requests are not signature-checked (the endpoint listens on loopback only),
// but the signer's access key id is read and passed on, so the bus policy on
// the engine's own source can be applied as in AWS.
//
// Besides PutEvents it serves a small control API for tests and tools:
//   GET  /_local/health        -> { status: "ok" }
//   POST /_local/drain         -> waits until every local queue is empty
//   GET  /_local/dead-letters  -> the local dead-letter queue
//
// Other parts of the local engine add their own HTTP routes on the same port
// (the Stripe webhook, POST /stripe/webhook), so everything the engine
// serves is reachable at one address.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineError } from '../../lambdas/domain/errors/engine-error';
import {
  AwsJsonError,
  callerFromAuthorization,
  parsePutEventsRequest,
  type PutEventsCaller,
  type PutEventsRequest,
  type PutEventsResponse,
} from './put-events-request';

const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** Far above any valid request (10 entries below 256 KB in total); bounds memory per request. */
const MAX_BODY_BYTES = 1024 * 1024;

/** One request to an added route: the raw body bytes (a signature may cover them), headers lower-cased. */
export interface HttpRouteRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface HttpRouteResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A route served next to PutEvents, matched on the exact path. */
export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /** A thrown error is answered 500 `{ code: 'internal_error' }` and passed to onInternalError. */
  readonly handle: (request: HttpRouteRequest) => Promise<HttpRouteResponse>;
}

/** Two parts of the engine claimed the same HTTP route: a wiring bug. */
export class RouteConflictError extends EngineError {
  readonly code = 'route_conflict';
  readonly category = 'internal';
  constructor(route: Pick<HttpRoute, 'method' | 'path'>) {
    super(`The local engine already serves ${route.method} ${route.path}`);
    this.name = 'RouteConflictError';
  }
}

export interface PutEventsServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Answers once the accepted entries are durable: the response is written
   * only after it resolves. An AwsJsonError it throws is the answer
   * (throttling, a stopping engine); anything else is a 500 InternalException.
   */
  putEvents: (request: PutEventsRequest, caller: PutEventsCaller) => PutEventsResponse | Promise<PutEventsResponse>;
  control?: {
    drain: () => Promise<void>;
    deadLetters: () => Promise<unknown[]>;
  };
  /** Extra routes from the start; more can be added with addRoute. */
  routes?: readonly HttpRoute[];
  /** Told about failures that became a 500 (a bug, never a producer error). */
  onInternalError?: (error: unknown) => void;
}

export interface RunningPutEventsServer {
  url: string;
  port: number;
  /** Serves `route` on this port until the returned function removes it. */
  addRoute: (route: HttpRoute) => () => void;
  close: () => Promise<void>;
}

class BodyTooLargeError extends Error {
  constructor() {
    super('Request body too large');
    this.name = 'BodyTooLargeError';
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return readRawBody(request).then((body) => body.toString('utf8'));
}

function readRawBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function routeKey(route: Pick<HttpRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

function send(response: ServerResponse, statusCode: number, body: unknown, contentType = AWS_JSON_CONTENT_TYPE): void {
  const payload = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(payload);
}

function sendAwsError(response: ServerResponse, error: AwsJsonError): void {
  response.setHeader('x-amzn-errortype', error.type);
  send(response, error.statusCode, { __type: error.type, message: error.message });
}

export async function startPutEventsServer(options: PutEventsServerOptions): Promise<RunningPutEventsServer> {
  const routes = new Map<string, HttpRoute>();
  const addRoute = (route: HttpRoute): (() => void) => {
    const key = routeKey(route);
    if (routes.has(key) || route.path === '/' || route.path.startsWith('/_local/')) throw new RouteConflictError(route);
    routes.set(key, route);
    return () => {
      if (routes.get(key) === route) routes.delete(key);
    };
  };
  for (const route of options.routes ?? []) addRoute(route);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://local-engine');
    const path = url.pathname;
    if (path.startsWith('/_local/')) return handleControl(path, request, response);
    const route = routes.get(routeKey({ method: (request.method ?? 'GET') as HttpRoute['method'], path }));
    if (route) return handleRoute(route, url, request, response);
    if ([...routes.values()].some((known) => known.path === path)) {
      request.resume();
      return send(response, 405, { code: 'method_not_allowed', message: `${path} does not take ${request.method ?? '?'}` }, 'application/json');
    }

    if (request.method !== 'POST') {
      return sendAwsError(response, new AwsJsonError('UnknownOperationException', 'EventBridge operations are POST requests.', 404));
    }
    const target = request.headers['x-amz-target'];
    if (target !== PUT_EVENTS_TARGET) {
      request.resume();
      return sendAwsError(
        response,
        new AwsJsonError(
          'UnknownOperationException',
          target
            ? `Operation ${String(target)} is not supported by the local engine's bus; it implements ${PUT_EVENTS_TARGET} only.`
            : 'Missing X-Amz-Target header.',
        ),
      );
    }
    let body: string;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return sendAwsError(response, new AwsJsonError('ValidationException', 'Total size of the entries in the request is over the limit.', 413));
      }
      throw error;
    }
    const result = await options.putEvents(parsePutEventsRequest(body), callerFromAuthorization(request.headers.authorization));
    send(response, 200, result);
  };

  const handleRoute = async (route: HttpRoute, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const json = 'application/json';
    let body: Buffer;
    try {
      body = await readRawBody(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return send(response, 413, { code: 'body_too_large', message: `The body is over ${MAX_BODY_BYTES} bytes.` }, json);
      throw error;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(', ') : (value ?? '')]),
    );
    let answer: HttpRouteResponse;
    try {
      answer = await route.handle({ method: route.method, path: route.path, query: url.searchParams, headers, body });
    } catch (error) {
      options.onInternalError?.(error);
      return send(response, 500, { code: 'internal_error', message: `${route.method} ${route.path} failed inside the local engine; send it again.` }, json);
    }
    response.writeHead(answer.statusCode, {
      'content-type': json,
      ...answer.headers,
      'content-length': Buffer.byteLength(answer.body),
    });
    response.end(answer.body);
  };

  const handleControl = async (path: string, request: IncomingMessage, response: ServerResponse): Promise<void> => {
    request.resume();
    const json = 'application/json';
    if (path === '/_local/health' && request.method === 'GET') return send(response, 200, { status: 'ok' }, json);
    if (path === '/_local/drain' && request.method === 'POST' && options.control) {
      await options.control.drain();
      return send(response, 200, { drained: true }, json);
    }
    if (path === '/_local/dead-letters' && request.method === 'GET' && options.control) {
      return send(response, 200, { deadLetters: await options.control.deadLetters() }, json);
    }
    return send(response, 404, { message: `No local control route ${request.method} ${path}` }, json);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof AwsJsonError) return sendAwsError(response, error);
      options.onInternalError?.(error);
      if (!response.headersSent) sendAwsError(response, new AwsJsonError('InternalException', 'Internal error in the local bus.', 500));
      else response.destroy();
    });
  });
  // SDK clients keep connections alive; outlive their idle sockets so a
  // reused socket is never closed under a request in flight.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    addRoute,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Idle keep-alive sockets go at once; a request in flight gets a moment to finish.
        const force = setTimeout(() => server.closeAllConnections(), 1000);
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
