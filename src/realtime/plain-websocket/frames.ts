import type { ErrorBody } from '../../common/contract';
import { exceedsDepth } from '../../common/contract-validation.pipe';

/** What a client may use as a request id: any JSON string or number; answers carry it back unchanged. */
export type RequestId = string | number;

const MAX_REQUEST_ID_LENGTH = 128;
/**
 * The frame object is level one, so `data` may nest 7 levels (no client event's payload needs more than 3).
 * Checked before the frame is handed on: re-encoding a frame nested thousands of levels deep overflows the stack.
 */
export const MAX_FRAME_DEPTH = 8;
/** An unknown event's name is echoed this far: the answer to a frame is never much larger than a valid one's. */
export const MAX_ECHOED_EVENT_LENGTH = 64;

/** A frame that cannot be handed to Socket.IO: the error to answer instead, with the client's id when it had one. */
export interface FrameRefusal {
  id: RequestId | null;
  error: ErrorBody;
}

/** A client frame `{ id, event, data }` that can be handed to Socket.IO, or the refusal to answer instead. */
export type ClientFrame = { id: RequestId; event: string; data: unknown } | FrameRefusal;

/**
 * Reads one text frame of a plain-WebSocket client. Anything that is not `{ id, event, data? }`, or that nests
 * deeper than `MAX_FRAME_DEPTH`, is an error to answer with `validation_failed`, carrying the id when one could
 * be read (null otherwise). JSON.parse itself does not recurse, so any text that fits in a frame is safe to parse.
 */
export function readClientFrame(text: string): ClientFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return invalid(null, 'a frame must be JSON text: { "id", "event", "data" }', 'frame', 'frame must be JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return invalid(null, 'a frame must be a JSON object: { "id", "event", "data" }', 'frame', 'frame must be an object');
  }
  const { id, event, data } = frame as Record<string, unknown>;
  if (!isRequestId(id)) {
    return invalid(null, 'id must be a string (1 to 128 characters) or a finite number', 'id', 'id must be a string or a number');
  }
  if (typeof event !== 'string' || event.length === 0) return invalid(id, 'event must be the name of a client event', 'event', 'event must be a string');
  if (exceedsDepth(data, MAX_FRAME_DEPTH - 1)) {
    return invalid(id, `a frame may nest at most ${MAX_FRAME_DEPTH} levels`, 'data', `data must not nest deeper than ${MAX_FRAME_DEPTH - 1} levels`);
  }
  return { id, event, data };
}

export function unknownEvent(id: RequestId, event: string): FrameRefusal {
  const echoed = event.length > MAX_ECHOED_EVENT_LENGTH ? `${event.slice(0, MAX_ECHOED_EVENT_LENGTH)}…` : event;
  return invalid(id, `no such event: ${echoed}`, 'event', 'event must be a client event of the contract');
}

/** The answer to a frame whose handling failed unexpectedly: the client learns only that. */
export function internalError(id: RequestId | null): FrameRefusal {
  return { id, error: { code: 'internal', message: 'internal error' } };
}

/** A binary frame carries nothing this protocol reads. */
export function binaryFrame(): FrameRefusal {
  return invalid(null, 'frames must be JSON text, not binary', 'frame', 'frame must be text');
}

function invalid(id: RequestId | null, message: string, field: string, problem: string): FrameRefusal {
  return { id, error: { code: 'validation_failed', message, details: { fields: { [field]: [problem] } } } };
}

function isRequestId(id: unknown): id is RequestId {
  if (typeof id === 'number') return Number.isFinite(id);
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_REQUEST_ID_LENGTH;
}

export function refusalFrame({ id, error }: FrameRefusal): string {
  return JSON.stringify({ id, ok: false, error });
}

/**
 * `["message",{...}]` → `{"event":"message","data":{...}}`, by slicing rather than parsing: a broadcast's
 * packet is large and reaches many clients. Server event names are the contract's, free of quotes and escapes;
 * anything else takes the parsing path.
 */
export function eventFrame(json: string): string {
  const nameEnd = json.indexOf('"', 2);
  const name = json.slice(2, nameEnd);
  if (json.startsWith('["') && nameEnd > 2 && !name.includes('\\')) {
    if (json[nameEnd + 1] === ']') return `{"event":"${name}","data":null}`;
    if (json[nameEnd + 1] === ',') return `{"event":"${name}","data":${json.slice(nameEnd + 2, -1)}}`;
  }
  const [event, data] = JSON.parse(json) as [string, unknown];
  return JSON.stringify({ event, data: data ?? null });
}

/** `[{"ok":true,"data":...}]` → `{"id":<id>,"ok":true,"data":...}`: the router's answer, with the client's id first. */
export function answerFrame(id: RequestId, json: string): string {
  if (json.startsWith('[{"') && json.endsWith('}]')) return `{"id":${JSON.stringify(id)},${json.slice(2, -1)}`;
  const [answer] = JSON.parse(json) as [object];
  return JSON.stringify({ id, ...answer });
}
