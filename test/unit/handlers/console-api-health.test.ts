import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/handlers/console-api';
import { createLambdaContext } from '../../../lib/local/lambda-context';

const CONTEXT = createLambdaContext({ functionName: 'console-api', timeoutMs: 29_000, region: 'eu-west-1', accountId: '123456789012' });

function request(method: string, path: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'ANY /api/{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'console.example',
      domainPrefix: 'console',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: 'ANY /api/{proxy+}',
      stage: '$default',
      time: '07/Dec/2026:21:00:00 +0000',
      timeEpoch: 0,
    },
  };
}

describe('console API (payload v2)', () => {
  it('answers GET /api/health with { ok: true }, uncached', async () => {
    const response = (await handler(request('GET', '/api/health'), CONTEXT)) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ ok: true });
    expect(response.headers?.['cache-control']).toBe('no-store');
  });

  it('answers an unknown route with a 404 naming it', async () => {
    const response = (await handler(request('GET', '/api/nothing-here'), CONTEXT)) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '')).toEqual({ error: { code: 'not_found', message: 'no route GET /api/nothing-here' } });
  });
});
