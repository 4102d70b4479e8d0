import { compare } from 'bcryptjs';

/** Failed sign-ins an address may make in one window before it is locked out for the rest of it. */
export const ADMIN_UI_FAILURES_ALLOWED = 5;
export const ADMIN_UI_LOCKOUT_WINDOW_MS = 15 * 60_000;
/** What a refused concurrent check is told to wait: about one bcrypt check at cost 12. */
const BUSY_RETRY_AFTER_MS = 1000;
/** Past this many remembered addresses, those whose window ended are forgotten. */
const REMEMBERED_ADDRESSES_SWEEP_AT = 10_000;

export type AdminUiVerdict =
  { isAccepted: true } | { isAccepted: false; reason: 'invalid_credentials' } | { isAccepted: false; reason: 'locked_out' | 'busy'; retryAfterMs: number };

interface Failures {
  count: number;
  windowEndsAt: number;
}

export interface AdminUiCredentials {
  username: string;
  passwordHash: string;
}

/**
 * The admin UI's password check, which is bcrypt on the event loop (about 310 ms at cost 12, during which the node
 * serves nobody): at most one check runs at a time, a sign-in that arrives meanwhile is refused `busy` rather than
 * queued (a queue would only defer the same CPU), and an address that failed ADMIN_UI_FAILURES_ALLOWED times in a
 * window is refused without a check until the window ends. Counted per node: each node's event loop is what a
 * guess costs, and N nodes allow N times the guesses of one (docs/SECURITY.md).
 */
export class AdminUiGate {
  private readonly failures = new Map<string, Failures>();
  private isChecking = false;

  constructor(
    private readonly credentials: AdminUiCredentials,
    private readonly isPasswordOf: (password: string, hash: string) => Promise<boolean> = compare,
    private readonly now: () => number = Date.now,
  ) {}

  async check(address: string, username: string, password: string): Promise<AdminUiVerdict> {
    const now = this.now();
    const failures = this.failures.get(address);
    if (failures && failures.windowEndsAt <= now) this.failures.delete(address);
    else if (failures && failures.count >= ADMIN_UI_FAILURES_ALLOWED)
      return { isAccepted: false, reason: 'locked_out', retryAfterMs: failures.windowEndsAt - now };
    if (this.isChecking) return { isAccepted: false, reason: 'busy', retryAfterMs: BUSY_RETRY_AFTER_MS };
    this.isChecking = true;
    let isAccepted: boolean;
    try {
      // the hash is checked whatever the username, so that the time taken does not tell a right username apart
      isAccepted = (await this.isPasswordOf(password, this.credentials.passwordHash)) && username === this.credentials.username;
    } finally {
      this.isChecking = false;
    }
    if (isAccepted) {
      this.failures.delete(address);
      return { isAccepted: true };
    }
    this.recordFailure(address, this.now());
    return { isAccepted: false, reason: 'invalid_credentials' };
  }

  private recordFailure(address: string, now: number): void {
    const failures = this.failures.get(address);
    if (failures && failures.windowEndsAt > now) {
      failures.count += 1;
      return;
    }
    if (this.failures.size >= REMEMBERED_ADDRESSES_SWEEP_AT) {
      for (const [remembered, { windowEndsAt }] of this.failures) if (windowEndsAt <= now) this.failures.delete(remembered);
    }
    this.failures.set(address, { count: 1, windowEndsAt: now + ADMIN_UI_LOCKOUT_WINDOW_MS });
  }
}
