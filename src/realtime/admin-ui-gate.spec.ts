import { ADMIN_UI_FAILURES_ALLOWED, ADMIN_UI_LOCKOUT_WINDOW_MS, AdminUiGate } from './admin-ui-gate';

const CREDENTIALS = { username: 'ops', passwordHash: '$2b$12$hash' };

/** A gate whose password checks the test answers one by one, as bcrypt would later, on a clock the test moves. */
function gateWithPendingChecks() {
  const pending: { password: string; answer: (isMatch: boolean) => void }[] = [];
  let now = 1_000_000;
  const gate = new AdminUiGate(
    CREDENTIALS,
    (password) => new Promise<boolean>((answer) => pending.push({ password, answer })),
    () => now,
  );
  const answerNext = () => {
    const check = pending.shift()!;
    check.answer(check.password === 'right');
  };
  const attempt = async (address: string, password: string, username = 'ops') => {
    const verdict = gate.check(address, username, password);
    await Promise.resolve();
    if (pending.length > 0) answerNext();
    return verdict;
  };
  return { gate, pending, answerNext, attempt, advance: (ms: number) => (now += ms) };
}

describe('AdminUiGate', () => {
  it('runs one password check at a time and refuses a sign-in that arrives meanwhile as busy, without checking it', async () => {
    const { gate, pending, answerNext } = gateWithPendingChecks();
    const first = gate.check('10.0.0.1', 'ops', 'right');
    await expect(gate.check('10.0.0.2', 'ops', 'guess')).resolves.toEqual({ isAccepted: false, reason: 'busy', retryAfterMs: expect.any(Number) });
    expect(pending).toHaveLength(1);
    answerNext();
    await expect(first).resolves.toEqual({ isAccepted: true });
    const next = gate.check('10.0.0.2', 'ops', 'guess');
    expect(pending).toHaveLength(1);
    answerNext();
    await expect(next).resolves.toEqual({ isAccepted: false, reason: 'invalid_credentials' });
  });

  it('locks an address out without a check after 5 failures in 15 minutes, the right password included, and only that address', async () => {
    const { attempt, pending, advance } = gateWithPendingChecks();
    for (let i = 0; i < ADMIN_UI_FAILURES_ALLOWED; i++)
      expect(await attempt('10.0.0.1', `guess-${i}`)).toEqual({ isAccepted: false, reason: 'invalid_credentials' });
    advance(60_000);
    expect(await attempt('10.0.0.1', 'right')).toEqual({ isAccepted: false, reason: 'locked_out', retryAfterMs: ADMIN_UI_LOCKOUT_WINDOW_MS - 60_000 });
    expect(pending).toHaveLength(0);
    expect(await attempt('10.0.0.9', 'right')).toEqual({ isAccepted: true });
    advance(ADMIN_UI_LOCKOUT_WINDOW_MS - 60_000);
    expect(await attempt('10.0.0.1', 'right')).toEqual({ isAccepted: true });
  });

  it('counts a wrong username as a failure although the password matched, and a success clears the count', async () => {
    const { attempt } = gateWithPendingChecks();
    expect(await attempt('10.0.0.1', 'right', 'root')).toEqual({ isAccepted: false, reason: 'invalid_credentials' });
    for (let i = 0; i < ADMIN_UI_FAILURES_ALLOWED - 2; i++) await attempt('10.0.0.1', 'guess');
    expect(await attempt('10.0.0.1', 'right')).toEqual({ isAccepted: true });
    for (let i = 0; i < ADMIN_UI_FAILURES_ALLOWED - 1; i++) await attempt('10.0.0.1', 'guess');
    expect(await attempt('10.0.0.1', 'right')).toEqual({ isAccepted: true });
  });

  it('is free again after a check that threw', async () => {
    const gate = new AdminUiGate(CREDENTIALS, () => Promise.reject(new Error('Illegal arguments')));
    await expect(gate.check('10.0.0.1', 'ops', 'x')).rejects.toThrow('Illegal arguments');
    await expect(gate.check('10.0.0.1', 'ops', 'x')).rejects.toThrow('Illegal arguments');
  });
});
