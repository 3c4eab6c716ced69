import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { PART_SIZE_BYTES, S3StatementFileStore, statementObjectKey } from '../../../../../lambdas/adapters/s3/s3-statement-file-store';
import { ConsoleNotFoundError } from '../../../../../lambdas/application/console/console-errors';

const s3 = mockClient(S3Client);
const BUCKET = 'outcome-engine-test-statements';
const ISSUED_AT = new Date('2026-03-01T10:00:00.000Z');
const client = () => new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' } });
const store = () => new S3StatementFileStore({ client: client(), bucketName: BUCKET, now: () => ISSUED_AT, randomId: () => 'r-1' });

/** `count` CSV rows of `rowBytes` bytes each, produced lazily as the statement produces them. */
async function* rows(count: number, rowBytes: number): AsyncGenerator<string> {
  for (let index = 0; index < count; index += 1) yield `${String(index).padStart(8, '0')},${'x'.repeat(rowBytes - 10)}\n`;
}

describe('S3StatementFileStore', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"etag-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
  });

  it('streams a statement larger than a part as a multipart upload of every chunk, under the invoice and a random id', async () => {
    // 12 MiB: more than two parts, far beyond a Lambda answer's 6 MB.
    const rowBytes = 1024;
    const count = (12 * 1024 * 1024) / rowBytes;
    await store().store({ scope: 'inv#c-1#2026-02', fileName: 'statement-c-1-2026-02.csv', contentType: 'text/csv; charset=utf-8', chunks: rows(count, rowBytes) });

    const key = statementObjectKey('inv#c-1#2026-02', 'r-1', 'statement-c-1-2026-02.csv');
    expect(key).toBe('statements/inv%23c-1%232026-02/r-1/statement-c-1-2026-02.csv');
    const created = s3.commandCalls(CreateMultipartUploadCommand);
    expect(created).toHaveLength(1);
    expect(created[0]?.args[0].input).toMatchObject({ Bucket: BUCKET, Key: key, ContentType: 'text/csv; charset=utf-8' });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => part.PartNumber).sort()).toEqual([1, 2, 3]);
    const sizes = parts.map((part) => Buffer.byteLength(part.Body as Buffer));
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(count * rowBytes);
    expect(Math.max(...sizes)).toBe(PART_SIZE_BYTES);
    const completed = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(completed).toMatchObject({ Bucket: BUCKET, Key: key, UploadId: 'upload-1' });
    expect(completed?.MultipartUpload?.Parts).toHaveLength(3);
  });

  it('answers a presigned GET of that object, expiring in 5 minutes, downloading as an attachment with the file name', async () => {
    const link = await store().store({ scope: 'inv-9', fileName: 'statement-c-9-2026-02.csv', contentType: 'text/csv; charset=utf-8', chunks: rows(3, 64) });

    const url = new URL(link.downloadUrl);
    expect(url.hostname).toBe(`${BUCKET}.s3.eu-west-1.amazonaws.com`);
    expect(url.pathname).toBe('/statements/inv-9/r-1/statement-c-9-2026-02.csv');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260301T100000Z');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get('response-content-disposition')).toBe('attachment; filename="statement-c-9-2026-02.csv"');
    expect(link.expiresAt).toBe('2026-03-01T10:05:00.000Z');
    // A small statement is one PutObject of the whole CSV.
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: 'statements/inv-9/r-1/statement-c-9-2026-02.csv' });
  });

  it('reports S3 failing as a retryable infrastructure error and aborts the upload, leaving no parts', async () => {
    s3.on(UploadPartCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    s3.on(AbortMultipartUploadCommand).resolves({});
    const failed = store().store({ scope: 'inv-1', fileName: 'statement.csv', contentType: 'text/csv', chunks: rows(7 * 1024, 1024) });

    await expect(failed).rejects.toBeInstanceOf(InfrastructureError);
    await expect(failed).rejects.toMatchObject({ retryable: true, operation: 'S3 Upload' });
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({ Bucket: BUCKET, UploadId: 'upload-1' });
  });

  it('lets the statement’s own failure through with its type', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield 'header\n';
      throw new ConsoleNotFoundError('invoice', 'inv-gone');
    }
    await expect(store().store({ scope: 'inv-gone', fileName: 'statement.csv', contentType: 'text/csv', chunks: failing() })).rejects.toBeInstanceOf(ConsoleNotFoundError);
  });
});
