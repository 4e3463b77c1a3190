import { expect, test } from "@playwright/test";
import { budgetMs, busyFactor } from "./budget.ts";

test("the busy factor is the load per core, never below 1 nor above 8", () => {
  expect(busyFactor(0, 2)).toBe(1);
  expect(busyFactor(1.5, 2)).toBe(1);
  expect(busyFactor(4, 2)).toBe(2);
  expect(busyFactor(9, 2)).toBe(4.5);
  expect(busyFactor(100, 2)).toBe(8);
  expect(busyFactor(3, 0)).toBe(3);
});

test("a budget is the idle time times the margin times the busy factor", () => {
  expect(budgetMs(20_000, 3, 1)).toBe(60_000);
  expect(budgetMs(20_000, 3, 2.5)).toBe(150_000);
  expect(budgetMs(20_000)).toBeGreaterThanOrEqual(60_000);
});
