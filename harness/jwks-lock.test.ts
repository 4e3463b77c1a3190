/** The key-set lock of the JWKS host: shared leases together, an exclusive one alone, first come first served. */
import { expect, test } from "@playwright/test";
import { KeySetLock } from "./jwks-host.ts";

test("shared leases coexist, an exclusive one waits for them and holds back later shared ones", () => {
  const lock = new KeySetLock();
  const granted: string[] = [];
  const ids = new Map<string, string>();
  const ask = (name: string, mode: "shared" | "exclusive") =>
    lock.acquire(mode, (id) => {
      granted.push(name);
      ids.set(name, id);
    });
  ask("s1", "shared");
  ask("s2", "shared");
  ask("x", "exclusive");
  ask("s3", "shared");
  expect(granted).toEqual(["s1", "s2"]);
  lock.release(ids.get("s1") ?? "");
  expect(granted).toEqual(["s1", "s2"]);
  lock.release(ids.get("s2") ?? "");
  expect(granted).toEqual(["s1", "s2", "x"]);
  lock.release(ids.get("x") ?? "");
  expect(granted).toEqual(["s1", "s2", "x", "s3"]);
});

test("a waiter that goes away leaves the queue", () => {
  const lock = new KeySetLock();
  const granted: string[] = [];
  let first = "";
  lock.acquire("exclusive", (id) => {
    first = id;
    granted.push("x1");
  });
  const cancel = lock.acquire("exclusive", () => granted.push("x2"));
  lock.acquire("shared", () => granted.push("s"));
  cancel();
  lock.release(first);
  expect(granted).toEqual(["x1", "s"]);
});
