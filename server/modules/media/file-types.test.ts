import { describe, expect, it } from "vitest";
import { cleanFileName, detectMediaType, messageTypeOf } from "./file-types.js";

const PDF_HEAD = Buffer.from("%PDF-1.7\n");

describe("file names and types", () => {
  it("keeps the last path segment only, without control characters or direction marks, at most 200 characters", () => {
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(cleanFileName("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(cleanFileName("line\nbreak.txt")).toBe("linebreak.txt");
    expect(cleanFileName("..")).toBe("");
    const long = cleanFileName(`${"a".repeat(300)}.jpeg`);
    expect([long.length, long.endsWith(".jpeg")]).toEqual([200, true]);
  });

  it("decides the type by extension, then by content, then by what the sender declared", async () => {
    const head = (bytes: Buffer) => async () => bytes;
    expect(await detectMediaType("notes.txt", head(PDF_HEAD), "image/png")).toBe("text/plain");
    expect(await detectMediaType("scan", head(PDF_HEAD), "image/png")).toBe("application/pdf");
    expect(await detectMediaType("data", head(Buffer.from("plain words")), "text/csv")).toBe("text/csv");
    expect(await detectMediaType("", head(Buffer.from("plain words")), "")).toBe("application/octet-stream");
  });

  it("sends photos as images, video and audio as theirs, anything else as a document", () => {
    expect(["image/jpeg", "image/png", "image/gif", "image/webp"].map(messageTypeOf)).toEqual(Array(4).fill("imageMessage"));
    expect(messageTypeOf("image/svg+xml")).toBe("documentMessage");
    expect(messageTypeOf("video/quicktime")).toBe("videoMessage");
    expect(messageTypeOf("audio/ogg")).toBe("audioMessage");
    expect(messageTypeOf("application/zip")).toBe("documentMessage");
  });
});
