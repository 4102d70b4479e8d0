import { Module } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ATTACHMENT_STORAGE } from './attachment-storage';
import { AttachmentRepository } from './attachment.repository';
import { AttachmentService } from './attachment.service';
import { LocalAttachmentStorage } from './local-attachment.storage';
import { S3AttachmentStorage } from './s3-attachment.storage';
import { UploadsController } from './uploads.controller';

@Module({
  controllers: [UploadsController],
  providers: [
    {
      provide: ATTACHMENT_STORAGE,
      inject: [APP_CONFIG],
      useFactory: ({ attachments, dataDir }: AppConfig) =>
        attachments.s3
          ? new S3AttachmentStorage(attachments.s3)
          : new LocalAttachmentStorage(join(dataDir, 'uploads'), attachments.publicUrl, attachments.signingSecret),
    },
    AttachmentRepository,
    AttachmentService,
  ],
  exports: [AttachmentService],
})
export class AttachmentsModule {}
