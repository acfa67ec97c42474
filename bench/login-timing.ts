/**
 * Does a failed login take the same time whether or not the email exists?
 * Measures, in one run, the median answer time for an unknown email, a wrong
 * password, and a wrong password on an account with a pending temporary password,
 * and prints each as a ratio to the wrong-password baseline (1.00 = the same).
 */
import { performance } from "node:perf_hooks";
import { buildTestApp, createClient, registerPerson, uniqueEmail } from "../server/test/build-test-app.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

const harness = await buildTestApp();
try {
  const { email: known } = await registerPerson(harness.app);
  const { email: pending } = await registerPerson(harness.app);
  await createClient(harness.app).post("/api/console/password-reset", { email: pending });
  await harness.app.mailQueue.whenIdle();
  await harness.smtp.waitForMail(pending);

  const scenarios: Record<string, () => string> = {
    "wrong password": () => known,
    "unknown email": () => uniqueEmail(),
    "wrong password, temporary password pending": () => pending,
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so that drift in machine load touches every scenario alike.
    for (const [name, emailFor] of Object.entries(scenarios)) {
      const client = createClient(harness.app);
      const started = performance.now();
      const response = await client.post("/api/console/login", { email: emailFor(), password: `wrong-${round}` });
      samples[name]!.push(performance.now() - started);
      if (response.statusCode !== 401) throw new Error(`expected 401, got ${response.statusCode}`);
      // Stay under the per-account limit: each round is a fresh window.
      harness.clock.advance(16 * 60_000);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const baseline = median(samples["wrong password"]!);
  process.stdout.write(`login failure timing, ${ROUNDS} rounds, median ms and ratio to "wrong password"\n`);
  for (const [name, values] of Object.entries(samples)) {
    process.stdout.write(`  ${name.padEnd(45)} ${median(values).toFixed(1).padStart(7)} ms   ${(median(values) / baseline).toFixed(2)}\n`);
  }
} finally {
  await harness.close();
}
