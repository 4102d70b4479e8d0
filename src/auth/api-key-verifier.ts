import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig, ServerApiScope } from '../config/app-config';
import { SERVER_API_KEY_PREFIX_LENGTH } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** The header a server API key travels in (Node lower-cases header names). */
export const API_KEY_HEADER = 'x-api-key';

/** A backend service that presented one of SERVER_API_KEYS. */
export interface ApiKeyCaller {
  /** `apikey:<first 6 characters>`: the audit trail's actor and the key's rate-limit budget, never the key itself. */
  id: string;
  scopes: ReadonlySet<ServerApiScope>;
}

/**
 * Which configured key, if any, a presented `X-API-Key` is: the server API's guard asks it who calls, and the REST
 * throttle asks it whose budget a request spends, so that a guessed key spends its sender's address budget,
 * never the key's.
 */
@Injectable()
export class ApiKeyVerifier {
  /** Digests, so that every comparison runs over equal lengths and in constant time. */
  private readonly keys: { digest: Buffer; caller: ApiKeyCaller }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.serverApiKeys.map(({ key, scopes }) => ({ digest: digestOf(key), caller: { id: apiKeyIdOf(key), scopes: new Set(scopes) } }));
  }

  /** Compares with every key, never stopping early, so the time taken tells nothing about which matched. */
  verify(candidate: string): ApiKeyCaller | undefined {
    const digest = digestOf(candidate);
    let match: ApiKeyCaller | undefined;
    for (const { digest: known, caller } of this.keys) {
      const isMatch = timingSafeEqual(known, digest);
      match = isMatch ? caller : match;
    }
    return match;
  }
}

/** Enough of a key to tell keys apart (start-up refuses two that share it), too little to use one. */
export function apiKeyIdOf(key: string): string {
  return `apikey:${key.slice(0, SERVER_API_KEY_PREFIX_LENGTH)}`;
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
