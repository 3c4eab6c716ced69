// Statement files in AWS: the CSV is streamed into a private S3 object as a
// multipart upload (parts of PART_SIZE_BYTES, so a statement of any length is
// never held whole in memory) and handed out as a presigned GET that expires
// within minutes and downloads as an attachment. The bucket expires objects
// after a day (lib/constructs/console-hosting.ts); nothing reads them again.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InfrastructureError } from '../../application/errors';
import { EngineError } from '../../domain/errors/engine-error';
import type { StatementFileStore, StoredFileLink } from '../../application/console/ports';

/** Where the bucket's name comes from. */
export const STATEMENT_BUCKET_NAME_ENV = 'STATEMENT_BUCKET_NAME';
/** Long enough to start the download after the click, short enough that a leaked link soon stops working. */
export const STATEMENT_LINK_TTL_SECONDS = 300;
/** S3's smallest multipart part: what the upload holds in memory per part. */
export const PART_SIZE_BYTES = 5 * 1024 * 1024;
/** Parts in flight at once: memory stays near PART_SIZE_BYTES × (this + 1). */
const UPLOAD_QUEUE_SIZE = 2;

export interface S3StatementFileStoreOptions {
  readonly client: S3Client;
  readonly bucketName: string;
  /** @default STATEMENT_LINK_TTL_SECONDS */
  readonly linkTtlSeconds?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default randomUUID */
  readonly randomId?: () => string;
}

/** The object's key: under the invoice (URL-encoded, ids hold `#`) and a random id, ending in the file's name. */
export function statementObjectKey(scope: string, id: string, fileName: string): string {
  return `statements/${encodeURIComponent(scope)}/${id}/${fileName}`;
}

export class S3StatementFileStore implements StatementFileStore {
  readonly #client: S3Client;
  readonly #bucketName: string;
  readonly #linkTtlSeconds: number;
  readonly #now: () => Date;
  readonly #randomId: () => string;

  constructor(options: S3StatementFileStoreOptions) {
    this.#client = options.client;
    this.#bucketName = options.bucketName;
    this.#linkTtlSeconds = options.linkTtlSeconds ?? STATEMENT_LINK_TTL_SECONDS;
    this.#now = options.now ?? (() => new Date());
    this.#randomId = options.randomId ?? randomUUID;
  }

  async store(file: { scope: string; fileName: string; contentType: string; chunks: AsyncIterable<string> }): Promise<StoredFileLink> {
    const key = statementObjectKey(file.scope, this.#randomId(), file.fileName);
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucketName, Key: key, ContentType: file.contentType, Body: Readable.from(utf8(file.chunks)) },
      partSize: PART_SIZE_BYTES,
      queueSize: UPLOAD_QUEUE_SIZE,
      // A failed upload leaves no parts behind to be billed for.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      // The statement's own failure (reading the ledger) keeps its type; only S3's is wrapped.
      if (error instanceof EngineError) throw error;
      throw new InfrastructureError(`S3 could not store the statement ${file.fileName} in ${this.#bucketName}; retry later`, { operation: 'S3 Upload', cause: error });
    }
    const issuedAt = this.#now();
    const downloadUrl = await getSignedUrl(
      this.#client,
      new GetObjectCommand({
        Bucket: this.#bucketName,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${file.fileName}"`,
        ResponseContentType: file.contentType,
      }),
      { expiresIn: this.#linkTtlSeconds, signingDate: issuedAt },
    );
    return { downloadUrl, expiresAt: new Date(issuedAt.getTime() + this.#linkTtlSeconds * 1000).toISOString() };
  }
}

async function* utf8(chunks: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk, 'utf8');
}
