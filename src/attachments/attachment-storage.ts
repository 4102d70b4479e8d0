/** What storage needs to know about an attachment: its id names the object, the rest is what was declared. */
export interface StoredObject {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface UploadLink {
  url: string;
  /** Headers the client must send with its PUT, exactly as given. */
  headers: Record<string, string>;
}

/**
 * Where attachment bytes live. Clients move the bytes themselves through signed, expiring links; the node signs
 * the links and checks the result, and never holds a file in memory.
 */
export interface AttachmentStorage {
  readonly kind: 'local' | 's3';
  /** A PUT link that accepts exactly `size` bytes of `contentType`, once, until `expiresAt` (epoch ms). */
  uploadLink(object: StoredObject, expiresAt: number): Promise<UploadLink>;
  /** A GET link valid until `expiresAt` (epoch ms). */
  downloadLink(object: StoredObject, expiresAt: number): Promise<string>;
  /** The bytes are there, all `size` of them. */
  isUploaded(object: StoredObject): Promise<boolean>;
  /** The object now belongs to a message: storage must keep it past the abandoned-upload sweep. */
  keep(object: StoredObject): Promise<void>;
  remove(ids: string[]): Promise<void>;
}

export const ATTACHMENT_STORAGE = Symbol('ATTACHMENT_STORAGE');
