import { Injectable } from '@nestjs/common';
import { AccessRepository } from './access.repository';
import { AuthUser } from '../common/auth-user';
import { SessionService } from './session.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly access: AccessRepository,
    private readonly sessions: SessionService,
  ) {}

  async logout(user: AuthUser): Promise<void> {
    await this.access.revokeToken(user.tokenId, user.expiresAtSec);
    await this.sessions.endTokenSessions(user.tokenId, 'logout');
  }
}
