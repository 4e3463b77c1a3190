// Allure 3 configuration for the conformance report (rendered offline, one self-contained HTML file).
import { defineConfig } from "allure";

export default defineConfig({
  name: "SMART Backend Services conformance",
  plugins: {
    awesome: {
      options: {
        reportName: "SMART Backend Services conformance",
        singleFile: true,
        groupBy: ["parentSuite", "suite"],
      },
    },
  },
});
