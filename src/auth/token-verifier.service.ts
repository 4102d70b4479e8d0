import { createHash, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService, JwtVerifyOptions } from '@nestjs/jwt';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccessRepository, UserAccessState } from './access.repository';
import { AuthUser } from '../common/auth-user';
import { USER_ID_PATTERN } from '../common/validation-patterns';
import { AuthenticationError } from '../common/handshake-error';

interface Claims {
  sub?: unknown;
  exp?: unknown;
  iat?: unknown;
  jti?: unknown;
  name?: unknown;
  roles?: unknown;
  rooms?: unknown;
}

/** Verifies tokens (never issues them) and applies the revocation and ban state shared by all nodes. */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly hmacOptions?: JwtVerifyOptions;
  private readonly publicKeyOptions?: JwtVerifyOptions;

  constructor(
    private readonly jwt: JwtService,
    private readonly access: AccessRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const { secret, publicKey, issuer, audience } = config.jwt;
    // Key objects built once: given a string, jsonwebtoken tries to parse it as a PEM key on every verification
    // (and throws for an HMAC secret), which was the most expensive step of a handshake.
    if (secret) this.hmacOptions = { secret: asVerifierKey(createSecretKey(Buffer.from(secret))), algorithms: ['HS256'], issuer, audience };
    if (publicKey) this.publicKeyOptions = { publicKey: asVerifierKey(createPublicKey(publicKey)), algorithms: ['RS256', 'ES256'], issuer, audience };
  }

  /**
   * Signature, expiry and claims only: no Redis. Why a token is invalid goes to the server log only: the
   * verifier's reasons name the expected issuer and audience, which an anonymous client has no need to learn.
   */
  verifySignature(token: string): AuthUser {
    try {
      const options = decodeAlgorithm(token) === 'HS256' ? this.hmacOptions : this.publicKeyOptions;
      if (!options) throw new Error('signing algorithm not accepted');
      return toAuthUser(this.jwt.verify<Claims & object>(token, options), token);
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError') throw new AuthenticationError('token_expired', 'token expired');
      this.logger.warn(`token refused: ${(error as Error).message}`);
      throw new AuthenticationError('token_invalid', 'token invalid');
    }
  }

  /**
   * Everything a handshake or an admin request needs: signature, then revocation, then ban. The access state is
   * read by the identity the token claims, issued in the same tick as whatever the caller issued just before
   * (the handshake's address check), so that both share one round trip; the signature is checked only once
   * `checkedFirst` passed, so that a refused address costs no verification. The state read counts only for the
   * identity the signature then confirms.
   */
  async verify(token: string, checkedFirst?: Promise<void>): Promise<AuthUser> {
    const claimed = claimedIdentity(token);
    const accessRead = claimed && this.readAccess(claimed.userId, claimed.tokenId);
    accessRead?.catch(() => undefined);
    await checkedFirst;
    const user = this.verifySignature(token);
    const isReadForUser = claimed?.userId === user.id && claimed.tokenId === user.tokenId;
    this.assertAccess(user, await (isReadForUser ? accessRead! : this.readAccess(user.id, user.tokenId)));
    return user;
  }

  /** Revocation and ban of a token whose signature was verified: a handshake asks again once registered. */
  async assertAdmitted(user: AuthUser): Promise<void> {
    this.assertAccess(user, await this.readAccess(user.id, user.tokenId));
  }

  private async readAccess(userId: string, tokenId: string): Promise<AccessState> {
    const [tokenRevoked, access] = await Promise.all([this.access.isTokenRevoked(tokenId), this.access.userAccess(userId)]);
    return { tokenRevoked, ...access };
  }

  private assertAccess(user: AuthUser, access: AccessState): void {
    // only a logout revokes one token; an admin revokes all of a user's
    if (access.tokenRevoked) throw new AuthenticationError('token_revoked', 'token was revoked', user.id, 'logout');
    if (access.tokensRevokedAtSec !== undefined && (user.issuedAtSec ?? 0) <= access.tokensRevokedAtSec) {
      throw new AuthenticationError('token_revoked', "the user's tokens were revoked", user.id, 'revoked');
    }
    if (access.bannedUntilMs !== undefined && access.bannedUntilMs > Date.now()) {
      throw new AuthenticationError('banned', access.banReason ? `banned: ${access.banReason}` : 'banned', user.id);
    }
  }
}

interface AccessState extends UserAccessState {
  tokenRevoked: boolean;
}

/**
 * The user and token id a token claims, read without checking its signature: only to issue the access reads
 * early. Undefined for a token that does not decode (the signature check then refuses it).
 */
function claimedIdentity(token: string): { userId: string; tokenId: string } | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.', 3)[1] ?? '', 'base64url').toString('utf8')) as Claims;
    if (typeof claims.sub !== 'string') return undefined;
    return { userId: claims.sub, tokenId: typeof claims.jti === 'string' ? claims.jti : digestOf(token) };
  } catch {
    return undefined;
  }
}

function decodeAlgorithm(token: string): string | undefined {
  const header = token.split('.', 1)[0];
  try {
    return (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string }).alg;
  } catch {
    throw new Error('malformed token');
  }
}

/** @nestjs/jwt passes keys through to jsonwebtoken, which takes KeyObjects; its own types only name strings and Buffers. */
function asVerifierKey(key: KeyObject): string {
  return key as unknown as string;
}

/** Names a token without a jti claim, so that it can be logged out on its own all the same. */
function digestOf(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('base64url')}`;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function toAuthUser(claims: Claims, token: string): AuthUser {
  if (typeof claims.sub !== 'string' || !USER_ID_PATTERN.test(claims.sub)) {
    throw new Error('token needs a sub claim of 1 to 128 characters without spaces or braces');
  }
  if (typeof claims.exp !== 'number') throw new Error('token needs an exp claim');
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [];
  // Many identity providers send a single value as a plain string. Reading anything but an array of strings as
  // "no rooms claim" would turn a restricted token into one that may join every room.
  if (claims.rooms !== undefined && !isStringArray(claims.rooms)) {
    throw new Error('token has a rooms claim that is not an array of strings');
  }
  return {
    id: claims.sub,
    name: typeof claims.name === 'string' ? claims.name.slice(0, 128) : undefined,
    roles,
    rooms: claims.rooms,
    tokenId: typeof claims.jti === 'string' ? claims.jti : digestOf(token),
    issuedAtSec: typeof claims.iat === 'number' ? claims.iat : undefined,
    expiresAtSec: claims.exp,
  };
}
