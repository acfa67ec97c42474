import { describe, expect, it } from "vitest";
import { createSortableId, randomIdHex, sha256Bytes, sha256Hex } from "./tokens.js";
import { createApiMessageId } from "../modules/messaging/ids.js";

describe("ids and hashes", () => {
  it("draws ids from the pool without repeats, across many refills of it", () => {
    // 20,000 ids of 7 bytes span 34 fills of the 4 KiB pool, with a remainder at each boundary.
    const ids = Array.from({ length: 20_000 }, () => randomIdHex(7));
    expect(ids.every((id) => /^[0-9a-f]{14}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses a length the pool cannot serve", () => {
    expect(() => randomIdHex(0)).toThrow(RangeError);
    expect(() => randomIdHex(65)).toThrow(RangeError);
  });

  it("makes API message ids in GREEN-API's shape and sortable ids in creation order", () => {
    expect(createApiMessageId()).toMatch(/^BAE5[0-9A-F]{12}$/);
    const sortable = Array.from({ length: 1_000 }, () => createSortableId(1_700_000_000_000));
    expect([...sortable].sort()).toEqual(sortable);
    expect(sortable.every((id) => id.length === 30)).toBe(true);
  });

  it("hashes the same as bytes and as hex", () => {
    expect(sha256Bytes("token").toString("hex")).toBe(sha256Hex("token"));
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
