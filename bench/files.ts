/**
 * Files (ADR 0014): uploadFile on the real app, its bytes streamed into the media store.
 *   throughput  one client uploading files of 20, 50 and 100 MB one after another, in MB a
 *               second, as a ratio to writing the same bytes from the same kind of source with
 *               fs.createWriteStream into the same temporary folder, measured in the same rounds;
 *               beside them a bare Fastify route streaming the body into a file, the ceiling of
 *               any upload, against which the disk store (the default with SQLite) has its
 *               budget; the database store (MEDIA_STORAGE=database, 256 KiB chunk rows in
 *               SQLite) for information
 *   memory      the server's RSS while 5 clients upload 100 MB each at once, over its idle RSS
 *               just before: the budget is under 64 MB of growth; then the same again
 * The app runs in a child process of its own (SQLite file), the clients in this one; the clients
 * stream too (a 1 MiB random chunk sent over and over), so none holds a file in memory.
 * MB are 2^20 bytes, as MEDIA_MAX_FILE_MB counts them.
 *
 * Every file is removed once timed, in every scenario. On a virtual machine the first write into
 * memory the guest has never touched faults in the host: page-cache writes into such memory ran
 * at about 200 MB/s, into memory freed before at about 2,000 MB/s. Kept files would push each
 * scenario, in turn, into fresh memory; removed ones let the page cache reuse the same pages.
 *
 *   tsx bench/files.ts
 *   BENCH_ROUNDS=1 tsx bench/files.ts   shorter
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { request } from "undici";
import type { Credentials } from "./fixtures/bench-app.js";
import { startServer, type BenchServer } from "./fixtures/bench-server.js";
import { inRounds, settingsFromEnvironment, type Figure } from "./fixtures/load.js";
import { printBudget, summary } from "./fixtures/report.js";

const MB = 1024 * 1024;
/** Only BENCH_ROUNDS and BENCH_CONNECTIONS (the clients uploading at once in the memory scenario, one instance each) apply here. */
const settings = settingsFromEnvironment({ durationS: 1, warmupS: 0, rounds: 5, connections: 5, instances: 5 });
const FILE_SIZES_MB = [20, 50, 100];
const CONCURRENT_FILE_MB = 100;
/**
 * The budget is against the bare route, not against writing the bytes: on this machine the bare
 * route itself reaches about a tenth of the page cache's speed (see bench/README.md), so the
 * share of it that the app keeps is what the app decides.
 */
const BUDGET_TO_BARE = 0.7;
const BUDGET_GROWTH_MB = 64;
const SAMPLE_EVERY_MS = 50;
/** Room for the largest file and for the memory scenario's five at once. */
const MEDIA_ENVIRONMENT = { MEDIA_MAX_FILE_MB: "128", MEDIA_QUOTA_MB: String(1024 * 1024) };

const chunk = randomBytes(MB);

/** `size` bytes made of one chunk pushed over and over: a source of any size that holds 1 MiB. */
class RepeatedBytes extends Readable {
  private left: number;

  constructor(size: number) {
    super();
    this.left = size;
  }

  override _read(): void {
    if (this.left === 0) {
      this.push(null);
      return;
    }
    const length = Math.min(this.left, chunk.length);
    this.left -= length;
    this.push(length === chunk.length ? chunk : chunk.subarray(0, length));
  }
}

/** The SHA-256 a file of `size` RepeatedBytes must have once stored. */
function expectedSha256(size: number): string {
  const hash = createHash("sha256");
  for (let left = size; left > 0; left -= chunk.length) hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  return hash.digest("hex");
}

/**
 * The baseline: the same bytes from the same kind of source, written to a file in the same
 * folder, removed once timed as every scenario's files are.
 */
async function writeToDisk(folder: string, size: number): Promise<number> {
  const file = path.join(folder, `baseline-${randomBytes(6).toString("hex")}.bin`);
  const started = performance.now();
  await pipeline(new RepeatedBytes(size), createWriteStream(file, { flags: "wx" }));
  const ms = performance.now() - started;
  await rm(file);
  return ms;
}

/** One upload, its body streamed; ms until the answer has been read, and the answer. */
async function post(url: string, size: number): Promise<{ ms: number; statusCode: number; text: string }> {
  const started = performance.now();
  const answer = await request(url, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(size),
      "ga-filename": `bench-${size / MB}mb.bin`,
    },
    body: new RepeatedBytes(size),
  });
  const text = await answer.body.text();
  return { ms: performance.now() - started, statusCode: answer.statusCode, text };
}

