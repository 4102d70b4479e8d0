import { NodeCapacity } from './node-capacity';

describe('NodeCapacity', () => {
  it('admits handshakes until connections and handshakes being checked reach the limit, and again once one ends', () => {
    let connected = 1;
    const capacity = new NodeCapacity(3, () => connected);
    expect(capacity.tryReserve()).toBe(true);
    expect(capacity.tryReserve()).toBe(true);
    // two handshakes still being checked hold their places: a third arriving with them is refused
    expect(capacity.open).toBe(3);
    expect(capacity.tryReserve()).toBe(false);
    capacity.release();
    connected = 2;
    expect(capacity.tryReserve()).toBe(false);
    capacity.release();
    expect(capacity.open).toBe(2);
    expect(capacity.tryReserve()).toBe(true);
  });

  it('admits every handshake with the limit 0', () => {
    const capacity = new NodeCapacity(0, () => 1_000_000);
    expect(capacity.tryReserve()).toBe(true);
    expect(capacity.open).toBe(1_000_001);
  });
});
