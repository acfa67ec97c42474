import type { Kysely } from "kysely";
import { systemClock, type Clock } from "./clock.js";
import { loadConfigOrExit } from "./config.js";
import { createDb, migrateToLatest } from "./db/create-db.js";
import type { Database } from "./db/schema.js";
import { AccountAdministration, UnknownAccountError } from "./modules/accounts/accounts.admin.js";
import { AccountsRepository } from "./modules/accounts/accounts.repository.js";
import { SessionsRepository } from "./modules/accounts/sessions.repository.js";
import { SessionsService } from "./modules/accounts/sessions.service.js";
import { AuditRepository } from "./modules/audit/audit.repository.js";
import { DatabaseSignals } from "./db/database-signals.js";
import { InstancesRepository } from "./modules/messaging/instances.repository.js";

const USAGE = `Usage: npm run admin -- <command>

Commands:
  list                    every account: email, created, disabled, sessions, instances
  end-sessions <email>    signs the account out everywhere
  disable <email>         the account cannot sign in, its sessions end, its instances answer 403
  enable <email>          undoes disable
`;

export interface AdminOutput {
  write(text: string): void;
}

/** Runs one operator command against the database; answers the process's exit code. */
export async function runAdminCommand(args: string[], deps: { db: Kysely<Database>; out: AdminOutput; clock?: Clock }): Promise<number> {
  const [command, email] = args;
  // The command changes what running nodes keep in memory (a disabled owner): it tells them.
  const signals = new DatabaseSignals(deps.db, { warn: (_details, message) => deps.out.write(`warning: ${message}\n`) });
  const instances = new InstancesRepository(deps.db, signals);
  const administration = new AccountAdministration({
    accounts: new AccountsRepository(deps.db),
    sessions: new SessionsService(new SessionsRepository(deps.db), deps.clock ?? systemClock),
    audit: new AuditRepository(deps.db),
    clock: deps.clock ?? systemClock,
    setInstancesDisabled: (userId, isDisabled) => instances.setOwnerDisabled(userId, isDisabled),
  });
  const needsEmail = command === "end-sessions" || command === "disable" || command === "enable";
  if (needsEmail && !email) {
    deps.out.write(`The command ${command} needs an email.\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (command) {
      case "list": {
        const accounts = await administration.list();
        deps.out.write("email\tcreated\tdisabled\tsessions\tinstances\n");
        for (const account of accounts) {
          deps.out.write(
            `${account.email}\t${account.createdAt}\t${account.isDisabled ? "yes" : "no"}\t${account.sessions}\t${account.instances}\n`,
          );
        }
        return 0;
      }
      case "end-sessions":
        deps.out.write(`Ended ${await administration.endSessions(email!)} session(s) of ${email}.\n`);
        return 0;
      case "disable":
        await administration.disable(email!);
        deps.out.write(`Disabled ${email}: it cannot sign in, its sessions ended and its instances answer 403.\n`);
        return 0;
      case "enable":
        await administration.enable(email!);
        deps.out.write(`Enabled ${email}.\n`);
        return 0;
      default:
        deps.out.write(command && command !== "help" ? `Unknown command: ${command}\n\n${USAGE}` : USAGE);
        return command && command !== "help" ? 2 : 0;
    }
  } catch (error) {
    if (error instanceof UnknownAccountError) {
      deps.out.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const db = createDb(config.database);
  try {
    await migrateToLatest(db);
    process.exitCode = await runAdminCommand(process.argv.slice(2), { db, out: process.stdout });
  } finally {
    await db.destroy();
  }
}

// Run as a command, not when a test imports it.
if (process.argv[1] && /admin\.[jt]s$/.test(process.argv[1])) await main();
