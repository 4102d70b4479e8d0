import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3StorageConfig } from '../config/app-config';
import { AttachmentStorage, StoredObject, UploadLink } from './attachment-storage';

/** Objects are tagged pending at upload and attached once sent: a lifecycle rule expires the pending ones. */
export const PENDING_TAG = 'state=pending';
const ATTACHED_TAG = { Key: 'state', Value: 'attached' };
const KEY_PREFIX = 'attachments/';

/**
 * An S3-compatible bucket. Clients upload and download with presigned links; the PUT signs Content-Type,
 * Content-Length and the pending tag as headers, so the store refuses any other size, type or tag.
 */
export class S3AttachmentStorage implements AttachmentStorage {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly config: S3StorageConfig) {
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // by default the SDK signs a CRC32 of the empty body into a presigned PUT, and S3 then refuses the real bytes
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  }

  async uploadLink(object: StoredObject, expiresAt: number): Promise<UploadLink> {
    const command = new PutObjectCommand({
      Bucket: this.config.bucket,
      Key: keyOf(object.id),
      ContentType: object.contentType,
      ContentLength: object.size,
      Tagging: PENDING_TAG,
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: secondsUntil(expiresAt),
      // kept as signed headers rather than moved into the query, so the store checks what the client sends
      signableHeaders: new Set(['content-type', 'content-length', 'x-amz-tagging']),
      unhoistableHeaders: new Set(['x-amz-tagging']),
    });
    return { url, headers: { 'Content-Type': object.contentType, 'x-amz-tagging': PENDING_TAG } };
  }

  async downloadLink(object: StoredObject, expiresAt: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.config.bucket,
      Key: keyOf(object.id),
      ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(object.filename)}`,
    });
    return getSignedUrl(this.client, command, { expiresIn: secondsUntil(expiresAt) });
  }

  async isUploaded(object: StoredObject): Promise<boolean> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: keyOf(object.id) }));
      return head.ContentLength === object.size;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  async keep(object: StoredObject): Promise<void> {
    await this.client.send(new PutObjectTaggingCommand({ Bucket: this.config.bucket, Key: keyOf(object.id), Tagging: { TagSet: [ATTACHED_TAG] } }));
  }

  async remove(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: keyOf(id) }))));
  }
}

function keyOf(id: string): string {
  return KEY_PREFIX + id;
}

/** SigV4 links live at most seven days. */
function secondsUntil(expiresAt: number): number {
  return Math.min(7 * 86_400, Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)));
}
