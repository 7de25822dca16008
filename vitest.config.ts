import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ (which the end-to-end tests run) only when it is older than src/: see the file.
    globalSetup: ["test/global-setup.ts"],
    // Integration tests start real HTTP servers and child processes; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
