import { hkdfSync } from "node:crypto";
import type { Kysely } from "kysely";
import type { Dispatcher } from "undici";
import type { Clock } from "../../clock.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/schema.js";
import { DatabaseMediaStore } from "../../media/database-media-store.js";
import { DiskMediaStore } from "../../media/disk-media-store.js";
import { MediaFilesRepository } from "./media-files.repository.js";
import { MediaService } from "./media.service.js";

/** Builds the media service on the store the configuration names; its repository stays inside. */
export function createMediaService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  config: Config["media"];
  publicUrl: string;
  /** The server's secret key: the key that signs links is derived from it. */
  secretKey: Buffer;
  /** Where files by URL are fetched through: the outbound guard's dispatcher. */
  dispatcher: Dispatcher;
}): MediaService {
  const { config } = deps;
  const store = config.storage === "database" ? new DatabaseMediaStore(deps.db, deps.clock) : new DiskMediaStore(config.folder);
  return new MediaService({
    files: new MediaFilesRepository(deps.db),
    store,
    clock: deps.clock,
    linkKey: Buffer.from(hkdfSync("sha256", deps.secretKey, Buffer.alloc(0), "switchboard media links", 32)),
    publicUrl: deps.publicUrl,
    limits: {
      maxFileBytes: config.maxFileBytes,
      linkLifetimeMs: config.linkLifetimeMs,
      quotaBytes: config.quotaBytes,
      fetchTimeoutMs: config.fetchTimeoutMs,
    },
    dispatcher: deps.dispatcher,
  });
}
