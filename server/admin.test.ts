import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot } from "./test/server-process.js";

const run = promisify(execFile);

/** The operator's command line itself, as `npm run admin -- …` starts it, on a database of its own. */
describe("npm run admin", () => {
  let folder: string;
  beforeAll(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-admin-"));
  });
  afterAll(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  const admin = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "server/admin.ts", ...args], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? "", DATA_DIR: folder, LOG_LEVEL: "silent" },
    });

  it("migrates a new database and lists its (no) accounts", async () => {
    const { stdout } = await admin("list");
    expect(stdout).toBe("email\tcreated\tdisabled\tsessions\tinstances\n");
  });

  it("prints the usage for help, and fails with code 1 for an unknown email", async () => {
    expect((await admin("help")).stdout).toContain("disable <email>");
    await expect(admin("disable", "nobody@example.com")).rejects.toMatchObject({
      code: 1,
      stdout: "No account has the email nobody@example.com.\n",
    });
  });
});
