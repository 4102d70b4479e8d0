import { Injectable } from '@nestjs/common';
import { AccessRepository } from './access.repository';
import { AuthUser } from './auth-user';
import { SessionService } from './session.service';
import { ContractError } from '../common/contract-error';

@Injectable()
export class AuthService {
  constructor(
    private readonly access: AccessRepository,
    private readonly sessions: SessionService,
  ) {}

  async logout(user: AuthUser): Promise<void> {
    if (!user.tokenId) throw new ContractError('validation_failed', 'this token has no jti claim, so it cannot be revoked on its own');
    await this.access.revokeToken(user.tokenId, user.expiresAtSec);
    this.sessions.endTokenSessions(user.tokenId, 'logout');
  }
}
