import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ChatSocket } from '../realtime/chat-socket';
import { ContractError } from '../common/contract-error';
import { RateLimitReporter } from './rate-limit.reporter';
import { BudgetDecision, SocketEventBudget } from './socket-event-budget';

const IS_OUTSIDE_BUDGET = 'socket-event-outside-budget';
/** For an event that must not wait on the shared budget; it needs a limit of its own. */
export const OutsideSocketBudget = () => SetMetadata(IS_OUTSIDE_BUDGET, true);

/**
 * One budget of socket events per user, shared by all of the user's connections on every node. Over it, the
 * event is not handled and the exception filter acks `rate_limited` with `details.retryAfterMs`.
 * On the hot path of every event: no Redis round trip while this node holds a slice of the user's budget.
 */
@Injectable()
export class WsThrottlerGuard implements CanActivate {
  constructor(
    private readonly budget: SocketEventBudget,
    private readonly limits: RateLimitReporter,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.budget.isEnabled || this.reflector.get<boolean>(IS_OUTSIDE_BUDGET, context.getHandler())) return true;
    const userId = context.switchToWs().getClient<ChatSocket>().data.user.id;
    const decision = this.budget.spend(userId);
    return decision instanceof Promise ? decision.then((settled) => this.admit(settled, userId)) : this.admit(decision, userId);
  }

  private admit(decision: BudgetDecision, userId: string): boolean {
    if (decision.allowed) return true;
    this.limits.refused('socket_events', { userId }, decision.retryAfterMs);
    throw new ContractError('rate_limited', 'too many events: slow down', { retryAfterMs: decision.retryAfterMs });
  }
}
