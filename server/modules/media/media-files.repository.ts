import type { Kysely, Selectable } from "kysely";
import type { Database, MediaFileTable } from "../../db/schema.js";

type MediaFileRow = Selectable<MediaFileTable>;

/** A file record as the media service sees it. */
export interface MediaFileRecord {
  id: string;
  blobKey: string;
  userId: string;
  idInstance: number | null;
  fileName: string;
  mimeType: string;
  size: number;
  sha256: string;
  createdAt: number;
  expiresAt: number;
}

function toRecord(row: MediaFileRow): MediaFileRecord {
  return {
    id: row.id,
    blobKey: row.blob_key,
    userId: row.user_id,
    idInstance: row.id_instance === null ? null : Number(row.id_instance),
    fileName: row.file_name,
    mimeType: row.mime_type,
    size: Number(row.size),
    sha256: row.sha256,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

function toRow(record: MediaFileRecord, state: "uploading" | "ready"): MediaFileRow {
  return {
    id: record.id,
    blob_key: record.blobKey,
    user_id: record.userId,
    id_instance: record.idInstance,
    file_name: record.fileName,
    mime_type: record.mimeType,
    size: record.size,
    sha256: record.sha256,
    state,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
  };
}

/** The media_file table: which files exist, whose they are, until when, and which blob holds their bytes. */
export class MediaFilesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records an upload before its bytes arrive; it expires soon unless marked ready. */
  async insertUploading(record: MediaFileRecord): Promise<void> {
    await this.db.insertInto("media_file").values(toRow(record, "uploading")).execute();
  }

  async insertReady(record: MediaFileRecord): Promise<void> {
    await this.db.insertInto("media_file").values(toRow(record, "ready")).execute();
  }

  async markReady(id: string, fields: Pick<MediaFileRecord, "fileName" | "mimeType" | "size" | "sha256" | "expiresAt">): Promise<void> {
    await this.db
      .updateTable("media_file")
      .set({
        file_name: fields.fileName,
        mime_type: fields.mimeType,
        size: fields.size,
        sha256: fields.sha256,
        expires_at: fields.expiresAt,
        state: "ready",
      })
      .where("id", "=", id)
      .execute();
  }

  async rename(id: string, fileName: string): Promise<void> {
    await this.db.updateTable("media_file").set({ file_name: fileName }).where("id", "=", id).execute();
  }

  /** A complete file that has not expired at `now`. */
  async findReady(id: string, now: number): Promise<MediaFileRecord | undefined> {
    const row = await this.db
      .selectFrom("media_file")
      .selectAll()
      .where("id", "=", id)
      .where("state", "=", "ready")
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Bytes an account's files take, finished or still arriving. */
  async totalSizeOf(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom("media_file")
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), eb.lit(0)).as("total"))
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  async listOfUser(userId: string): Promise<MediaFileRecord[]> {
    const rows = await this.db
      .selectFrom("media_file")
      .selectAll()
      .where("user_id", "=", userId)
      .where("state", "=", "ready")
      .orderBy("created_at")
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Deletes the files chosen and answers the blob keys no file refers to any more: the caller
   * removes those blobs. A blob still shared by another file stays.
   */
  private async deleteWhere(
    choose: (query: ReturnType<MediaFilesRepository["selectKeys"]>) => ReturnType<MediaFilesRepository["selectKeys"]>,
  ): Promise<string[]> {
    const chosen = await choose(this.selectKeys()).execute();
    if (chosen.length === 0) return [];
    const ids = chosen.map((row) => row.id);
    const keys = [...new Set(chosen.map((row) => row.blob_key))];
    await this.db.deleteFrom("media_file").where("id", "in", ids).execute();
    const stillUsed = await this.db.selectFrom("media_file").select("blob_key").where("blob_key", "in", keys).execute();
    const used = new Set(stillUsed.map((row) => row.blob_key));
    return keys.filter((key) => !used.has(key));
  }

  private selectKeys() {
    return this.db.selectFrom("media_file").select(["id", "blob_key"]);
  }

  deleteFile(id: string): Promise<string[]> {
    return this.deleteWhere((query) => query.where("id", "=", id));
  }

  /** Files that expired before `now`, a batch at a time (uploads cut short by a crash included). */
  deleteExpired(now: number, limit: number): Promise<string[]> {
    return this.deleteWhere((query) => query.where("expires_at", "<=", now).orderBy("expires_at").limit(limit));
  }

  deleteOfInstance(idInstance: number): Promise<string[]> {
    return this.deleteWhere((query) => query.where("id_instance", "=", idInstance));
  }

  deleteOfUser(userId: string): Promise<string[]> {
    return this.deleteWhere((query) => query.where("user_id", "=", userId));
  }
}
