import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadOrCreateSecretKey, SecretBox } from "./secret-box.js";

describe("tokens encrypted at rest", () => {
  it("opens what it sealed, and a fresh nonce makes every seal different", () => {
    const box = new SecretBox(randomBytes(32));
    const token = "d4e4276df8044c259611ee08aefc198482b441126d517a466d";
    const first = box.seal(token);
    expect(first).not.toContain(token);
    expect(box.seal(token)).not.toBe(first);
    expect(box.open(first)).toBe(token);
  });

  it("refuses a tampered value or another key", () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = Buffer.from(box.seal("secret"), "base64");
    sealed[sealed.length - 1]! ^= 1;
    expect(() => box.open(sealed.toString("base64"))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(box.seal("secret"))).toThrow();
  });

  it("generates a key into the data folder on first start, readable by the owner only, and reuses it", async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), "switchboard-key-"));
    try {
      const file = path.join(folder, "secret.key");
      const key = loadOrCreateSecretKey(undefined, file);
      expect(key).toHaveLength(32);
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      expect(loadOrCreateSecretKey(undefined, file).equals(key)).toBe(true);
      const configured = randomBytes(32);
      expect(loadOrCreateSecretKey(configured, file).equals(configured)).toBe(true);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
