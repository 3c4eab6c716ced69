// The console's HTTP API (payload v2: API Gateway HTTP API or a Function
// URL), all routes under /api/. This entry routes GET /api/health only, so
// the stack can be built and deployed; the console's routes replace it.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { withObservability } from '../shared/handler-middleware';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

export async function routeConsoleRequest(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
  const { method, path } = event.requestContext.http;
  if (path === '/api/health') {
    if (method !== 'GET') return { statusCode: 405, headers: { ...JSON_HEADERS, allow: 'GET' }, body: JSON.stringify({ error: { code: 'method_not_allowed', message: `${method} ${path} is not allowed; use GET` } }) };
    return { statusCode: 200, headers: JSON_HEADERS, body: JSON.stringify({ ok: true }) };
  }
  return { statusCode: 404, headers: JSON_HEADERS, body: JSON.stringify({ error: { code: 'not_found', message: `no route ${method} ${path}` } }) };
}

export const handler = withObservability(routeConsoleRequest);
