import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildTestApp } from "./test/build-test-app.js";

describe("user agreement", () => {
  it("serves the shipped template as a page of its own", async () => {
    const harness = await buildTestApp();
    try {
      const page = await harness.app.inject({ method: "GET", url: "/user-agreement" });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toContain("text/html");
      expect(page.body).toContain("<h1>User agreement</h1>");
      const styles = await harness.app.inject({ method: "GET", url: "/user-agreement.css" });
      expect(styles.headers["content-type"]).toContain("text/css");
    } finally {
      await harness.close();
    }
  });

  it("is replaced by the operator's file from USER_AGREEMENT_FILE", async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), "switchboard-agreement-"));
    const file = path.join(folder, "agreement.html");
    await fs.writeFile(file, "<h1>Terms of Example Ltd</h1><p>Be kind.</p>");
    const harness = await buildTestApp({ USER_AGREEMENT_FILE: file });
    try {
      const page = await harness.app.inject({ method: "GET", url: "/user-agreement" });
      expect(page.body).toContain("<h1>Terms of Example Ltd</h1>");
      expect(page.body).not.toContain("<h1>User agreement</h1>");
    } finally {
      await harness.close();
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
