/**
 * The relayer through the web server, as an attacker reaches it: many fresh wallets (free) from one
 * machine that also rotates X-Forwarded-For, forwarded calls to other contracts and approvals, and
 * the operator's view of the relayer on /metrics (balance, pending, budget; not public).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, erc20Abi, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type LocalAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyForwarderAbi, loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { forwarderDomain, forwardRequestTypes } from "../../../contracts/typed-data.ts";
import { Browser, issuePoints, onboardMerchant, signIn, startWebStack, type WebStack } from "../support/web.ts";

const METRICS_TOKEN = randomBytes(24).toString("hex");
let w: WebStack;

beforeAll(async () => {
  w = await startWebStack({
    logName: "adversarial-relay-route-logs.txt",
    webEnv: { RELAYER_QUOTA_PER_IP: "3", METRICS_TOKEN, RELAYER_LOW_BALANCE_WEI: (10n ** 30n).toString() },
  });
  await onboardMerchant(w, 2);
}, 600_000);

afterAll(async () => {
  await w?.stop();
}, 60_000);

async function signedRequest(from: LocalAccount, to: Address, data: Hex) {
  const nonce = await w.client.readContract({ address: w.forwarder, abi: loyaltyForwarderAbi, functionName: "nonces", args: [from.address] });
  const message = { from: from.address, to, value: 0n, gas: 100_000n, nonce, deadline: Math.floor(Date.now() / 1000) + 600, data };
  const signature = await from.signTypedData({ domain: forwarderDomain(hardhat.id, w.forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
  return { from: message.from, to, value: "0", gas: message.gas.toString(), deadline: message.deadline, data, signature };
}

/** A fresh wallet with points, signed in from its own "browser". */
async function walletWithPoints(n: number, headers: Record<string, string> = {}) {
  const account = privateKeyToAccount(generatePrivateKey());
  await issuePoints(w, 2, account.address, 10n, `fund-${n}-${account.address}`);
  const browser = new Browser(w.stack.webUrl, headers);
  expect((await signIn(browser, account)).status).toBe(200);
  return { account, browser };
}

const transferData = () => encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [privateKeyToAccount(generatePrivateKey()).address, 1n] });

describe("POST /api/relay, attacked", () => {
  it("counts one client address's requests whatever wallets it signs in with and whatever X-Forwarded-For it claims", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { account, browser } = await walletWithPoints(i, { "x-forwarded-for": `203.0.113.${i + 1}` });
      const r = await browser.post("/api/relay", { request: await signedRequest(account, w.points, transferData()) });
      statuses.push(r.status);
      if (r.status === 429) expect(r.body.error.code).toBe("rate_limited");
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("does not forward to other contracts, nor approvals, nor through its own calls' functions", async () => {
    const { account, browser } = await walletWithPoints(10, { "x-forwarded-for": "192.0.2.77" });
    void account;
    const attacker = privateKeyToAccount(generatePrivateKey()).address;
    const cases: [Address, Hex][] = [
      [w.forwarder, transferData()], // the forwarder itself
      [attacker, transferData()], // a contract of the attacker's
      [w.points, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [attacker, 2n ** 255n] })],
      [w.points, encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [account.address, attacker, 1n, `0x${"11".repeat(32)}`] })],
    ];
    // Refused before the quota is counted: this one client address could not send 4 valid requests.
    for (const [to, data] of cases) {
      const r = await browser.post("/api/relay", { request: await signedRequest(account, to, data) });
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.error.code).toBe("not_allowed");
    }
  });
});

describe("GET /metrics", () => {
  it("is not public, and shows the relayer's balance, pending transactions and budget use to the operator", async () => {
    const anonymous = await fetch(`${w.stack.webUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${w.stack.webUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x`, "x-forwarded-for": "127.0.0.1" } });
    expect(wrong.status).toBe(401);
    const r = await fetch(`${w.stack.webUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(r.status).toBe(200);
    const text = await r.text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);
    expect(value("relayer_balance_wei")).toBeGreaterThan(0);
    expect(value("relayer_pending_transactions")).toBe(0);
    // The three relayed transfers above.
    expect(value("relayer_forward_gas_budget_used")).toBeGreaterThan(0);
    expect(value("relayer_forward_gas_budget_max")).toBe(200_000_000);
  });

  it("warns in the logs when the relayer's ether is below the threshold", () => {
    expect(w.logs()).toMatch(/relayer balance low/);
  });
});
