import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Connection } from '../common/connection';
import { ContractError } from '../common/contract-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { essence, isAllowedType, MAX_ATTACHMENTS_PER_MESSAGE, sanitizeFilename } from './attachment-rules';
import { ATTACHMENT_STORAGE } from './attachment-storage';
import type { AttachmentStorage, StoredObject } from './attachment-storage';
import { AttachmentRepository, ClaimedAttachment } from './attachment.repository';
import { LocalAttachmentStorage } from './local-attachment.storage';
import { AccessPolicy } from '../rooms/access-policy';

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
/** Claimed attachments checked per sweep call, and calls per sweep: bounds one node's hourly work. */
const CLAIMED_BATCH = 500;
const CLAIMED_BATCHES_PER_SWEEP = 20;
/**
 * A claimed attachment is checked again this long before its metadata would expire, so that a room renewed since
 * renews it in time; a day later when it does not expire or the room still has messages.
 */
const RENEWAL_MARGIN_MS = 2 * SWEEP_INTERVAL_MS;
const RECHECK_UNEXPIRING_MS = 86_400_000;

/**
 * Attachments: a client declares a file, uploads it straight to storage through a signed link, then names it in
 * a message. Unknown ids, ids of another user or room (`not_found`, the same answer, so that ids cannot be
 * probed) and files not uploaded yet (`validation_failed`) are refused.
 */
@Injectable()
export class AttachmentService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Attachments');
  private readonly settings: AppConfig['attachments'];
  private readonly roomLifetimeMs: number;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly repository: AttachmentRepository,
    @Inject(ATTACHMENT_STORAGE) private readonly storage: AttachmentStorage,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly access: AccessPolicy,
  ) {
    this.settings = config.attachments;
    this.roomLifetimeMs = config.roomIdleTtlDays * 86_400_000;
  }

  onModuleInit(): void {
    this.logger.log(`attachments stored ${this.storage.kind === 's3' ? 'in the S3 bucket' : 'on local disk (single node or shared volume)'}`);
    const storage = this.storage;
    const sweep = () => {
      if (storage instanceof LocalAttachmentStorage) {
        storage.sweep(this.abandonedAfterMs()).catch((error: Error) => this.logger.warn(`upload sweep failed: ${error.message}`));
      }
      this.sweepExpiredRooms().catch((error: Error) => this.logger.warn(`sweep of attachments of expired rooms failed: ${error.message}`));
    };
    this.sweepTimer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
    sweep();
  }

  /**
   * Files of rooms whose keys expired (ROOM_IDLE_TTL_DAYS after their last message) go: each claimed attachment is
   * checked when due; its metadata follows its room's renewals, and once both the metadata and the room's messages
   * are gone, the file and the entry go. Metadata gone while the room still has messages leaves the file (it may
   * still be named by a message) until the room goes too. Every node sweeps every SWEEP_INTERVAL_MS; each step is
   * idempotent, so nodes sweeping together only repeat work. A file goes within about two sweep intervals of its
   * room's expiry. Returns how many files went.
   */
  async sweepExpiredRooms(now = Date.now()): Promise<number> {
    let removed = 0;
    for (let batch = 0; batch < CLAIMED_BATCHES_PER_SWEEP; batch++) {
      const due = await this.repository.dueClaimed(now, CLAIMED_BATCH);
      for (const attachment of due) removed += await this.checkClaimed(attachment, now);
      if (due.length < CLAIMED_BATCH) break;
    }
    return removed;
  }

  private async checkClaimed(attachment: ClaimedAttachment, now: number): Promise<number> {
    const { metadataTtlMs, streamTtlMs } = await this.repository.renewClaimed(attachment);
    if (metadataTtlMs === -2 && streamTtlMs === -2) {
      await this.storage.remove([attachment.id]);
      await this.repository.forgetClaimed(attachment);
      return 1;
    }
    const nextCheck = metadataTtlMs > 0 ? Math.max(metadataTtlMs - RENEWAL_MARGIN_MS, SWEEP_INTERVAL_MS) : RECHECK_UNEXPIRING_MS;
    await this.repository.checkClaimedAgainAt(attachment, now + nextCheck);
    return 0;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** `attachment:create`: joined rooms only, as for sending, since an attachment exists to be sent. */
  declare(connection: Connection, room: string, declaration: AttachmentDeclaration): Promise<UploadTicket> {
    this.access.requireAccess(connection, 'room.write', room);
    return this.create(connection.user.id, room, declaration);
  }

  /** The upload ticket of a declaration already allowed. */
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
    const unclaimed = await this.repository.attach(room, userId, ids, this.roomLifetimeMs, Date.now() + SWEEP_INTERVAL_MS);
    if (unclaimed) throw attachmentNotFound(unclaimed);
    return this.urlsFor(objects);
  }

  /** Fresh download links for attachments as a message stores them, for every time messages are served. */
  urlsFor(attachments: MessageAttachment[]): Promise<ServedAttachment[]> {
    const expiresAt = Date.now() + this.settings.downloadUrlTtlSec * 1000;
    return this.guard(Promise.all(attachments.map(async (attachment) => ({ ...attachment, url: await this.storage.downloadLink(attachment, expiresAt) }))));
  }

  /** A message deleted under a legal hold keeps its attachments: their metadata no longer expires with the room. */
  async keepForHold(room: string, attachmentIds: string[]): Promise<void> {
    if (attachmentIds.length > 0) await this.repository.keepForHold(room, attachmentIds);
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