/** One uploadFile call; ms until the answer has been read, and the file's link. */
async function upload(server: BenchServer, instance: Credentials, size: number): Promise<{ ms: number; urlFile: string }> {
  const { ms, statusCode, text } = await post(
    `${server.url}/waInstance${instance.idInstance}/uploadFile/${instance.apiTokenInstance}`,
    size,
  );
  const urlFile = statusCode === 200 ? (JSON.parse(text) as { urlFile?: unknown }).urlFile : undefined;
  if (typeof urlFile !== "string") throw new Error(`uploadFile: ${statusCode} ${text.slice(0, 300)}`);
  return { ms, urlFile };
}

/** The bare route's upload (bench-server's `uploadDir`), its file removed once timed. */
async function uploadBare(server: BenchServer, uploadDir: string, size: number): Promise<number> {
  const { ms, statusCode, text } = await post(`${server.url}/upload`, size);
  if (statusCode !== 200) throw new Error(`bare upload: ${statusCode} ${text.slice(0, 300)}`);
  for (const name of await readdir(uploadDir)) await rm(path.join(uploadDir, name));
  return ms;
}

/**
 * Writes back whatever earlier scenarios left in the page cache before the next one starts, so
 * that none pays for another's writeback. Linux's `sync -f` syncs the one file system; elsewhere nothing.
 */
function settleDisk(folder: string): void {
  try {
    execFileSync("sync", ["-f", folder]);
  } catch {
    // Not fatal: the scenarios take turns, which spreads the writeback over them all.
  }
}

/** Downloads a file through its link (PUBLIC_URL has no port: the path is asked of the server) and hashes it. */
async function sha256Of(server: BenchServer, urlFile: string): Promise<string> {
  const answer = await request(`${server.url}${new URL(urlFile).pathname}`);
  const hash = createHash("sha256");
  for await (const part of answer.body) hash.update(part as Buffer);
  if (answer.statusCode !== 200) throw new Error(`download: ${answer.statusCode}`);
  return hash.digest("hex");
}

/** Every file size once, one after another; MB a second over the whole set. */
async function figureOf(name: string, folder: string, files: (size: number) => Promise<number>): Promise<Figure> {
  settleDisk(folder);
  let ms = 0;
  for (const sizeMb of FILE_SIZES_MB) ms += await files(sizeMb * MB);
  const total = FILE_SIZES_MB.reduce((sum, size) => sum + size, 0);
  return { name, perSecond: total / (ms / 1000), ok: FILE_SIZES_MB.length, other: "none" };
}

// ---------------------------------------------------------------- memory

interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** A process's resident set from /proc (Linux): read from outside, so busy event loops do not delay it. */
async function procRss(pid: number, field: "VmRSS" | "VmHWM"): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak RSS of a process (VmHWM), so that it then holds the peak of what follows. */
async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

interface Sampled {
  peakRss: number;
  atPeak: MemorySample;
  /** The highest RSS in each quarter of the run: a plateau is memory taken once, a climb would be bytes kept. */
  quarters: number[];
  samples: number;
  /** This process's, the clients': it streams as well, so it stays far below the bytes it sends. */
  clientPeakRss: number;
}

/**
 * Samples the server every SAMPLE_EVERY_MS until stopped: its RSS from /proc (else from the
 * child itself), and its own memoryUsage over IPC, to tell where a peak lives (heap, buffers).
 */
function sampleMemory(server: BenchServer): { stop: () => Promise<Sampled> } {
  let isRunning = true;
  const samples: Array<MemorySample & { at: number }> = [];
  let clientPeakRss = 0;
  const loop = (async () => {
    while (isRunning) {
      const next = new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
      const [outside, usage] = await Promise.all([procRss(server.pid, "VmRSS"), server.memory()]);
      const { heapTotal, heapUsed, external, arrayBuffers } = usage;
      samples.push({ at: performance.now(), rss: Math.max(outside ?? 0, usage.rss), heapTotal, heapUsed, external, arrayBuffers });
      clientPeakRss = Math.max(clientPeakRss, process.memoryUsage().rss);
      await next;
    }
  })();
  return {
    stop: async () => {
      isRunning = false;
      await loop;
      const atPeak = samples.reduce((peak, sample) => (sample.rss > peak.rss ? sample : peak), samples[0]!);
      const first = samples[0]!.at;
      const span = samples.at(-1)!.at - first || 1;
      const quarters = [0, 0, 0, 0];
      for (const sample of samples) {
        const quarter = Math.min(3, Math.floor(((sample.at - first) / span) * 4));
        quarters[quarter] = Math.max(quarters[quarter]!, sample.rss);
      }
      return { peakRss: atPeak.rss, atPeak, quarters, samples: samples.length, clientPeakRss };
    },
  };
}

