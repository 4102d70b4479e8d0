import { Module, Provider } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ATTACHMENT_STORAGE } from './attachment-storage';
import { AttachmentGateway } from './attachment.gateway';
import { AttachmentRepository } from './attachment.repository';
import { MessagePresenter } from './message-presenter';
import { AttachmentService } from './attachment.service';
import { LocalAttachmentStorage } from './local-attachment.storage';
import { S3AttachmentStorage } from './s3-attachment.storage';
import { UploadsController } from './uploads.controller';
import { RoomsModule } from '../rooms/rooms.module';

/** The service with what it needs but the rooms module, without transports: the module below, and tests that drive the service. */
export const ATTACHMENT_SERVICE_PROVIDERS: Provider[] = [
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
];

@Module({
  imports: [RoomsModule],
  controllers: [UploadsController],
  providers: [...ATTACHMENT_SERVICE_PROVIDERS, MessagePresenter, AttachmentGateway],
  exports: [AttachmentService, MessagePresenter],
})
export class AttachmentsModule {}
