import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AttachmentService } from '../../src/attachments/attachment.service';
import { ATTACHMENT_SERVICE_PROVIDERS } from '../../src/attachments/attachments.module';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { RedisModule } from '../../src/redis/redis.module';
import { RoomsModule } from '../../src/rooms/rooms.module';
import { TEST_JWT_SECRET } from './tokens';

export interface AttachmentContext {
  readonly attachments: AttachmentService;
  close(): Promise<void>;
}

/**
 * The attachment service wired as a node wires it (configuration from the environment, the node's Redis clients,
 * the same storage choice), in the test process: until `message:send` reaches it, this is how a test claims
 * attachments.
 */
export async function startAttachmentContext(env: Record<string, string>): Promise<AttachmentContext> {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, ...env });
  @Module({ imports: [ConfigModule.forRoot(config), RedisModule, RoomsModule], providers: ATTACHMENT_SERVICE_PROVIDERS })
  class AttachmentTestModule {}
  const app = await NestFactory.createApplicationContext(AttachmentTestModule, { logger: false });
  return { attachments: app.get(AttachmentService), close: () => app.close() };
}
