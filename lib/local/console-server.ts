// Serves the web console and the customer portal from the local engine: the
// built pages from dist/console/, and every /api/ route through the same
// handler core the Lambda runs, each Node request turned into a payload v2
// event. Pages carry a strict Content-Security-Policy; the portal's
// frame-ancestors lists the origins allowed to embed it (an engine setting),
// the console may not be framed at all.
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import type { ConsoleService } from '../../lambdas/application/console/console-routes';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';
import { createStreamingConsoleApiHandler } from '../../lambdas/handlers/console-api';
import { packageRoot } from './package-root';

/** Where npm start serves the console unless told otherwise. */
export const DEFAULT_CONSOLE_PORT = 4020;
/** Largest request body the API reads (a proposed plan file is the largest). */
const MAX_BODY_BYTES = 1_000_000;

/** An origin a page may be framed by: scheme, host and optional port, nothing else. */
export const FrameAncestorSchema = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, { error: 'expected an origin such as https://app.example.com (scheme, host, optional port; no path)' });

export class ConsoleSettingError extends engineErrorClass('ConsoleSettingError', 'invalid_input', 'invalid_console_setting') {}

/** Comma-separated origins (flag or OUTCOME_ENGINE_PORTAL_FRAME_ANCESTORS), each checked. */
export function parseFrameAncestors(text: string | undefined): string[] {
  const origins = (text ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    const parsed = FrameAncestorSchema.safeParse(origin);
    if (!parsed.success) throw new ConsoleSettingError(`portal frame ancestor "${origin}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return origins;
}

/** The policy of every page: own scripts, styles and API only; the portal framable by `frameAncestors`, the console by nobody. */
export function contentSecurityPolicy(page: 'console' | 'portal', frameAncestors: readonly string[]): string {
  const ancestors = page === 'portal' ? ["'self'", ...frameAncestors].join(' ') : "'none'";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

export interface ConsoleServerOptions {
  service: ConsoleService;
  /** 127.0.0.1 port; 0 picks a free one. @default 4020, or a free port when 4020 is taken */
  port?: number;
  /** Origins allowed to embed the portal in an iframe. @default none */
  portalFrameAncestors?: readonly string[];
  /** The built pages. @default <package root>/dist/console */
  assetsDir?: string;
  log?: (message: string) => void;
}

export interface RunningConsoleServer {
  /** e.g. http://127.0.0.1:4020/ */
  url: string;
  /** e.g. http://127.0.0.1:4020/portal/ */
  portalUrl: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ConsoleSettingError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** A Node request as the payload v2 event a Function URL would deliver. */
export function toPayloadV2Event(request: IncomingMessage, url: URL, body: string | undefined): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search !== '' ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local-console',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method: request.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: request.headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<RunningConsoleServer> {
  const assetsDir = options.assetsDir ?? join(packageRoot(), 'dist', 'console');
  const frameAncestors = options.portalFrameAncestors ?? [];
  const api = createStreamingConsoleApiHandler(() => options.service);
  const log = options.log ?? (() => undefined);

  const send = (response: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) => {
    response.writeHead(status, { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', ...headers });
    response.end(body);
  };

  const serveFile = async (response: ServerResponse, pathname: string) => {
    const page = pathname === '/portal' || pathname.startsWith('/portal/') ? 'portal' : 'console';
    const relative = pathname === '/' ? 'index.html' : pathname === '/portal' || pathname === '/portal/' ? 'portal/index.html' : pathname.slice(1);
    const file = normalize(join(assetsDir, relative));
    if (!file.startsWith(assetsDir + sep)) return send(response, 404, { 'content-type': 'text/plain' }, 'not found');
    const found = await stat(file).catch(() => undefined);
    if (!found?.isFile()) {
      if (pathname === '/' && !(await stat(assetsDir).catch(() => undefined))) {
        return send(response, 503, { 'content-type': 'text/plain' }, `The console is not built (${assetsDir} is missing): run npm run build.`);
      }
      return send(response, 404, { 'content-type': 'text/plain' }, 'not found');
    }
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    const html = type.startsWith('text/html');
    send(
      response,
      200,
      {
        'content-type': type,
        // Hashed assets never change; pages are read fresh so a rebuild shows at once.
        'cache-control': html ? 'no-cache' : 'public, max-age=31536000, immutable',
        ...(html ? { 'content-security-policy': contentSecurityPolicy(page, frameAncestors) } : {}),
        ...(html && page === 'console' ? { 'x-frame-options': 'DENY' } : {}),
      },
      await readFile(file),
    );
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const work = url.pathname.startsWith('/api/')
      ? readBody(request).then(async (body) => {
          const result = await api(toPayloadV2Event(request, url, body));
          if ('chunks' in result) {
            // Written as the ledger is paged: a statement of a million outcomes never sits in memory.
            response.writeHead(result.statusCode, { 'referrer-policy': 'no-referrer', ...result.headers });
            for await (const chunk of result.chunks) {
              if (!response.write(chunk)) await new Promise<void>((resolve) => response.once('drain', () => resolve()));
            }
            response.end();
            return;
          }
          send(response, result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>, result.body ?? '');
        })
      : request.method === 'GET' || request.method === 'HEAD'
        ? serveFile(response, url.pathname)
        : Promise.resolve(send(response, 405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }, 'method not allowed'));
    work.catch((error: unknown) => {
      log(`console request ${request.method} ${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) send(response, error instanceof ConsoleSettingError ? 413 : 503, { 'content-type': 'application/json' }, JSON.stringify({ code: 'unavailable', message: 'the engine could not answer; try again' }));
      else response.end();
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(options.port ?? DEFAULT_CONSOLE_PORT);
  } catch (error) {
    // Only the default gives way (a second engine, tests in parallel); a port asked for is an error.
    if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    log(`port ${DEFAULT_CONSOLE_PORT} is taken; the console listens on a free port instead`);
    await listen(0);
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    portalUrl: `${url}portal/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
