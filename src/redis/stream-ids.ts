/** Redis stream ids (`<ms>-<seq>`), the one place that reads them. */

/** No stream entry precedes it, and Redis refuses it as an exclusive end: a page before it is empty. */
export const FIRST_POSSIBLE_STREAM_ID = '0-0';

/** The epoch ms a stream id was created at. */
export function timeOfStreamId(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** Orders stream ids ("ms-seq") numerically; string order is wrong once the ms part gains a digit. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
