import { Logger } from '@nestjs/common';
import { ContractError } from '../common/contract-error';
import type { AppConfig, AttachmentConfig } from '../config/app-config';
import { AccessPolicy } from '../rooms/access-policy';
import { fake, FakeConnection, userOf } from '../testing/fakes';
import type { AttachmentStorage, StoredObject } from './attachment-storage';
import type { AttachmentRecord, AttachmentRepository, ClaimedAttachment, ClaimedLifetime } from './attachment.repository';
import { AttachmentService } from './attachment.service';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const HOUR_MS = 3_600_000;
const SETTINGS: AttachmentConfig = {
  maxBytes: 1000,
  quotaBytes: 0,
  allowedTypes: ['image/*', 'application/pdf'],
  uploadUrlTtlSec: 300,
  downloadUrlTtlSec: 600,
  pendingTtlSec: 3600,
};

/** Attachments as the repository keeps them, per room; the calls the service made that change them. */
class MemoryAttachments {
  readonly records = new Map<string, AttachmentRecord>();
  readonly calls: unknown[][] = [];
  chargeAccepted = true;
  claimed: ClaimedAttachment[] = [];
  /** Reads of due attachments, each one round trip. */
  dueReads = 0;
  lifetimes = new Map<string, ClaimedLifetime>();
  /** What `attach` answers: an id that could not be claimed, else undefined. */
  unclaimed?: string;

  repository(): AttachmentRepository {
    return fake<AttachmentRepository>(
      {
        chargeDailyQuota: async (...args) => (this.calls.push(['chargeDailyQuota', ...args]), this.chargeAccepted),
        create: async (room, record, ttlSec) => void (this.calls.push(['create', room, record, ttlSec]), this.records.set(`${room} ${record.id}`, record)),
        find: async (room, ids) => ids.map((id) => this.records.get(`${room} ${id}`)),
        attach: async (...args) => (this.calls.push(['attach', ...args]), this.unclaimed),
        keepForHold: async (...args) => void this.calls.push(['keepForHold', ...args]),
        remove: async (...args) => void this.calls.push(['remove', ...args]),
        dueClaimed: async (_now, limit) => (this.dueReads++, this.claimed.splice(0, limit)),
        renewClaimed: async ({ id }) => this.lifetimes.get(id) ?? { metadataTtlMs: -2, streamTtlMs: -2 },
        checkClaimedAgainAt: async (attachment, at) => void this.calls.push(['checkClaimedAgainAt', attachment.id, at]),
        forgetClaimed: async (attachment) => void this.calls.push(['forgetClaimed', attachment.id]),
      },
      'AttachmentRepository',
    );
  }
}

/** Storage that answers from memory; `failing` makes every call fail as an unreachable bucket would. */
function memoryStorage() {
  const uploaded = new Set<string>();
  const calls: unknown[][] = [];
  const state = { failing: false };
  const answer = <T>(value: T): Promise<T> => (state.failing ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve(value));
  const storage: AttachmentStorage = {
    kind: 's3',
    uploadLink: (object: StoredObject, expiresAt: number) =>
      answer({ url: `https://files.example/up/${object.id}?until=${expiresAt}`, headers: { 'Content-Type': object.contentType } }),
    downloadLink: (object: StoredObject, expiresAt: number) => answer(`https://files.example/down/${object.id}?until=${expiresAt}`),
    isUploaded: (object: StoredObject) => answer(uploaded.has(object.id)),
    keep: (object: StoredObject) => (calls.push(['keep', object.id]), answer(undefined)),
    remove: (ids: string[]) => (calls.push(['remove', ids]), answer(undefined)),
  };
  return { storage, uploaded, calls, state };
}

function setUp(settings: Partial<AttachmentConfig> = {}) {
  const memory = new MemoryAttachments();
  const files = memoryStorage();
  const config = fake<AppConfig>({ attachments: { ...SETTINGS, ...settings }, roomIdleTtlDays: 7 }, 'AppConfig');
  const service = new AttachmentService(memory.repository(), files.storage, config, new AccessPolicy());
  return { service, memory, files };
}

