import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { MockAgent } from "undici";
import { HttpClient } from "./http.ts";

test("records each exchange with its request and response, and repeated form parameters stay repeated", async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get("http://as.example")
    .intercept({ path: "/token", method: "POST", body: "a=1&a=2" })
    .reply(400, { error: "invalid_request" }, { headers: { "content-type": "application/json" } });
  const http = new HttpClient({ dispatcher: agent });
  const ex = await http.postForm("http://as.example/token", [
    ["a", "1"],
    ["a", "2"],
  ]);
  expect(ex.response.status).toBe(400);
  expect(JSON.parse(ex.response.body)).toEqual({ error: "invalid_request" });
  expect(ex.request.body).toBe("a=1&a=2");
  expect(http.exchanges).toHaveLength(1);
  agent.assertNoPendingInterceptors();
  await agent.close();
});

test("a refused connection is reported as an unreachable target, not a verdict", async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  await expect(new HttpClient().get(`http://127.0.0.1:${port}/x`)).rejects.toThrow(
    /\[ERR_TARGET_UNREACHABLE\]/,
  );
});

test("a stalled response is reported as a timeout", async () => {
  const server = createServer(() => undefined); // never answers
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  try {
    await expect(new HttpClient({ timeoutMs: 300 }).get(`http://127.0.0.1:${port}/x`)).rejects.toThrow(
      /\[ERR_TARGET_TIMEOUT\]/,
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
