// Offline unit tests of the harness and the reference target: harness/**/*.test.ts and fixtures/**/*.test.ts.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: ["harness/**/*.test.ts", "fixtures/**/*.test.ts"],
  fullyParallel: true,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  workers: 2,
  timeout: 60_000,
  globalSetup: "./harness/runner/harness-setup.ts",
  outputDir: "reports/.playwright-harness",
  reporter: [["list"]],
});
