import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { essence, isAllowedType, MAX_ATTACHMENTS_PER_MESSAGE, sanitizeFilename } from './attachment-rules';
import { ATTACHMENT_STORAGE } from './attachment-storage';
import type { AttachmentStorage, StoredObject } from './attachment-storage';
import { AttachmentRepository } from './attachment.repository';
import { LocalAttachmentStorage } from './local-attachment.storage';

export interface AttachmentDeclaration {
  filename: string;
  contentType: string;
  size: number;
}

export interface UploadTicket {
  attachmentId: string;
  uploadUrl: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: number;
}

/** An attachment as a message stores it (without url) and serves it (with a fresh url). */
export type MessageAttachment = StoredObject;
export interface ServedAttachment extends MessageAttachment {
  url: string;
}

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Attachments: a client declares a file, uploads it straight to storage through a signed link, then names it in
 * a message. Unknown ids, ids of another user or room (`not_found`, the same answer, so that ids cannot be
 * probed) and files not uploaded yet (`validation_failed`) are refused.
 */
@Injectable()
export class AttachmentService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Attachments');
  private readonly settings: AppConfig['attachments'];
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly repository: AttachmentRepository,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = config.attachments;
  }

  onModuleInit(): void {
    this.logger.log(`attachments stored ${this.storage.kind === 's3' ? 'in the S3 bucket' : 'on local disk (single node or shared volume)'}`);
    if (this.storage instanceof LocalAttachmentStorage) {
      const storage = this.storage;
      const sweep = () => storage.sweep(this.abandonedAfterMs()).catch((error: Error) => this.logger.warn(`upload sweep failed: ${error.message}`));
      this.sweepTimer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS).unref();
      void sweep();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  async create(userId: string, room: string, declaration: AttachmentDeclaration): Promise<UploadTicket> {
    const { maxBytes, quotaBytes, allowedTypes, uploadUrlTtlSec } = this.settings;
    if (!Number.isSafeInteger(declaration.size) || declaration.size < 1) {
      throw new ContractError('validation_failed', 'size must be a whole number of bytes, at least 1');
    }
    if (declaration.size > maxBytes) {
      throw new ContractError('payload_too_large', `attachments are at most ${maxBytes} bytes`, { maxBytes });
    }
    if (!isAllowedType(declaration.contentType, allowedTypes)) {
      throw new ContractError('validation_failed', `content type ${declaration.contentType} is not accepted`, { allowedTypes });
    }
    const object: StoredObject = {
      id: randomBytes(16).toString('base64url'),
      filename: sanitizeFilename(declaration.filename),
      contentType: essence(declaration.contentType),
      size: declaration.size,
    };
    const now = Date.now();
    // counted when declared, whether or not the upload follows: a declaration is what holds storage open
    if (quotaBytes > 0 && !(await this.repository.chargeDailyQuota(userId, object.size, quotaBytes, now))) {
      throw new ContractError('payload_too_large', `attachments are at most ${quotaBytes} bytes per user per day (UTC)`, { quotaBytes });
    }
    const expiresAt = now + uploadUrlTtlSec * 1000;
    await this.repository.create(room, { ...object, owner: userId, state: 'pending', createdAt: now }, Math.ceil(this.abandonedAfterMs() / 1000));
    const link = await this.guard(this.storage.uploadLink(object, expiresAt));
    return { attachmentId: object.id, uploadUrl: link.url, method: 'PUT', headers: link.headers, expiresAt };
  }

  /**
   * The attachments of a message about to be sent, with download links; claims them so that they outlive the
   * abandoned-upload sweep. Naming the same ids again (a retried send) succeeds again.
   */
  async resolveForMessage(userId: string, room: string, attachmentIds: string[]): Promise<ServedAttachment[]> {
    const ids = [...new Set(attachmentIds)];
    if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) {
      throw new ContractError('validation_failed', `a message carries at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`);
    }
    if (ids.length === 0) return [];
    const records = await this.repository.find(room, ids);
    const objects: StoredObject[] = [];
    for (const [index, record] of records.entries()) {
      if (!record || record.owner !== userId) throw attachmentNotFound(ids[index]);
      const object = { id: record.id, filename: record.filename, contentType: record.contentType, size: record.size };
      if (record.state === 'pending') {
        if (!(await this.guard(this.storage.isUploaded(object)))) {
          throw new ContractError('validation_failed', `attachment ${record.id} is not uploaded yet`, { attachmentId: record.id });
        }
        await this.guard(this.storage.keep(object));
      }
      objects.push(object);
    }
    const unclaimed = await this.repository.attach(room, userId, ids);
    if (unclaimed) throw attachmentNotFound(unclaimed);
    return this.urlsFor(objects);
  }

  /** Fresh download links for attachments as a message stores them, for every time messages are served. */
  urlsFor(attachments: MessageAttachment[]): Promise<ServedAttachment[]> {
    const expiresAt = Date.now() + this.settings.downloadUrlTtlSec * 1000;
    return this.guard(
      Promise.all(attachments.map(async (attachment) => ({ ...attachment, url: await this.storage.downloadLink(attachment, expiresAt) }))),
    );
  }

  /** For deleted and trimmed messages: the files and their metadata go. */
  async remove(room: string, attachmentIds: string[]): Promise<void> {
    if (attachmentIds.length === 0) return;
    await this.guard(this.storage.remove(attachmentIds));
    await this.repository.remove(room, attachmentIds);
  }

  /** An upload link outlives its expiry by the pending TTL before the sweep takes the file. */
  private abandonedAfterMs(): number {
    return (this.settings.uploadUrlTtlSec + this.settings.pendingTtlSec) * 1000;
  }

  /** Storage trouble is the client's `unavailable`, like Redis trouble. */
  private async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      this.logger.warn(`attachment storage failed: ${(error as Error).message}`);
      throw new ContractError('unavailable', 'attachment storage is unavailable; retry later');
    }
  }
}

function attachmentNotFound(id: string): ContractError {
  return new ContractError('not_found', `attachment ${id} not found`, { attachmentId: id });
}
