import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ChatModule } from '../chat/chat.module';
import { ServerApiController } from './server-api.controller';
import { ServerApiService } from './server-api.service';
import { ServerAuthGuard } from './server-auth.guard';
import { ThrottlingModule } from '../throttling/throttling.module';

/** The server API under /server: backend services publish, broadcast, notify, read presence and disconnect users. */
@Module({
  imports: [AuthModule, AuditModule, ChatModule, ThrottlingModule],
  controllers: [ServerApiController],
  providers: [ServerApiService, ServerAuthGuard],
})
export class ServerApiModule {}
