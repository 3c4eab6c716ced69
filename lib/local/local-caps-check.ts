// The caps check on the local engine's own port (POST /caps/check): the
// check-caps Lambda's handler, given the request as its Function URL would
// pass it, so a producer's request works the same locally and in AWS (where
// it is signed with SigV4; locally the port is the engine's, on 127.0.0.1).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LedgerRepository } from '../../lambdas/application/ports';
import { createCapsCheck } from '../../lambdas/composition/caps-check-service';
import { createCheckCapsHandler } from '../../lambdas/handlers/check-caps';
import { asLocalLambda } from './lambda-context';
import { LOCAL_ACCOUNT_ID, LOCAL_DEFAULTS } from './local-aws';
import type { HttpRoute } from './put-events-server';

export const CAPS_CHECK_PATH = '/caps/check';

export interface LocalCapsCheckOptions {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledgerTableName: string;
  readonly ledger: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  /** The engine's clock. */
  readonly now: () => Date;
}

export function capsCheckRoute(options: LocalCapsCheckOptions): HttpRoute {
  // Rollups as far as the local stream reader has applied them (the seal it stores), as the CLI reads them.
  const deps = createCapsCheck({ ...options, progress: { kind: 'stored' } });
  const check = asLocalLambda('check-caps', createCheckCapsHandler(async () => deps), {
    timeoutMs: 10_000,
    region: LOCAL_DEFAULTS.region,
    accountId: LOCAL_ACCOUNT_ID,
  });
  return {
    method: 'POST',
    path: CAPS_CHECK_PATH,
    // A thrown (untyped) failure is answered 500 by the server, as Lambda answers it with a 5xx.
    handle: async (request) => {
      const answer = await check({
        requestContext: { http: { method: request.method, path: request.path } },
        headers: { ...request.headers },
        body: request.body.toString('base64'),
        isBase64Encoded: true,
      } as unknown as APIGatewayProxyEventV2);
      return { statusCode: answer.statusCode ?? 200, body: answer.body ?? '' };
    },
  };
}
