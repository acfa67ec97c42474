import { PostgresAdapter, type Kysely, type Selectable } from "kysely";
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
  /** A copy of a file someone sent: not charged to the quota. */
  received: boolean;
  createdAt: number;
  expiresAt: number;
}

/** What a removal deleted, and the blobs no file uses any more (the caller removes them). */
export interface Removed {
  files: number;
  unusedBlobs: string[];
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
    received: row.received === 1,
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
    received: record.received ? 1 : 0,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
  };
}

/** The media_file table: which files exist, whose they are, until when, and which blob holds their bytes. */
export class MediaFilesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** PostgreSQL runs transactions side by side: there a copy locks its original; SQLite runs them one at a time. */
  private get locksRows(): boolean {
    return this.db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** Records an upload before its bytes arrive; it expires soon unless marked ready. */
  async insertUploading(record: MediaFileRecord): Promise<void> {
    await this.db.insertInto("media_file").values(toRow(record, "uploading")).execute();
  }

  /**
   * Completes an upload; false when its record is gone meanwhile (its instance or account
   * deleted, or the upload outlived its grace and housekeeping took it).
   */
  async markReady(id: string, fields: Pick<MediaFileRecord, "fileName" | "mimeType" | "size" | "sha256" | "expiresAt">): Promise<boolean> {
    const result = await this.db
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
      .where("state", "=", "uploading")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * A new file with the bytes of a ready one, built from it by `copy`; undefined when the
   * original is gone or expired. The original is locked while the copy is written, so that a
   * removal running at the same time either sees the copy (and keeps the blob) or happens first
   * (and there is no copy).
   */
  async insertCopyOf(id: string, now: number, copy: (original: MediaFileRecord) => MediaFileRecord): Promise<MediaFileRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom("media_file").selectAll().where("id", "=", id).where("state", "=", "ready").where("expires_at", ">", now);
      if (this.locksRows) query = query.forShare();
      const original = await query.executeTakeFirst();
      if (!original) return undefined;
      const record = copy(toRecord(original));
      await trx.insertInto("media_file").values(toRow(record, "ready")).execute();
      return record;
    });
  }

  async rename(id: string, fileName: string, mimeType: string): Promise<void> {
    await this.db.updateTable("media_file").set({ file_name: fileName, mime_type: mimeType }).where("id", "=", id).execute();
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

  /**
   * The bytes an account's quota is charged at `now`: each blob once, however many of its files
   * share it (a file sent again by its link costs nothing more), and nothing for files it
   * received; uploads still arriving count as they complete.
   */
  async chargedSizeOf(userId: string, now: number): Promise<number> {
    const blobs = this.db
      .selectFrom("media_file")
      .select(["blob_key", (eb) => eb.fn.max("size").as("size")])
      .where("user_id", "=", userId)
      .where("received", "=", 0)
      .where("expires_at", ">", now)
      .groupBy("blob_key")
      .as("blobs");
    const row = await this.db
      .selectFrom(blobs)
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("blobs.size"), eb.lit(0)).as("total"))
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
   * Deletes the files chosen and answers the blobs no file uses any more, in one transaction:
   * a copy being made of one of them waits for it, or is seen by it (insertCopyOf).
   */
  private deleteWhere(
    choose: (query: ReturnType<MediaFilesRepository["selectKeys"]>) => ReturnType<MediaFilesRepository["selectKeys"]>,
  ): Promise<Removed> {
    return this.db.transaction().execute(async (trx) => {
      let chosenQuery = choose(this.selectKeys(trx));
      if (this.locksRows) chosenQuery = chosenQuery.forUpdate();
      const chosen = await chosenQuery.execute();
      if (chosen.length === 0) return { files: 0, unusedBlobs: [] };
      const keys = [...new Set(chosen.map((row) => row.blob_key))];
      await trx
        .deleteFrom("media_file")
        .where(
          "id",
          "in",
          chosen.map((row) => row.id),
        )
        .execute();
      const stillUsed = await trx.selectFrom("media_file").select("blob_key").where("blob_key", "in", keys).execute();
      const used = new Set(stillUsed.map((row) => row.blob_key));
      return { files: chosen.length, unusedBlobs: keys.filter((key) => !used.has(key)) };
    });
  }

  private selectKeys(db: Kysely<Database> = this.db) {
    return db.selectFrom("media_file").select(["id", "blob_key"]);
  }

  deleteFile(id: string): Promise<Removed> {
    return this.deleteWhere((query) => query.where("id", "=", id));
  }

  /** Files that expired before `now`, a batch at a time (uploads a crash cut short included). */
  deleteExpired(now: number, limit: number): Promise<Removed> {
    return this.deleteWhere((query) => query.where("expires_at", "<=", now).orderBy("expires_at").limit(limit));
  }

  deleteOfInstance(idInstance: number): Promise<Removed> {
    return this.deleteWhere((query) => query.where("id_instance", "=", idInstance));
  }

  deleteOfUser(userId: string): Promise<Removed> {
    return this.deleteWhere((query) => query.where("user_id", "=", userId));
  }
}
