import { Logger } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AppEvents } from './app-events.service';

describe('AppEvents', () => {
  const events = () => new AppEvents({} as DiscoveryService, {} as MetadataScanner, {} as Reflector);
  const deletion = { room: 'general', messageId: '1-0', by: 'alice' };

  it('calls every listener at once, in order, and resolves only once the promises they returned settled', async () => {
    const bus = events();
    const calls: string[] = [];
    let release!: () => void;
    bus.on('message.deleted', () => void calls.push('first'));
    bus.on('message.deleted', () => new Promise<void>((resolve) => (release = () => (calls.push('second settled'), resolve()))));
    const emitted = bus.emit('message.deleted', deletion).then(() => calls.push('emit resolved'));
    expect(calls).toEqual(['first']);
    await Promise.resolve();
    expect(calls).toEqual(['first']);
    release();
    await emitted;
    expect(calls).toEqual(['first', 'second settled', 'emit resolved']);
  });

  it('logs a listener that throws or rejects, still calls the others, and never rejects', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const bus = events();
    const reached: string[] = [];
    bus.on('message.deleted', () => {
      throw new Error('thrown');
    });
    bus.on('message.deleted', () => Promise.reject(new Error('rejected')));
    bus.on('message.deleted', (payload) => void reached.push(payload.messageId));
    await expect(bus.emit('message.deleted', deletion)).resolves.toBeUndefined();
    expect(reached).toEqual(['1-0']);
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'a listener of message.deleted failed: Error: thrown',
      'a listener of message.deleted failed: Error: rejected',
    ]);
    warn.mockRestore();
  });

  it('resolves at once for an event nobody listens to', async () => {
    await expect(events().emit('message.deleted', deletion)).resolves.toBeUndefined();
  });
});