/** The idle RSS: the median of a few samples a settled server gives. */
async function idleRss(server: BenchServer): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < 10; i++) {
    values.push((await procRss(server.pid, "VmRSS")) ?? (await server.memory()).rss);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
  }
  return values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/**
 * Every instance's client uploads a CONCURRENT_FILE_MB file at once; the server's RSS from its
 * settled idle, just before, to the end of the last upload.
 */
async function concurrentUploads(server: BenchServer) {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const idle = await idleRss(server);
  const idleUsage = await server.memory();
  const hasPeakCounter = await resetPeak(server.pid);
  const sampler = sampleMemory(server);
  const started = performance.now();
  await Promise.all(server.instances.map((instance) => upload(server, instance, CONCURRENT_FILE_MB * MB)));
  const seconds = (performance.now() - started) / 1000;
  const sampled = await sampler.stop();
  // The kernel's counter catches a peak between two samples.
  const kernelPeak = hasPeakCounter ? await procRss(server.pid, "VmHWM") : undefined;
  return { idle, idleUsage, sampled, kernelPeak, peak: Math.max(sampled.peakRss, kernelPeak ?? 0), seconds };
}

// ---------------------------------------------------------------- run

const line = (text: string) => void process.stdout.write(`${text}\n`);
const mb = (bytes: number) => (bytes / MB).toFixed(1);

