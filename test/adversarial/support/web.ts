/**
 * The web side of the adversarial suites: the real stack (test/e2e/stack.ts: a Hardhat node, the
 * program deployed, Postgres, the indexer, the production web server) without the year of demo
 * data, so a suite starts in seconds; a "browser" with its own cookie jar; Sign-In with Ethereum;
 * and the program's set-up the attacks need (merchants, points), made by the operator on chain.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from "viem";
import type { LocalAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createSiweMessage } from "viem/siwe";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { purchaseRef } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { startStack, stackLogs, stopStack, type StackInfo, type StackOptions } from "../../e2e/stack.ts";

export interface WebStack {
  stack: StackInfo;
  db: pg.Pool;
  client: PublicClient;
  points: Address;
  rewards: Address;
  forwarder: Address;
  /** What the stack's processes printed so far, all together. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startWebStack(options: Pick<StackOptions, "webEnv"> & { logName: string }): Promise<WebStack> {
  const stack = await startStack({ seed: false, stateFile: null, logName: options.logName, webEnv: options.webEnv });
  const d = JSON.parse(readFileSync(stack.deploymentFile, "utf8")) as { contracts: Record<string, { address: Address }> };
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  return {
    stack,
    db,
    client: createPublicClient({ chain: hardhat, transport: http(stack.rpcUrl), cacheTime: 0, pollingInterval: 50 }) as PublicClient,
    points: d.contracts.LoyaltyPoints!.address,
    rewards: d.contracts.RewardNFT!.address,
    forwarder: d.contracts.LoyaltyForwarder!.address,
    logs: () => Object.values(stackLogs()).join("\n"),
    stop: async () => {
      await db.end();
      await stopStack(stack);
    },
  };
}

/** An HTTP client with its own cookies, as one browser (or one attacker's script) would be. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    /** Headers sent with every request (e.g. an X-Forwarded-For behind a trusted proxy). */
    readonly headers: Record<string, string> = {},
  ) {}

  async fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const r = await fetch(`${this.base}${path}`, { ...init, redirect: "manual", headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...init.headers } });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)];
      if (value === "" || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await r.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: r.status, headers: r.headers, body, text };
  }

  /** A same-origin JSON POST, as the site's own pages send it. */
  post(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.fetch(path, { method: "POST", headers: { "content-type": "application/json", origin: this.base, ...headers }, body: JSON.stringify(body) });
  }
}

export interface SiweFields {
  domain?: string;
  uri?: string;
  chainId?: number;
  nonce?: string;
  issuedAt?: Date;
  expirationTime?: Date;
  address?: Address;
}

/** The SIWE message the site's header builds (components/HeaderAccount.tsx), with any field overridden. */
export function siweMessage(base: string, account: LocalAccount, nonce: string, f: SiweFields = {}): string {
  const url = new URL(base);
  return createSiweMessage({
    domain: f.domain ?? url.host,
    address: f.address ?? account.address,
    statement: "Sign in to Fidélité",
    uri: f.uri ?? url.origin,
    version: "1",
    chainId: f.chainId ?? hardhat.id,
    nonce: f.nonce ?? nonce,
    issuedAt: f.issuedAt ?? new Date(),
    expirationTime: f.expirationTime ?? new Date(Date.now() + 10 * 60_000),
  });
}

/** Signs in `account` from `browser` the way the site does; answers the verify response. */
export async function signIn(browser: Browser, account: LocalAccount, f: SiweFields = {}, headers: Record<string, string> = {}) {
  const { body } = await browser.fetch("/api/auth/nonce", { headers });
  const message = siweMessage(browser.base, account, body.nonce, f);
  const signature = await account.signMessage({ message });
  return browser.post("/api/auth/verify", { message, signature }, headers);
}

/** Who the site thinks `browser` is (null: signed out). */
export async function whoAmI(browser: Browser): Promise<string | null> {
  const { body } = await browser.fetch("/api/me");
  return body?.session?.address ?? null;
}

export const OPERATOR = devAccount(0);

/** Sends a transaction as Hardhat account `index` and waits for it. */
export async function send(w: WebStack, index: number | LocalAccount, to: Address, abi: readonly unknown[], functionName: string, args: unknown[]) {
  const account = typeof index === "number" ? devAccount(index) : index;
  const wallet = createWalletClient({ chain: hardhat, transport: http(w.stack.rpcUrl), account });
  const hash = await wallet.writeContract({ address: to, abi: abi as never, functionName: functionName as never, args: args as never } as never);
  const receipt = await w.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  return receipt;
}

/** A merchant of the coalition (onboarded by the operator) that authorized the platform's relayer. */
export async function onboardMerchant(w: WebStack, index: number, name = `Shop ${index}`) {
  const merchant = devAccount(index);
  await send(w, 0, w.points, loyaltyPointsAbi, "onboardMerchant", [merchant.address, name, 10_000_000n]);
  await send(w, index, w.points, loyaltyPointsAbi, "setIssuingAgent", [devAccount(1).address, true]);
  return merchant.address;
}

/** `amount` points issued by merchant `merchantIndex` to `member`. */
export async function issuePoints(w: WebStack, merchantIndex: number, member: Address, amount: bigint, orderId: string) {
  const merchant = devAccount(merchantIndex).address;
  await send(w, merchantIndex, w.points, loyaltyPointsAbi, "issue", [member, amount, purchaseRef(merchant, orderId)]);
}

/** A reward of merchant `merchantIndex` costing `cost` points; its id. */
export async function createReward(w: WebStack, merchantIndex: number, cost: bigint): Promise<bigint> {
  const terms = { cost, supplyCap: 1_000n, minTier: 0, validFrom: 0, validUntil: 0, soulbound: false, mintOnly: false, category: 0 };
  await send(w, merchantIndex, w.rewards, rewardNftAbi, "createReward", [terms, { name: "Coffee", description: "A coffee", image: "" }]);
  return w.client.readContract({ address: w.rewards, abi: rewardNftAbi, functionName: "rewardCount" });
}

export type { Hex };
