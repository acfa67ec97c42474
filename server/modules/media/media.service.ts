import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Clock } from "../../clock.js";
import { createBlobKey, FileTooLarge, type ByteRange, type MediaStore } from "../../media/media-store.js";
import { fetchRemoteFile } from "../../media/remote-file.js";
import type { AccountDataOwner } from "../accounts/accounts.service.js";
import { bareMediaType, cleanFileName, detectMediaType, extensionFor, SNIFF_BYTES, typeOfName } from "./file-types.js";
import type { MediaFileRecord, MediaFilesRepository, Removed } from "./media-files.repository.js";

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

/** Bytes as the megabytes (2^20) the limits are set in, to two decimals: 1048576 → 1. */
export function megabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 100) / 100;
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

  /** Bytes the owner's account may still store now. */
  private async roomFor(owner: FileOwner): Promise<number> {
    return this.deps.limits.quotaBytes - (await this.deps.files.chargedSizeOf(owner.userId, this.deps.clock.now()));
  }

  private async refuseIfOverQuota(owner: FileOwner): Promise<void> {
    if ((await this.roomFor(owner)) < 0) throw new QuotaExceeded(this.deps.limits.quotaBytes);
  }

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
    const cap = Math.min(maxFileBytes, await this.roomFor(owner));
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
      received: false,
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
      // Its instance or account deleted meanwhile: the upload has nowhere to go.
      if (!(await this.deps.files.markReady(record.id, ready))) throw new UnknownFileLink();
      // Uploads running at once each saw room for themselves: whichever finds the total past the quota gives way.
      await this.refuseIfOverQuota(owner);
      return this.toMediaFile(ready);
    } catch (error) {
      // The blob goes by its key: its record may be gone already, and no one has its link yet.
      await this.deps.files.deleteFile(record.id);
      await this.deps.store.remove(record.blobKey);
      throw error instanceof FileTooLarge ? refusal() : error;
    }
  }

  private async detectType(record: MediaFileRecord, declaredType: string): Promise<string> {
    const readHead = async () => {
      const head = await this.deps.store.read(record.blobKey, { start: 0, end: SNIFF_BYTES - 1 });
      const chunks: Buffer[] = [];
      if (head) for await (const chunk of head) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    return detectMediaType(record.fileName, readHead, bareMediaType(declaredType));
  }

  /**
   * sendFileByUrl's file, named `fileName` (whose extension decides its type): a link of this
   * server is taken as it is (no fetch, the bytes shared); any other URL is fetched through the
   * outbound guard. Throws RemoteFileError, UnknownFileLink, FileTooLarge, QuotaExceeded or
   * EmptyFile.
   */
  async storeFromUrl(owner: FileOwner, url: string, fileName: string): Promise<MediaFile> {
    const ownToken = this.tokenOfOwnLink(url);
    if (ownToken !== undefined) {
      const id = this.idOfToken(ownToken);
      const shared = id === undefined ? undefined : await this.share(id, owner, { fileName });
      if (!shared) throw new UnknownFileLink();
      return shared;
    }
    return fetchRemoteFile(
      url,
      ({ body, contentType, declaredSize }) =>
        this.store(owner, body, { fileName, declaredType: contentType, ...(declaredSize === undefined ? {} : { declaredSize }) }),
      {
        dispatcher: this.deps.dispatcher,
        maxBytes: this.deps.limits.maxFileBytes,
        timeoutMs: this.deps.limits.fetchTimeoutMs,
        maxRedirects: 3,
      },
    );
  }

  /**
   * A new file of `owner` with the bytes of an existing one, under its own link and lifetime:
   * a file an instance received (`received`: not charged to its quota), or one sent again by its
   * link (charged, once per blob). A new name with an extension decides the type anew.
   * Undefined when the original is gone; QuotaExceeded when a charged copy does not fit.
   */
  async share(id: string, owner: FileOwner, options: { fileName?: string; received?: boolean } = {}): Promise<MediaFile | undefined> {
    const now = this.deps.clock.now();
    const newName = cleanFileName(options.fileName ?? "");
    const copy = await this.deps.files.insertCopyOf(id, now, (original) => ({
      ...original,
      ...owner,
      id: randomBytes(16).toString("base64url"),
      ...(newName ? named(newName, original.mimeType) : {}),
      received: options.received ?? false,
      createdAt: now,
      expiresAt: now + this.deps.limits.linkLifetimeMs,
    }));
    if (!copy) return undefined;
    if (!copy.received) {
      try {
        await this.refuseIfOverQuota(owner);
      } catch (error) {
        await this.remove(copy.id);
        throw error;
      }
    }
    return this.toMediaFile(copy);
  }

  /** Names a file anew (its link changes with its name; an extension decides its type); undefined when it is gone. */
  async rename(id: string, fileName: string): Promise<MediaFile | undefined> {
    const record = await this.deps.files.findReady(id, this.deps.clock.now());
    const clean = cleanFileName(fileName);
    if (!record || !clean) return record ? this.toMediaFile(record) : undefined;
    const renamed = { ...record, ...named(clean, record.mimeType) };
    await this.deps.files.rename(id, renamed.fileName, renamed.mimeType);
    return this.toMediaFile(renamed);
  }

  // Files out

  async find(id: string): Promise<MediaFile | undefined> {
    const record = await this.deps.files.findReady(id, this.deps.clock.now());
    return record ? this.toMediaFile(record) : undefined;
  }

  /**
   * What a link serves: the file its token names (if the signature holds and the file has not
   * expired) and a way to read its bytes; undefined otherwise.
   */
  async openLink(token: string): Promise<{ file: MediaFile; read: (range?: ByteRange) => Promise<Readable | undefined> } | undefined> {
    const id = this.idOfToken(token);
    const record = id === undefined ? undefined : await this.deps.files.findReady(id, this.deps.clock.now());
    if (!record) return undefined;
    return { file: this.toMediaFile(record), read: (range) => this.deps.store.read(record.blobKey, range) };
  }

  /** Whole seconds until the file expires. */
  secondsLeft(file: MediaFile): number {
    return Math.max(0, Math.floor((file.expiresAt - this.deps.clock.now()) / 1000));
  }

  // Removal

  private async removeBlobs(removed: Removed): Promise<number> {
    for (const key of removed.unusedBlobs) await this.deps.store.remove(key);
    return removed.files;
  }

  /** Removes a file at once (an upload whose request failed, a copy not needed). */
  async remove(id: string): Promise<void> {
    await this.removeBlobs(await this.deps.files.deleteFile(id));
  }

  /** Expired files (and uploads a crash cut short) go, with each blob no other file shares; answers how many files went. */
  async removeExpired(): Promise<number> {
    let removed = 0;
    for (;;) {
      const files = await this.removeBlobs(await this.deps.files.deleteExpired(this.deps.clock.now(), REMOVAL_BATCH));
      if (files === 0) return removed;
      removed += files;
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

/** A file's new name and the type it then has: its extension's, else the one it had. */
function named(fileName: string, mimeType: string): { fileName: string; mimeType: string } {
  const type = typeOfName(fileName) ?? mimeType;
  return { fileName: withExtension(fileName, type), mimeType: type };
}

/** A name with an extension, as WhatsApp and GREEN-API expect: "report" of type PDF becomes "report.pdf". */
function withExtension(name: string, mimeType: string): string {
  return /\.[^.\s]{1,16}$/.test(name) ? name : `${name}.${extensionFor(mimeType)}`;
}