const folder = await mkdtemp(path.join(os.tmpdir(), "switchboard-bench-files-"));
const servers: BenchServer[] = [];
const track = (server: BenchServer) => {
  servers.push(server);
  return server;
};
try {
  // Every server's files in a folder of its own inside the same temporary folder as the baseline's.
  for (const name of ["bare", "disk", "database", "memory"]) await mkdir(path.join(folder, name));
  const [bare, disk, database] = await Promise.all([
    startServer({ kind: "bare", uploadDir: path.join(folder, "bare") }).then(track),
    startServer({ kind: "app", dataDir: path.join(folder, "disk"), instances: 1, environment: MEDIA_ENVIRONMENT }).then(track),
    startServer({
      kind: "app",
      dataDir: path.join(folder, "database"),
      instances: 1,
      environment: { ...MEDIA_ENVIRONMENT, MEDIA_STORAGE: "database" },
    }).then(track),
  ]);
  // The first file of each store is kept to be checked; every other one is removed once timed.
  const kept = new Map<BenchServer, string>();
  const uploadTo = (server: BenchServer) => async (size: number) => {
    const { ms, urlFile } = await upload(server, server.instances[0]!, size);
    if (kept.has(server)) await server.removeFile(urlFile);
    else kept.set(server, urlFile);
    return ms;
  };

  // The four take turns, each round starting with the next one; medians of the rounds are reported.
  const scenarios = {
    baseline: () => figureOf("fs.createWriteStream, same folder", folder, (size) => writeToDisk(folder, size)),
    bare: () => figureOf("bare Fastify route streaming to a file", folder, (size) => uploadBare(bare, path.join(folder, "bare"), size)),
    disk: () => figureOf("uploadFile, disk store", folder, uploadTo(disk)),
    database: () => figureOf("uploadFile, database store (SQLite)", folder, uploadTo(database)),
  };
  // A warm-up of each, untimed: code compiled, caches filled, the store's folders and tables made.
  for (const scenario of Object.values(scenarios)) await scenario();
  const rounds = await inRounds(scenarios, settings.rounds);

  // The bytes stored are the bytes sent: the first file of each store, downloaded through its link.
  const expected = expectedSha256(FILE_SIZES_MB[0]! * MB);
  const intact = {
    disk: (await sha256Of(disk, kept.get(disk)!)) === expected,
    database: (await sha256Of(database, kept.get(database)!)) === expected,
  };
  await Promise.all([bare.stop(), disk.stop(), database.stop()]);

  // Memory: a fresh server, warmed by one small upload (code loaded on first use is not growth of an upload).
  settleDisk(folder);
  const memoryServer = track(
    await startServer({
      kind: "app",
      dataDir: path.join(folder, "memory"),
      instances: settings.connections,
      environment: MEDIA_ENVIRONMENT,
    }),
  );
  await upload(memoryServer, memoryServer.instances[0]!, MB);
  const first = await concurrentUploads(memoryServer);
  // The same again on the same server: growth that does not come back is paid once, not by every upload.
  const again = await concurrentUploads(memoryServer);

  line(
    `Files, ${os.cpus().length} cores, Node ${process.version}, SQLite file, one client uploading ` +
      `${FILE_SIZES_MB.join(", ")} MB one after another, ${settings.rounds} rounds taking turns (medians shown)`,
  );
  const keys = Object.keys(scenarios) as Array<keyof typeof scenarios>;
  const rows = keys.map((key) => summary(rounds, key, "baseline"));
  const heading = "ratio to writing the same bytes";
  const width = Math.max(heading.length, ...rows.map((row) => row.name.length));
  line(`  ${heading.padEnd(width)}   MB/s  ratio  rounds' ratios`);
  for (const row of rows) {
    line(`  ${row.name.padEnd(width)} ${row.perSecond.toFixed(0).padStart(6)}  ${row.ratio.toFixed(2).padStart(5)}  ${row.ratios}`);
  }
  for (const key of keys) {
    line(`  rounds' MB/s, ${rounds[0]![key].name}: ${rounds.map((round) => round[key].perSecond.toFixed(0)).join(" / ")}`);
  }
  const toBare = summary(rounds, "disk", "bare");
  const databaseToBare = summary(rounds, "database", "bare");
  line(
    `  against the bare route: uploadFile, disk store ${toBare.ratio.toFixed(2)} (rounds ${toBare.ratios}); ` +
      `database store ${databaseToBare.ratio.toFixed(2)} (rounds ${databaseToBare.ratios})`,
  );
  const parts = (usage: MemorySample) =>
    `heap ${mb(usage.heapTotal)} MB (${mb(usage.heapUsed)} MB used), external ${mb(usage.external)} MB (array buffers ${mb(usage.arrayBuffers)} MB)`;
  for (const [name, run] of [
    ["first", first],
    ["again, the same server", again],
  ] as const) {
    line(
      `  ${settings.connections} clients uploading ${CONCURRENT_FILE_MB} MB each at once (disk store), ${name}: ${run.seconds.toFixed(1)} s, ` +
        `${((settings.connections * CONCURRENT_FILE_MB) / run.seconds).toFixed(0)} MB/s in all`,
    );
    line(
      `    server RSS: idle ${mb(run.idle)} MB, peak ${mb(run.peak)} MB (sampled every ${SAMPLE_EVERY_MS} ms: ${mb(run.sampled.peakRss)} MB over ` +
        `${run.sampled.samples} samples; the kernel's peak counter: ${run.kernelPeak === undefined ? "unavailable" : `${mb(run.kernelPeak)} MB`}), ` +
        `growth ${mb(run.peak - run.idle)} MB`,
    );
    line(`    idle: ${parts(run.idleUsage)}; at the sampled peak: ${parts(run.sampled.atPeak)}`);
    line(`    server RSS, highest in each quarter of the uploads: ${run.sampled.quarters.map(mb).join(" / ")} MB`);
    line(`    the clients' process (this one), peak RSS: ${mb(run.sampled.clientPeakRss)} MB`);
  }
  printBudget(
    toBare.ratio >= BUDGET_TO_BARE,
    `uploadFile to the disk store ≥ ${BUDGET_TO_BARE * 100}% of the bare Fastify route streaming the same bytes to a file ` +
      `(${(toBare.ratio * 100).toFixed(0)}%; against writing the same bytes: ${summary(rounds, "disk", "baseline").ratio.toFixed(2)}, ` +
      `the bare route ${summary(rounds, "bare", "baseline").ratio.toFixed(2)})`,
  );
  printBudget(
    first.peak - first.idle < BUDGET_GROWTH_MB * MB,
    `server RSS growth under ${BUDGET_GROWTH_MB} MB while ${settings.connections} clients upload ${CONCURRENT_FILE_MB} MB each at once ` +
      `(${mb(first.peak - first.idle)} MB; again on the same server ${mb(again.peak - again.idle)} MB)`,
  );
  printBudget(
    intact.disk && intact.database,
    `stored bytes match the bytes sent (SHA-256 of a downloaded file: disk ${intact.disk ? "same" : "DIFFERENT"}, database ${intact.database ? "same" : "DIFFERENT"})`,
  );
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await rm(folder, { recursive: true, force: true });
}
