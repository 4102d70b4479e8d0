import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { ContractError } from '../common/contract-error';
import type { ChatSocket } from './chat-socket';
import { EVENT_BUDGET, IS_OUTSIDE_EVENT_BUDGET } from './event-budget';
import type { EventBudget, EventBudgetDecision } from './event-budget';

/**
 * One budget of client events per user, shared by all of the user's connections on every node. Over it, the
 * event is not handled and the ack is `rate_limited` with `details.retryAfterMs`. With the limit at 0 nothing
 * is asked of the budget at all.
 */
@Injectable()
export class EventBudgetGuard implements CanActivate {
  private budgetInstance?: EventBudget;

  constructor(
    private readonly modules: ModuleRef,
    private readonly reflector: Reflector,
  ) {}

  /** Looked up once, application-wide: whichever module provides `EVENT_BUDGET`, no handler module imports it. */
  private get budget(): EventBudget {
    return (this.budgetInstance ??= this.modules.get<EventBudget>(EVENT_BUDGET, { strict: false }));
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.budget.isEnabled || this.reflector.get<boolean>(IS_OUTSIDE_EVENT_BUDGET, context.getHandler())) return true;
    const userId = context.switchToWs().getClient<ChatSocket>().data.user.id;
    const decision = this.budget.spend(userId);
    return decision instanceof Promise ? decision.then((settled) => this.admit(settled, userId)) : this.admit(decision, userId);
  }

  private admit(decision: EventBudgetDecision, userId: string): boolean {
    if (decision.allowed) return true;
    this.budget.refused(userId, decision.retryAfterMs);
    throw new ContractError('rate_limited', 'too many events: slow down', { retryAfterMs: decision.retryAfterMs });
  }
}