function record(id: string, fields: Partial<AttachmentRecord> = {}): AttachmentRecord {
  return { id, owner: 'alice', filename: `${id}.png`, contentType: 'image/png', size: 10, state: 'pending', createdAt: NOW, ...fields };
}

async function contractError(attempt: Promise<unknown>): Promise<ContractError> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ContractError);
  return error as ContractError;
}

describe('AttachmentService', () => {
  let warned: jest.SpyInstance;
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('declare', () => {
    it('answers a ticket in a room the connection joined, and refuses one it did not join without storing', async () => {
      const { service, memory } = setUp();
      const connection = new FakeConnection('c1', userOf('alice'), ['general']);
      const declaration = { filename: 'a.png', contentType: 'image/png', size: 10 };
      await expect(service.declare(connection, 'general', declaration)).resolves.toMatchObject({ method: 'PUT' });
      expect(memory.calls).toHaveLength(1);

      // thrown or rejected alike: the caller awaits it
      expect((await contractError(Promise.resolve().then(() => service.declare(connection, 'random', declaration)))).code).toBe('not_joined');
      expect(memory.calls).toHaveLength(1);
    });
  });

  describe('create', () => {
    it('stores a pending attachment with a safe filename and the bare content type, and answers its upload link', async () => {
      const { service, memory } = setUp();
      const ticket = await service.create('alice', 'general', { filename: '../../etc/.\u202Eevil.png', contentType: 'Image/PNG; charset=binary', size: 500 });

      expect(ticket).toEqual({
        attachmentId: expect.stringMatching(/^[\w-]{22}$/),
        uploadUrl: `https://files.example/up/${ticket.attachmentId}?until=${NOW + 300_000}`,
        method: 'PUT',
        headers: { 'Content-Type': 'image/png' },
        expiresAt: NOW + 300_000,
      });
      // forgotten once the upload link expired and the pending time after it passed
      expect(memory.calls).toEqual([['create', 'general', record(ticket.attachmentId, { filename: 'evil.png', size: 500 }), 3900]]);
    });

    it.each([
      ['a size of 0', { size: 0 }, 'validation_failed'],
      ['a fractional size', { size: 1.5 }, 'validation_failed'],
      ['a size beyond ATTACHMENT_MAX_BYTES', { size: 1001 }, 'payload_too_large'],
      ['a type not allowed', { contentType: 'application/x-msdownload' }, 'validation_failed'],
      ['a type without subtype', { contentType: 'image' }, 'validation_failed'],
    ])('refuses %s and stores nothing', async (_case, declared, code) => {
      const { service, memory } = setUp({ quotaBytes: 10_000 });
      const error = await contractError(service.create('alice', 'general', { filename: 'a.png', contentType: 'image/png', size: 10, ...declared }));
      expect(error.code).toBe(code);
      expect(memory.calls).toEqual([]);
    });

    it("charges the declared size to the user's daily quota, and refuses past it without storing", async () => {
      const { service, memory } = setUp({ quotaBytes: 2000 });
      await service.create('alice', 'general', { filename: 'a.png', contentType: 'image/png', size: 700 });
      expect(memory.calls[0]).toEqual(['chargeDailyQuota', 'alice', 700, 2000, NOW]);

      memory.chargeAccepted = false;
      memory.calls.length = 0;
      const error = await contractError(service.create('alice', 'general', { filename: 'b.png', contentType: 'image/png', size: 700 }));
      expect(error.toBody()).toMatchObject({ code: 'payload_too_large', details: { quotaBytes: 2000 } });
      expect(memory.calls).toEqual([['chargeDailyQuota', 'alice', 700, 2000, NOW]]);
    });

    it('answers unavailable when storage cannot sign the link', async () => {
      const { service, files } = setUp();
      files.state.failing = true;
      const error = await contractError(service.create('alice', 'general', { filename: 'a.png', contentType: 'image/png', size: 10 }));
      expect(error.code).toBe('unavailable');
      expect(warned).toHaveBeenCalledWith(expect.stringContaining('ECONNREFUSED'));
    });
  });

  describe('resolveForMessage', () => {
    it('claims uploaded attachments for the room and answers them with download links, once per distinct id', async () => {
      const { service, memory, files } = setUp();
      memory.records.set('general a1', record('a1'));
      memory.records.set('general a2', record('a2', { state: 'attached', contentType: 'application/pdf', filename: 'a2.pdf' }));
      files.uploaded.add('a1');

      const served = await service.resolveForMessage('alice', 'general', ['a1', 'a2', 'a1']);

      expect(served).toEqual([
        { id: 'a1', filename: 'a1.png', contentType: 'image/png', size: 10, url: `https://files.example/down/a1?until=${NOW + 600_000}` },
        { id: 'a2', filename: 'a2.pdf', contentType: 'application/pdf', size: 10, url: `https://files.example/down/a2?until=${NOW + 600_000}` },
      ]);
      // only the pending one is checked and kept; the room's lifetime and the next sweep bound the claim
      expect(files.calls).toEqual([['keep', 'a1']]);
      expect(memory.calls).toEqual([['attach', 'general', 'alice', ['a1', 'a2'], 7 * 86_400_000, NOW + HOUR_MS]]);
    });

    it('answers nothing for no ids, without reading anything', async () => {
      const { service, memory } = setUp();
      await expect(service.resolveForMessage('alice', 'general', [])).resolves.toEqual([]);
      expect(memory.calls).toEqual([]);
    });

    it('refuses more than 10 distinct attachments', async () => {
      const { service } = setUp();
      const ids = Array.from({ length: 11 }, (_, i) => `a${i}`);
      expect((await contractError(service.resolveForMessage('alice', 'general', ids))).code).toBe('validation_failed');
    });

    it("answers not_found alike for an unknown id, another user's and another room's, and claims nothing", async () => {
      const { service, memory } = setUp();
      memory.records.set('general bobs', record('bobs', { owner: 'bob', state: 'attached' }));
      memory.records.set('random mine', record('mine', { state: 'attached' }));
      for (const id of ['nope', 'bobs', 'mine']) {
        const error = await contractError(service.resolveForMessage('alice', 'general', [id]));
        expect(error.toBody()).toEqual({ code: 'not_found', message: `attachment ${id} not found`, details: { attachmentId: id } });
      }
      expect(memory.calls).toEqual([]);
    });

    it('refuses an attachment not uploaded yet, and one the claim found gone meanwhile', async () => {
      const { service, memory, files } = setUp();
      memory.records.set('general a1', record('a1'));
      const notUploaded = await contractError(service.resolveForMessage('alice', 'general', ['a1']));
      expect(notUploaded.toBody()).toEqual({ code: 'validation_failed', message: 'attachment a1 is not uploaded yet', details: { attachmentId: 'a1' } });
      expect(files.calls).toEqual([]);

      files.uploaded.add('a1');
      memory.unclaimed = 'a1';
      expect((await contractError(service.resolveForMessage('alice', 'general', ['a1']))).code).toBe('not_found');
    });

    it('answers unavailable when storage cannot tell whether the file is there', async () => {
      const { service, memory, files } = setUp();
      memory.records.set('general a1', record('a1'));
      files.state.failing = true;
      expect((await contractError(service.resolveForMessage('alice', 'general', ['a1']))).code).toBe('unavailable');
      expect(memory.calls).toEqual([]);
    });
  });

  describe('remove and keepForHold', () => {
    it('removes the files, then their metadata; nothing for no ids', async () => {
      const { service, memory, files } = setUp();
      await service.remove('general', []);
      await service.keepForHold('general', []);
      expect([...files.calls, ...memory.calls]).toEqual([]);

      await service.remove('general', ['a1', 'a2']);
      await service.keepForHold('general', ['a3']);
      expect(files.calls).toEqual([['remove', ['a1', 'a2']]]);
      expect(memory.calls).toEqual([
        ['remove', 'general', ['a1', 'a2']],
        ['keepForHold', 'general', ['a3']],
      ]);
    });

    it('keeps the metadata when the files could not be removed, and answers unavailable', async () => {
      const { service, memory, files } = setUp();
      files.state.failing = true;
      expect((await contractError(service.remove('general', ['a1']))).code).toBe('unavailable');
      expect(memory.calls).toEqual([]);
    });
  });

  describe('sweepExpiredRooms', () => {
    it("removes the file and the entry once both the metadata and the room's messages are gone, and checks the others again later", async () => {
      const { service, memory, files } = setUp();
      memory.claimed = [
        { id: 'gone', room: 'r' },
        { id: 'renewed', room: 'r' },
        { id: 'soon', room: 'r' },
        { id: 'held', room: 'r' },
        { id: 'orphan', room: 'r' },
      ];
      memory.lifetimes.set('renewed', { metadataTtlMs: 10 * HOUR_MS, streamTtlMs: 10 * HOUR_MS });
      memory.lifetimes.set('soon', { metadataTtlMs: HOUR_MS, streamTtlMs: HOUR_MS });
      memory.lifetimes.set('held', { metadataTtlMs: -1, streamTtlMs: -2 });
      memory.lifetimes.set('orphan', { metadataTtlMs: -2, streamTtlMs: 5 * HOUR_MS });

      await expect(service.sweepExpiredRooms(NOW)).resolves.toBe(1);

      expect(files.calls).toEqual([['remove', ['gone']]]);
      expect(memory.calls).toEqual([
        ['forgetClaimed', 'gone'],
        // two sweeps before the metadata would expire, an hour at the soonest, a day when it does not expire
        ['checkClaimedAgainAt', 'renewed', NOW + 8 * HOUR_MS],
        ['checkClaimedAgainAt', 'soon', NOW + HOUR_MS],
        ['checkClaimedAgainAt', 'held', NOW + 24 * HOUR_MS],
        ['checkClaimedAgainAt', 'orphan', NOW + 24 * HOUR_MS],
      ]);
    });

    it('takes due attachments in batches of 500, at most 20 batches per sweep', async () => {
      const { service, memory } = setUp();
      memory.claimed = Array.from({ length: 10_250 }, (_, i) => ({ id: `a${i}`, room: 'r' }));
      await expect(service.sweepExpiredRooms(NOW)).resolves.toBe(10_000);
      expect(memory.claimed).toHaveLength(250);
      expect(memory.dueReads).toBe(20);

      // a batch short of 500 was the last: no read more
      memory.claimed = Array.from({ length: 499 }, (_, i) => ({ id: `b${i}`, room: 'r' }));
      await expect(service.sweepExpiredRooms(NOW)).resolves.toBe(499);
      expect(memory.dueReads).toBe(21);
    });

    it('runs when the module starts and every hour after, until the module stops', async () => {
      const { service, memory } = setUp();
      memory.claimed = [{ id: 'first', room: 'r' }];
      service.onModuleInit();
      await jest.advanceTimersByTimeAsync(0);
      expect(memory.calls).toEqual([['forgetClaimed', 'first']]);

      memory.claimed = [{ id: 'second', room: 'r' }];
      await jest.advanceTimersByTimeAsync(HOUR_MS - 1);
      expect(memory.calls).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(memory.calls).toEqual([
        ['forgetClaimed', 'first'],
        ['forgetClaimed', 'second'],
      ]);

      service.onModuleDestroy();
      memory.claimed = [{ id: 'third', room: 'r' }];
      await jest.advanceTimersByTimeAsync(2 * HOUR_MS);
      expect(memory.calls).toHaveLength(2);
    });

    it('logs a failed sweep and sweeps again an hour later', async () => {
      const failing = new AttachmentService(
        fake<AttachmentRepository>({ dueClaimed: () => Promise.reject(new Error('Connection is closed.')) }),
        memoryStorage().storage,
        fake<AppConfig>({ attachments: SETTINGS, roomIdleTtlDays: 7 }),
        new AccessPolicy(),
      );
      failing.onModuleInit();
      await jest.advanceTimersByTimeAsync(0);
      expect(warned).toHaveBeenCalledWith('sweep of attachments of expired rooms failed: Connection is closed.');
      await jest.advanceTimersByTimeAsync(HOUR_MS);
      expect(warned).toHaveBeenCalledTimes(2);
      failing.onModuleDestroy();
    });
  });
});
