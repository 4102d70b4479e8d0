import { readFileSync } from 'node:fs';

/**
 * Descriptors a node keeps for what is not a client connection: its Redis connections (commands, admission,
 * publisher, subscriber, queues; one per shard on a Redis Cluster), health probes, metrics scrapes, server API and
 * admin requests, webhook and push deliveries, attachment files, logs, and handshakes still being checked.
 */
export const DESCRIPTOR_RESERVE = 256;
/** What the limit is taken to be where the process cannot read its own (not Linux): the usual soft default. */
export const FALLBACK_DESCRIPTOR_LIMIT = 1024;

/**
 * The soft limit of open files of this process ("Max open files" in /proc/self/limits, what `ulimit -n` sets),
 * or undefined where it cannot be read or is unlimited. Node has no getrlimit.
 */
export function readDescriptorLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  return parseDescriptorLimit(text);
}

export function parseDescriptorLimit(limits: string): number | undefined {
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/**
 * The connections a node admits unless MAX_CONNECTIONS_PER_NODE says otherwise: the descriptor limit less the
 * reserve, and never less than half the limit, so that a small limit still leaves room for connections.
 */
export function defaultMaxConnectionsPerNode(descriptorLimit: number | undefined): number {
  const limit = descriptorLimit ?? FALLBACK_DESCRIPTOR_LIMIT;
  return Math.max(limit - DESCRIPTOR_RESERVE, Math.floor(limit / 2));
}
