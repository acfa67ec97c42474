import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Clock } from "../../clock.js";
import { createBlobKey, FileTooLarge, type ByteRange, type MediaStore } from "../../media/media-store.js";
import { fetchRemoteFile } from "../../media/remote-file.js";
import type { AccountDataOwner } from "../accounts/accounts.service.js";
import { bareMediaType, cleanFileName, detectMediaType, extensionFor, SNIFF_BYTES } from "./file-types.js";
import type { MediaFileRecord, MediaFilesRepository } from "./media-files.repository.js";

/** A file as the API, the messaging core and the sandbox see it. */
export interface MediaFile {
  id: string;
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
  /** The unguessable link that serves the bytes without a session until the file expires. */
  url: string;
  expiresAt: number;
}

/** Whose storage a file counts against, and which instance it belongs to (none for a sandbox phone's). */
export interface FileOwner {
  userId: string;
  idInstance: number | null;
}

/** The account's files already take as much as it may keep. */
export class QuotaExceeded extends Error {
  constructor(readonly quotaBytes: number) {
    super(`the account's files would take more than its ${quotaBytes} bytes`);
    this.name = "QuotaExceeded";
  }
}

/** A file with no bytes: nothing to send. */
export class EmptyFile extends Error {
  constructor() {
    super("the file is empty");
    this.name = "EmptyFile";
  }
}

/** A link of this server whose file has expired, was removed or never existed. */
export class UnknownFileLink extends Error {
  constructor() {
    super("the file of this link has expired or does not exist");
    this.name = "UnknownFileLink";
  }
}

export interface MediaLimits {
  maxFileBytes: number;
  linkLifetimeMs: number;
  quotaBytes: number;
  fetchTimeoutMs: number;
}

/** An upload that has not completed within this time is a leftover (a crash, a client gone): housekeeping removes it. */
const UPLOAD_GRACE_MS = 6 * 60 * 60_000;
const LINK_PATH = "/media/";
/** 16 random bytes and a 16-byte signature, each as 22 base64url characters. */
const LINK_TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;
const REMOVAL_BATCH = 500;

/**
 * Files: uploads streamed into the media store under a size cap and the account's quota,
 * files fetched by URL through the outbound guard, links signed with the server's key, files
 * shared between owners without copying their bytes, and their removal when they expire.
 */
export class MediaService implements AccountDataOwner {
  constructor(
    private readonly deps: {
      files: MediaFilesRepository;
      store: MediaStore;
      clock: Clock;
      /** Signs links; derived from the server's secret key. */
      linkKey: Buffer;
      publicUrl: string;
      limits: MediaLimits;
      /** Connects only where outbound requests may go (no loopback, private or metadata addresses). */
      dispatcher: Dispatcher;
    },
  ) {}

  get limits(): MediaLimits {
    return this.deps.limits;
  }

  // Links

  private sign(id: string): string {
    return createHmac("sha256", this.deps.linkKey).update(`media-link:${id}`).digest().subarray(0, 16).toString("base64url");
  }

  private toMediaFile(record: MediaFileRecord): MediaFile {
    const token = `${record.id}.${this.sign(record.id)}`;
    return {
      id: record.id,
      fileName: record.fileName,
      mimeType: record.mimeType,
      size: record.size,
      sha256: record.sha256,
      url: `${this.deps.publicUrl}${LINK_PATH}${token}/${encodeURIComponent(record.fileName)}`,
      expiresAt: record.expiresAt,
    };
  }

