import { ContractError } from '../common/contract-error';

/** A Web Push subscription as a browser's `PushManager` gives it (base64url keys). */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** What a push says: enough for the service worker to show a notification and open the room. */
export interface OfflineNotification {
  type: 'message';
  room: string;
  messageId: string;
  from: string;
  preview: string;
}

export const PREVIEW_LENGTH = 100;
export const ENDPOINT_MAX_LENGTH = 2048;

/**
 * Endpoints come from clients and the server POSTs to them, so only https URLs on an allowed push service are
 * kept: otherwise any client could make every node send requests to an address of its choosing.
 * `*.example.com` matches any subdomain, not example.com itself; a pattern with a port matches only that port.
 */
export function assertAllowedEndpoint(endpoint: string, allowedHosts: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('subscription.endpoint must be a URL');
  }
  if (url.protocol !== 'https:') throw invalid('subscription.endpoint must be an https URL');
  if (url.username || url.password) throw invalid('subscription.endpoint must not carry credentials');
  const host = url.host.toLowerCase();
  const allowed = allowedHosts.some((pattern) => {
    const lower = pattern.toLowerCase();
    return lower.startsWith('*.') ? host.endsWith(lower.slice(1)) && host.length > lower.length - 1 : host === lower;
  });
  if (!allowed) throw invalid(`subscription.endpoint host ${host} is not an allowed push service`);
}

/** The same rule as a yes or no, for subscriptions stored while the allow list was wider. */
export function isAllowedEndpoint(endpoint: string, allowedHosts: readonly string[]): boolean {
  try {
    assertAllowedEndpoint(endpoint, allowedHosts);
    return true;
  } catch {
    return false;
  }
}

/** p256dh: an uncompressed P-256 point (65 bytes, 0x04 first); auth: a 16-byte secret. RFC 8291 needs both. */
export function assertUsableKeys({ p256dh, auth }: PushSubscription['keys']): void {
  const publicKey = Buffer.from(p256dh, 'base64url');
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) throw invalid('subscription.keys.p256dh must be a base64url P-256 public key');
  if (Buffer.from(auth, 'base64url').length !== 16) throw invalid('subscription.keys.auth must be a base64url 16-byte secret');
}

/** The first PREVIEW_LENGTH characters, counted in code points so that no surrogate pair is cut. */
export function previewOf(content: string): string {
  return Array.from(content).slice(0, PREVIEW_LENGTH).join('');
}

const invalid = (message: string) => new ContractError('validation_failed', message);
