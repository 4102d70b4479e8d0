import { drainSpreadMs } from './graceful-shutdown';

describe('drainSpreadMs', () => {
  it('spreads over DRAIN_SPREAD_MS when it fits inside SHUTDOWN_TIMEOUT_MS with a quarter left for closing', () => {
    expect(drainSpreadMs({ drainSpreadMs: 5000, shutdownTimeoutMs: 8000 }, 30)).toBe(5000);
  });

  it('shortens the spread to what the deadline leaves after the in-flight wait and the closing reserve', () => {
    expect(drainSpreadMs({ drainSpreadMs: 5000, shutdownTimeoutMs: 8000 }, 4000)).toBe(2000);
    expect(drainSpreadMs({ drainSpreadMs: 30_000, shutdownTimeoutMs: 8000 }, 0)).toBe(6000);
  });

  it('closes at once when nothing is left, or when asked to', () => {
    expect(drainSpreadMs({ drainSpreadMs: 5000, shutdownTimeoutMs: 8000 }, 7000)).toBe(0);
    expect(drainSpreadMs({ drainSpreadMs: 0, shutdownTimeoutMs: 8000 }, 0)).toBe(0);
  });
});
