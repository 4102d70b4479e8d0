/**
 * The shared per-user budget of client events, supplied by the application (throttling/) under
 * `EVENT_BUDGET`, so that realtime/ applies it without depending on who implements it. `spend` answers
 * synchronously while a node holds a slice of the budget: on the hot path of every event.
 */
export interface EventBudget {
  readonly isEnabled: boolean;
  /** `isAdmission`: see `ClientEventOptions.isAdmission`. */
  spend(userId: string, isAdmission?: boolean): EventBudgetDecision | Promise<EventBudgetDecision>;
  /** Told of every refusal, for metrics and the audit trail. */
  refused(userId: string, retryAfterMs: number): void;
}

export type EventBudgetDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export const EVENT_BUDGET = Symbol('EventBudget');
