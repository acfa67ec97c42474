import { defineConfig } from "vitest/config";

/** The server suite runs twice, once per database; browser tests run once, one file at a time. */
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        // Several nodes need PostgreSQL: the multi-node test runs in the PostgreSQL project only.
        test: {
          name: "server-sqlite",
          include: ["server/**/*.test.ts"],
          exclude: ["server/compat/multi-node.test.ts"],
          env: { TEST_DB: "sqlite" },
        },
      },
      {
        extends: true,
        test: { name: "server-postgres", include: ["server/**/*.test.ts"], env: { TEST_DB: "postgres" } },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
