import { buildApp } from "./app.js";
import { loadConfigOrExit } from "./config.js";
import { createDb, migrateToLatest } from "./db/create-db.js";
import { loggerOptions } from "./logging.js";

/** Process entry: config → database → app → listen → graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const db = createDb(config.database);
  await migrateToLatest(db);
  const app = await buildApp({ config, db, logger: loggerOptions(config.logLevel) });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    await app.close();
    await db.destroy();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { url: config.publicUrl, database: config.database.dialect, mail: config.smtpUrl ? "smtp" : config.outboxDir },
    "Switchboard console ready",
  );
}

await main();