  /** The file id a link's token names, when its signature holds. */
  private idOfToken(token: string): string | undefined {
    const match = LINK_TOKEN.exec(token);
    if (!match) return undefined;
    const [, id, signature] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.sign(id));
    const presented = Buffer.from(signature);
    return presented.length === expected.length && timingSafeEqual(presented, expected) ? id : undefined;
  }

  /** The token of a link of this server ("…/media/{token}/{name}"), or undefined for any other URL. */
  private tokenOfOwnLink(url: string): string | undefined {
    const prefix = `${this.deps.publicUrl}${LINK_PATH}`;
    if (!url.startsWith(prefix)) return undefined;
    return url.slice(prefix.length).split(/[/?#]/)[0];
  }

  // Files in

  /**
   * Streams an upload into the store. The file's type is decided from its name, then its
   * content, then `declaredType`; a name without an extension gets one. Throws FileTooLarge,
   * QuotaExceeded or EmptyFile, keeping nothing.
   */
  async store(
    owner: FileOwner,
    source: Readable,
    details: { fileName?: string; declaredType?: string; declaredSize?: number },
  ): Promise<MediaFile> {
    const { maxFileBytes, quotaBytes } = this.deps.limits;
    const room = quotaBytes - (await this.deps.files.totalSizeOf(owner.userId));
    const cap = Math.min(maxFileBytes, room);
    const refusal = () => (cap < maxFileBytes ? new QuotaExceeded(quotaBytes) : new FileTooLarge(maxFileBytes));
    if (cap <= 0 || (details.declaredSize !== undefined && details.declaredSize > cap)) {
      source.resume();
      throw refusal();
    }
    const now = this.deps.clock.now();
    const record: MediaFileRecord = {
      id: randomBytes(16).toString("base64url"),
      blobKey: createBlobKey(),
      ...owner,
      fileName: cleanFileName(details.fileName ?? ""),
      mimeType: "",
      size: 0,
      sha256: "",
      createdAt: now,
      expiresAt: now + UPLOAD_GRACE_MS,
    };
    // Recorded before the bytes arrive: should the process die midway, housekeeping finds the leftover.
    await this.deps.files.insertUploading(record);
    try {
      const blob = await this.deps.store.put(record.blobKey, source, cap);
      if (blob.size === 0) throw new EmptyFile();
      const mimeType = await this.detectType(record, details.declaredType ?? "");
      const fileName = withExtension(record.fileName || record.id, mimeType);
      const ready = {
        ...record,
        fileName,
        mimeType,
        size: blob.size,
        sha256: blob.sha256,
        expiresAt: now + this.deps.limits.linkLifetimeMs,
      };
      await this.deps.files.markReady(record.id, ready);
      // Uploads running at once each saw room for themselves: whichever finds the total past the quota gives way.
      if ((await this.deps.files.totalSizeOf(owner.userId)) > quotaBytes) throw new QuotaExceeded(quotaBytes);
      return this.toMediaFile(ready);
    } catch (error) {
      await this.remove(record.id);
      throw error instanceof FileTooLarge ? refusal() : error;
    }
  }

  private async detectType(record: MediaFileRecord, declaredType: string): Promise<string> {
    const head = await this.deps.store.read(record.blobKey, { start: 0, end: SNIFF_BYTES - 1 });
    const chunks: Buffer[] = [];
    if (head) for await (const chunk of head) chunks.push(chunk as Buffer);
    return detectMediaType(record.fileName, Buffer.concat(chunks), bareMediaType(declaredType));
  }

  /**
   * sendFileByUrl's file: a link of this server is taken as it is (no fetch, the bytes shared);
   * any other URL is fetched through the outbound guard. Throws RemoteFileError,
   * UnknownFileLink, FileTooLarge, QuotaExceeded or EmptyFile (remote-file.ts).
   */
  async storeFromUrl(owner: FileOwner, url: string, fileName: string | undefined): Promise<MediaFile> {
    const ownToken = this.tokenOfOwnLink(url);
    if (ownToken !== undefined) {
      const id = this.idOfToken(ownToken);
      const shared = id === undefined ? undefined : await this.share(id, owner, fileName);
      if (!shared) throw new UnknownFileLink();
      return shared;
    }
    return fetchRemoteFile(
      url,
      ({ body, contentType, fileName: nameInUrl }) =>
        this.store(owner, body, { fileName: fileName || nameInUrl, declaredType: contentType }),
      {
        dispatcher: this.deps.dispatcher,
        maxBytes: this.deps.limits.maxFileBytes,
        timeoutMs: this.deps.limits.fetchTimeoutMs,
        maxRedirects: 3,
      },
    );
  }

  /**
   * A new file of `owner` with the bytes of an existing one (a received file, a forwarded one),
   * under its own link and lifetime; undefined when the original is gone. The name may change.
   */
  async share(id: string, owner: FileOwner, fileName?: string): Promise<MediaFile | undefined> {
    const now = this.deps.clock.now();
    const original = await this.deps.files.findReady(id, now);
    if (!original) return undefined;
    const cleanName = fileName === undefined ? "" : cleanFileName(fileName);
    const copy: MediaFileRecord = {
      ...original,
      ...owner,
      id: randomBytes(16).toString("base64url"),
      fileName: cleanName ? withExtension(cleanName, original.mimeType) : original.fileName,
      createdAt: now,
      expiresAt: now + this.deps.limits.linkLifetimeMs,
    };
    await this.deps.files.insertReady(copy);
    return this.toMediaFile(copy);
  }

  /** Names a file anew (its link changes with its name); undefined when it is gone. */
  async rename(id: string, fileName: string): Promise<MediaFile | undefined> {
    const record = await this.deps.files.findReady(id, this.deps.clock.now());
    const clean = cleanFileName(fileName);
    if (!record || !clean) return record ? this.toMediaFile(record) : undefined;
    const renamed = { ...record, fileName: withExtension(clean, record.mimeType) };
    await this.deps.files.rename(id, renamed.fileName);
    return this.toMediaFile(renamed);
  }

  // Files out

  async find(id: string): Promise<MediaFile | undefined> {
    const record = await this.deps.files.findReady(id, this.deps.clock.now());
    return record ? this.toMediaFile(record) : undefined;
  }

  /** The file a link's token names, if the signature holds and the file has not expired. */
  async findByToken(token: string): Promise<MediaFile | undefined> {
    const id = this.idOfToken(token);
    return id === undefined ? undefined : this.find(id);
  }

  /** Whole seconds until the file expires. */
  secondsLeft(file: MediaFile): number {
    return Math.max(0, Math.floor((file.expiresAt - this.deps.clock.now()) / 1000));
  }

  /** The bytes of a file (or a range of them), streamed. */
  async open(id: string, range?: ByteRange): Promise<Readable | undefined> {
    const record = await this.deps.files.findReady(id, this.deps.clock.now());
    return record ? this.deps.store.read(record.blobKey, range) : undefined;
  }

  // Removal

  private async removeBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.deps.store.remove(key);
  }

  /** Removes a file at once (an upload whose request failed, a copy not needed). */
  async remove(id: string): Promise<void> {
    await this.removeBlobs(await this.deps.files.deleteFile(id));
  }

  /** Expired files (and uploads a crash cut short) go, with each blob no other file shares. */
  async removeExpired(): Promise<number> {
    let removed = 0;
    for (;;) {
      const keys = await this.deps.files.deleteExpired(this.deps.clock.now(), REMOVAL_BATCH);
      if (keys.length === 0) return removed;
      removed += keys.length;
      await this.removeBlobs(keys);
    }
  }

  /** A deleted instance's files go at once: their links stop working. */
  async removeInstanceFiles(idInstance: number): Promise<void> {
    await this.removeBlobs(await this.deps.files.deleteOfInstance(idInstance));
  }

  readonly exportKey = "files";

  async deleteAccountData(userId: string): Promise<void> {
    await this.removeBlobs(await this.deps.files.deleteOfUser(userId));
  }

  /** What the account's files are; not their links, which would let anyone holding the export download them. */
  async exportAccountData(userId: string): Promise<unknown> {
    return (await this.deps.files.listOfUser(userId)).map((record) => ({
      fileName: record.fileName,
      mimeType: record.mimeType,
      size: record.size,
      sha256: record.sha256,
      idInstance: record.idInstance,
      createdAt: new Date(record.createdAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString(),
    }));
  }
}

/** A name with an extension, as WhatsApp and GREEN-API expect: "report" of type PDF becomes "report.pdf". */
function withExtension(name: string, mimeType: string): string {
  return /\.[^.\s]{1,16}$/.test(name) ? name : `${name}.${extensionFor(mimeType)}`;
}
