// The console API: every /api/ route of the web console and the customer
// portal behind a Lambda Function URL or API Gateway HTTP API (payload v2).
// The local engine serves the same routes through createConsoleApiHandler.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { routeConsoleRequest, type ConsoleService } from '../application/console/console-routes';
import { consoleErrorStatus } from '../application/console/console-errors';
import { renewalRiskSettingsFromEnv } from '../application/risk/risk-settings';
import { awsConsoleAccessFromEnv, createConsoleService } from '../composition/console-service';
import { EngineError } from '../domain/errors/engine-error';
import { readEnvConfig } from '../shared/env';
import { errorResponseBodyOf, httpStatusOf, isAnsweredToCaller } from '../shared/error-responses';
import { withObservability } from '../shared/handler-middleware';
import { logger } from '../shared/powertools';

export const ConsoleApiEnvSchema = z.object({
  LEDGER_TABLE_NAME: z.string().min(1),
  ENGINE_TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  /** The portal page's absolute URL (CloudFront), for links staff create. */
  PORTAL_BASE_URL: z.url().optional(),
  /** Usage rollups trusted up to this many minutes before now (as the close and the renewal check trust them); unset: the raw ledger. */
  USAGE_ROLLUP_SETTLE_MINUTES: z.coerce.number().int().min(1).optional(),
  /** The private bucket statement CSVs are written to and downloaded from by presigned link (a Lambda answer is at most 6 MB). */
  STATEMENT_BUCKET_NAME: z.string().min(1).optional(),
});

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** bigint amounts (minor units) leave as decimal strings; JSON has no exact big integers. */
function toJson(body: unknown): string {
  return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/** An answer whose body is a file still being written (a statement's CSV): the local server streams it, the Lambda collects it. */
export interface StreamedConsoleAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly chunks: AsyncIterable<string>;
}

/**
 * One event in, one answer out: the router's result, or a clear error body
 * with the status its category (or refusal) carries. A file answer comes back
 * as chunks for the caller to write as they arrive.
 */
export function createStreamingConsoleApiHandler(service: () => Promise<ConsoleService> | ConsoleService) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2 | StreamedConsoleAnswer> => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    try {
      const response = await routeConsoleRequest(await service(), {
        method: event.requestContext.http.method.toUpperCase(),
        path: event.rawPath,
        query: event.queryStringParameters ?? {},
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      if ('file' in response) {
        return {
          statusCode: response.status,
          headers: {
            'content-type': response.file.contentType,
            'content-disposition': `attachment; filename="${response.file.fileName}"`,
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          },
          chunks: response.file.chunks,
        };
      }
      return { statusCode: response.status, headers: JSON_HEADERS, body: toJson(response.body) };
    } catch (error) {
      // The engine's own failures (storage, configuration): logged at error level (the log alarm sees them) and
      // answered with their status and retryable flag, so the page can say "try again"; anything untyped is thrown.
      if (!isAnsweredToCaller(error)) {
        if (error instanceof EngineError) {
          logger.error('console API request failed', { code: error.code, path: event.rawPath });
          return { statusCode: httpStatusOf(error), headers: JSON_HEADERS, body: toJson(errorResponseBodyOf(error)) };
        }
        throw error;
      }
      return { statusCode: consoleErrorStatus(error, httpStatusOf), headers: JSON_HEADERS, body: toJson(errorResponseBodyOf(error)) };
    }
  };
}

/**
 * The Lambda's answer: as above, with a file collected into the body (payload
 * v2 answers are whole, at most 6 MB). The deployed API has a statement file
 * store, so statements answer a download link and never come through here.
 */
export function createConsoleApiHandler(service: () => Promise<ConsoleService> | ConsoleService) {
  const streaming = createStreamingConsoleApiHandler(service);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const answer = await streaming(event);
    if (!('chunks' in answer)) return answer;
    let body = '';
    for await (const chunk of answer.chunks) body += chunk;
    return { statusCode: answer.statusCode, headers: answer.headers, body };
  };
}

let deployed: ConsoleService | undefined;

function deployedService(): ConsoleService {
  if (deployed) return deployed;
  const env = readEnvConfig(ConsoleApiEnvSchema);
  const access = awsConsoleAccessFromEnv(process.env);
  deployed = createConsoleService({
    dynamoDb: new DynamoDBClient({}),
    eventBridge: new EventBridgeClient({}),
    eventBusName: env.EVENT_BUS_NAME,
    ledgerTableName: env.LEDGER_TABLE_NAME,
    engineTableName: env.ENGINE_TABLE_NAME,
    ...access,
    ...(env.PORTAL_BASE_URL !== undefined ? { portalBaseUrl: env.PORTAL_BASE_URL } : {}),
    // No stream reader records rollup progress in AWS: the cells are trusted up to the settle lag, as the close does.
    ...(env.USAGE_ROLLUP_SETTLE_MINUTES !== undefined
      ? { usageRollupProgress: { kind: 'settle-lag' as const, now: () => new Date(), settleLagMs: env.USAGE_ROLLUP_SETTLE_MINUTES * 60_000 } }
      : {}),
    settings: renewalRiskSettingsFromEnv(process.env),
    ...(env.STATEMENT_BUCKET_NAME !== undefined
      ? { statementBucket: { client: new S3Client({}), bucketName: env.STATEMENT_BUCKET_NAME } }
      : {}),
  });
  return deployed;
}

export const handler = withObservability(createConsoleApiHandler(deployedService));
