import type { IncomingMessage } from 'node:http';
import { normalizeIp } from '@nestjs/throttler';
import proxyaddr from 'proxy-addr';

/** Which hops may tell us the client's address in `X-Forwarded-For`: all, none, the nearest n, or these addresses/subnets. */
export type TrustProxy = boolean | number | string[];

export type TrustFunction = (address: string, hop: number) => boolean;

/** The same rule for REST (Express' `trust proxy`) and for socket handshakes, so both limit the same address. */
export function compileTrust(setting: TrustProxy): TrustFunction {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting);
}

/** The client's address: the nearest hop not trusted to forward, so a client cannot pick its own address. */
export function clientAddress(request: IncomingMessage, trust: TrustFunction): string {
  return proxyaddr(request, trust);
}

/**
 * What a per-address limit counts against, and what refusals are grouped by: the client address, an IPv6 one
 * widened to its /64 (one host usually holds a whole /64, so its addresses inside it are one client).
 */
export function clientAddressKey(request: IncomingMessage, trust: TrustFunction): string {
  return normalizeIp(clientAddress(request, trust));
}
