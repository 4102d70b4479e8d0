import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AttachmentService } from '../../src/attachments/attachment.service';
import { AttachmentsModule } from '../../src/attachments/attachments.module';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { RedisModule } from '../../src/redis/redis.module';
import { TEST_JWT_SECRET } from './tokens';

export interface AttachmentContext {
  readonly attachments: AttachmentService;
  close(): Promise<void>;
}

/**
 * The attachments module as a node wires it (configuration from the environment, the node's Redis clients),
 * in the test process: until a socket event reaches it, this is how a test creates and claims attachments.
 */
export async function startAttachmentContext(env: Record<string, string>): Promise<AttachmentContext> {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, ...env });
  @Module({ imports: [ConfigModule.forRoot(config), RedisModule, AttachmentsModule] })
  class AttachmentTestModule {}
  const app = await NestFactory.createApplicationContext(AttachmentTestModule, { logger: false });
  return { attachments: app.get(AttachmentService), close: () => app.close() };
}
