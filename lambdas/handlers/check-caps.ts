// POST {contractId, metric, quantity} → may this customer consume that much
// more of the metric now? The answer of `outcome-engine caps check`, for
// producers, behind a Function URL with IAM auth (the local engine serves the
// same handler as POST /caps/check). 200 with `allowed` either way; 400 with
// a code for a request the engine cannot answer; 404 for an unknown
// contract; 5xx for the engine's own failures, which the caller retries.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { CheckCapAllowanceInputSchema, checkCapAllowance, type CapAllowance } from '../application/plans/check-cap-allowance';
import type { ReportSpendDeps } from '../application/plans/report-spend';
import { createCapsCheck } from '../composition/caps-check-service';
import { EngineError } from '../domain/errors/engine-error';
import { readEnvConfig } from '../shared/env';
import { errorResponseBodyOf, httpStatusOf, isAnsweredToCaller } from '../shared/error-responses';
import { withObservability } from '../shared/handler-middleware';
import { logger, traced } from '../shared/powertools';

export const CheckCapsEnvSchema = z.object({
  LEDGER_TABLE_NAME: z.string(),
  ENGINE_TABLE_NAME: z.string(),
  USAGE_ROLLUP_SETTLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60),
});

/** Why a request was refused before the check ran. */
export type CheckCapsRequestErrorCode = 'method_not_allowed' | 'missing_body' | 'invalid_json' | 'invalid_request';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

function respond(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

function refuse(statusCode: number, code: CheckCapsRequestErrorCode, message: string, extra: Record<string, unknown> = {}): APIGatewayProxyStructuredResultV2 {
  logger.info('caps check request refused', { code });
  return respond(statusCode, { code, message, retryable: false, ...extra });
}

function bodyOf(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The request → answer mapping, with its dependencies passed in (tests, local engine). */
export function createCheckCapsHandler(resolveDeps: () => Promise<ReportSpendDeps>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const method = event.requestContext?.http?.method ?? 'POST';
    if (method !== 'POST') return refuse(405, 'method_not_allowed', `use POST with a JSON body {contractId, metric, quantity}, not ${method}`);
    const body = bodyOf(event);
    if (body === undefined) return refuse(400, 'missing_body', 'the request has no body: expected JSON {contractId, metric, quantity}');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return refuse(400, 'invalid_json', 'the body is not JSON: expected {contractId, metric, quantity}');
    }
    const parsed = CheckCapAllowanceInputSchema.safeParse(json);
    if (!parsed.success) {
      return refuse(400, 'invalid_request', z.prettifyError(parsed.error), {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      });
    }
    let answer: CapAllowance;
    try {
      answer = await checkCapAllowance(await resolveDeps(), parsed.data);
    } catch (error) {
      if (isAnsweredToCaller(error)) return respond(httpStatusOf(error), errorResponseBodyOf(error));
      // The engine's own failure (storage, configuration): logged at error level and answered with its
      // status and retryable flag; anything untyped is thrown (Lambda answers it with a 5xx too).
      if (error instanceof EngineError) {
        logger.error('caps check failed', { code: error.code, contractId: parsed.data.contractId, error });
        return respond(httpStatusOf(error), errorResponseBodyOf(error));
      }
      throw error;
    }
    return respond(200, answer);
  };
}

let deps: Promise<ReportSpendDeps> | undefined;

function resolveDeps(): Promise<ReportSpendDeps> {
  deps ??= (async () => {
    const env = readEnvConfig(CheckCapsEnvSchema);
    const now = () => new Date();
    return createCapsCheck({
      dynamoDb: traced(new DynamoDBClient({})),
      engineTableName: env.ENGINE_TABLE_NAME,
      ledgerTableName: env.LEDGER_TABLE_NAME,
      progress: { kind: 'settle-lag', now, settleLagMs: env.USAGE_ROLLUP_SETTLE_MINUTES * 60_000 },
      now,
    });
  })().catch((error: unknown) => {
    // A failed start must not poison the container.
    deps = undefined;
    throw error;
  });
  return deps;
}

export const handler = withObservability<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(createCheckCapsHandler(resolveDeps));
