/**
 * The audit against a real Hardhat node with the seeded demo program (a year of purchases, tiers,
 * redemptions, a refund, a donation, an expiry, vouchers — one relayed through the forwarder — and a
 * member moved to self-custody with its soulbound badge, then refunded through the relayer),
 * through the CLI (exit codes, messages, report files) and through runAudit, then against a mirror
 * built by the real indexer in a database of the machine's Postgres, tampered three ways.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createWalletClient, encodeFunctionData, http, parseEventLogs, type Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loyaltyForwarderAbi, loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { freePort, startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { spawnIndexer } from "../../test/support/indexer-process.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { accountMigrationDomain, accountMigrationTypes, purchaseRef, tokenIdsHash, tokenMigrationDomain, tokenMigrationTypes } from "../../contracts/typed-data.ts";
import { encodeTokenId, PURCHASE_SKIP_REASONS, rewardIdOf } from "../../contracts/spec/index.ts";
import { devAccount, DEV_ROLES } from "../lib/dev-accounts.ts";
import { issuanceKey } from "./derive-ledger.ts";
import { runAudit } from "./run-audit.ts";
import { deployOnNode, writeDeploymentFile, type ProgramOnChain } from "./support/chain.ts";

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/audit/audit.ts", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

let node: HardhatNode;
let program: ProgramOnChain;
let out: string;

/** A badge voucher consumed through the forwarder: the café signs a ForwardRequest, the relayer pays. */
async function consumeRelayedVoucher(p: ProgramOnChain) {
  const { chain, publicClient, deployment } = p;
  const rewards = deployment.contracts.RewardNFT.address;
  const forwarder = deployment.contracts.LoyaltyForwarder.address;
  const cafe = devAccount(DEV_ROLES.merchants[2]);
  const holder = devAccount(DEV_ROLES.firstMember + 1); // received badge #2 in the summer drop
  const tokenId = encodeTokenId(6n, 2n);
  expect(await publicClient.readContract({ address: rewards, abi: rewardNftAbi, functionName: "ownerOf", args: [tokenId] })).toBe(holder.address);
  const now = Number((await publicClient.getBlock()).timestamp);
  const voucher = { tokenId, holder: holder.address, merchant: cafe.address, nonce: 42n, deadline: BigInt(now + 3600) };
  const signature = await holder.signTypedData({
    domain: { name: "RewardNFT", version: "1", chainId: chain.id, verifyingContract: rewards },
    types: { VoucherUse: [{ name: "tokenId", type: "uint256" }, { name: "holder", type: "address" }, { name: "merchant", type: "address" }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }] },
    primaryType: "VoucherUse",
    message: voucher,
  });
  const data = encodeFunctionData({ abi: rewardNftAbi, functionName: "consumeVoucher", args: [tokenId, voucher.nonce, voucher.deadline, signature] });
  const nonce = await publicClient.readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "nonces", args: [cafe.address] });
  const request = { from: cafe.address, to: rewards as Address, value: 0n, gas: 300_000n, nonce, deadline: now + 3600, data };
  const requestSignature = await cafe.signTypedData({
    domain: { name: "LoyaltyForwarder", version: "1", chainId: chain.id, verifyingContract: forwarder },
    types: { ForwardRequest: [{ name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" }, { name: "gas", type: "uint256" }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint48" }, { name: "data", type: "bytes" }] },
    primaryType: "ForwardRequest",
    message: request,
  });
  const relayer = createWalletClient({ chain, transport: http(p.url), account: devAccount(DEV_ROLES.relayer) });
  const { nonce: _n, ...rest } = request;
  const hash = await relayer.writeContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "execute", args: [{ ...rest, signature: requestSignature }] });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  expect(await publicClient.readContract({ address: rewards, abi: rewardNftAbi, functionName: "isConsumed", args: [tokenId] })).toBe(true);
}

/**
 * The first member (a soulbound badge, a consumed voucher) moves to its own wallet through the
 * relayer: a purchase issued by the relayer as the bakery's agent, the account and every token
 * migrated, then that purchase refunded by the agent from the new wallet.
 */
async function migrateToSelfCustody(p: ProgramOnChain) {
  const { chain, publicClient, deployment } = p;
  const points = deployment.contracts.LoyaltyPoints.address;
  const rewards = deployment.contracts.RewardNFT.address;
  const member = devAccount(DEV_ROLES.firstMember);
  const wallet = devAccount(DEV_ROLES.firstMember + 30).address; // a fresh self-custody wallet
  const bakery = devAccount(DEV_ROLES.merchants[0]).address;
  const relayer = createWalletClient({ chain, transport: http(p.url), account: devAccount(DEV_ROLES.relayer) });
  const confirm = async (hash: Promise<`0x${string}`>) => expect((await publicClient.waitForTransactionReceipt({ hash: await hash })).status).toBe("success");
  const order = purchaseRef(bakery, "e2e/self-custody");
  await confirm(relayer.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "issueFor", args: [bakery, member.address, 40n, order] }));

  const deadline = (await publicClient.getBlock()).timestamp + 3600n;
  const accountSignature = await member.signTypedData({
    domain: accountMigrationDomain(chain.id, points, await publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "name" })),
    types: accountMigrationTypes,
    primaryType: "AccountMigration",
    message: { from: member.address, to: wallet, nonce: await publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "nonces", args: [member.address] }), deadline },
  });
  await confirm(relayer.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "migrateAccount", args: [member.address, wallet, deadline, accountSignature] }));

  const received = parseEventLogs({ abi: rewardNftAbi, eventName: "Transfer", logs: await publicClient.getLogs({ address: rewards, fromBlock: BigInt(deployment.startBlock) }) })
    .filter((l) => l.args.to === member.address)
    .map((l) => l.args.tokenId);
  const owners = await Promise.all(received.map((id) => publicClient.readContract({ address: rewards, abi: rewardNftAbi, functionName: "ownerOf", args: [id] })));
  const tokenIds = received.filter((_, i) => owners[i] === member.address);
  const badges = tokenIds.filter((id) => rewardIdOf(id) === 6n);
  expect(badges.length).toBeGreaterThan(0); // the summer drop's soulbound badge moves too
  const tokenSignature = await member.signTypedData({
    domain: tokenMigrationDomain(chain.id, rewards),
    types: tokenMigrationTypes,
    primaryType: "TokenMigration",
    message: { from: member.address, to: wallet, tokenIds: tokenIdsHash(tokenIds), nonce: 0n, deadline },
  });
  await confirm(relayer.writeContract({ address: rewards, abi: rewardNftAbi, functionName: "migrateTokens", args: [member.address, wallet, tokenIds, deadline, tokenSignature] }));
  await confirm(relayer.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "clawbackFor", args: [bakery, order, 15n] }));
}

/**
 * After the move: the relayer issues one batch of the bakery's purchases (issuePurchasesFor), two
 * of which cannot issue: one to the account that moved away (MemberMigratedAway) and a retry of the
 * self-custody order (RefAlreadyUsed). The audit and the mirror see each issued purchase on its own.
 */
async function issueBatchedPurchases(p: ProgramOnChain) {
  const { chain, publicClient, deployment } = p;
  const points = deployment.contracts.LoyaltyPoints.address;
  const bakery = devAccount(DEV_ROLES.merchants[0]).address;
  const relayer = createWalletClient({ chain, transport: http(p.url), account: devAccount(DEV_ROLES.relayer) });
  const purchases = [
    { member: devAccount(DEV_ROLES.firstMember + 30).address, amount: 12n, ref: purchaseRef(bakery, "e2e/batch-1") },
    { member: devAccount(DEV_ROLES.firstMember).address, amount: 5n, ref: purchaseRef(bakery, "e2e/batch-2") },
    { member: devAccount(DEV_ROLES.firstMember + 1).address, amount: 30n, ref: purchaseRef(bakery, "e2e/batch-3") },
    { member: devAccount(DEV_ROLES.firstMember + 1).address, amount: 40n, ref: purchaseRef(bakery, "e2e/self-custody") },
  ];
  const hash = await relayer.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: "issuePurchasesFor", args: [bakery, purchases] });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  const skipped = parseEventLogs({ abi: loyaltyPointsAbi, eventName: "PurchaseSkipped", logs: receipt.logs }).map((l) => [l.args.ref, PURCHASE_SKIP_REASONS[l.args.reason]]);
  expect(skipped).toEqual([[purchases[1].ref, "MemberMigratedAway"], [purchases[3].ref, "RefAlreadyUsed"]]);
  return purchases;
}
let batched: Awaited<ReturnType<typeof issueBatchedPurchases>>;

beforeAll(async () => {
  node = await startHardhatNode();
  program = await deployOnNode(node.url, { seed: true });
  await consumeRelayedVoucher(program);
  await migrateToSelfCustody(program);
  batched = await issueBatchedPurchases(program);
  out = await mkdtemp(path.join(tmpdir(), "audit-out-"));
}, 240_000);

afterAll(async () => {
  await node?.stop();
});

describe("audit CLI on the seeded demo chain", () => {
  it("audits a clean chain clean: exit 0, stamped JSON and CSV reports", async () => {
    const r = await cli(["--rpc", node.url, "--deployment", program.deploymentFile, "--out", out]);
    expect(r.stderr + r.stdout).toContain("result=OK");
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    const head = await program.publicClient.getBlock();
    expect(report).toMatchObject({ ok: true, chainId: 31337, block: { number: Number(head.number), hash: head.hash }, discrepancies: [] });
    expect(report.contracts.map((c: { name: string }) => c.name)).toEqual(["LoyaltyForwarder", "LoyaltyPoints", "RewardNFT"]);
    for (const c of report.contracts) expect(c.codeHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.totals).toMatchObject({ expiries: 1, vouchers: 2, redemptions: program.seed!.redemptions });
    expect(report.totals.totalSupply).toBe(report.totals.sumOfBalances);
    const csv = (await readFile(path.join(out, "accounts.csv"), "utf8")).trim().split("\n");
    expect(csv[0]).toBe("address,balance,lifetime_earned,tier,chain_balance,chain_lifetime_earned,chain_tier,matches");
    expect(csv).toHaveLength(report.totals.accounts + 1);
    expect(csv.slice(1).every((l) => l.endsWith(",true"))).toBe(true);
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(new RegExp(`^audit chain=31337 block=${head.number} hash=${head.hash} root=0x[0-9a-f]{64} leaves=\\d+ result=OK$`));
  });

  it("gives a clear error and exit 3 for a --block beyond the head", async () => {
    const head = await program.publicClient.getBlockNumber();
    const r = await cli(["--rpc", node.url, "--deployment", program.deploymentFile, "--out", out, "--block", String(head + 10n)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`--block ${head + 10n} is beyond the chain head (block ${head})`);
  });

  it("gives a clear error and exit 3 for a wrong contract address", async () => {
    const d = program.deployment;
    const swapped = await writeDeploymentFile({ ...d, contracts: { ...d.contracts, LoyaltyPoints: { ...d.contracts.LoyaltyPoints, address: d.contracts.LoyaltyForwarder.address } } });
    const r1 = await cli(["--rpc", node.url, "--deployment", swapped, "--out", out]);
    expect(r1.code).toBe(3);
    expect(r1.stderr).toContain(`the contract at ${d.contracts.LoyaltyForwarder.address} does not answer as LoyaltyPoints`);
    const empty = "0x000000000000000000000000000000000000dEaD" as Address;
    const missing = await writeDeploymentFile({ ...d, contracts: { ...d.contracts, RewardNFT: { ...d.contracts.RewardNFT, address: empty } } });
    const r2 = await cli(["--rpc", node.url, "--deployment", missing, "--out", out]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain(`no contract code at ${empty} (RewardNFT in the deployment)`);
  });

  it("gives a clear error and exit 3 for an unreachable RPC", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await cli(["--rpc", url, "--deployment", program.deploymentFile, "--out", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach the RPC at ${url}`);
  });

  it("proves both vouchers' signatures, the direct one and the one relayed by the forwarder", async () => {
    const { ledger, report } = await runAudit({ rpcUrl: node.url, deployment: program.deployment });
    expect(report.ok).toBe(true);
    const vouchers = ledger.facts.filter((f) => f.kind === "voucher");
    expect(vouchers).toHaveLength(2);
  });

  it("follows the move to self-custody: lifetime earned moved, the badge's move accepted, the refund taken from the new wallet", async () => {
    const { ledger, report } = await runAudit({ rpcUrl: node.url, deployment: program.deployment });
    expect(report.discrepancies).toEqual([]);
    const member = devAccount(DEV_ROLES.firstMember).address.toLowerCase();
    const wallet = devAccount(DEV_ROLES.firstMember + 30).address.toLowerCase();
    expect(ledger.facts.filter((f) => f.kind === "migration" || f.kind === "token-migration").map((f) => f.kind)).toEqual(["migration", "token-migration"]);
    expect(ledger.accounts.get(member)).toMatchObject({ balance: 0n, earned: 0n });
    const earned = await program.publicClient.readContract({ address: program.deployment.contracts.LoyaltyPoints.address, abi: loyaltyPointsAbi, functionName: "lifetimeEarned", args: [wallet as Address] });
    expect(earned).toBeGreaterThan(0n);
    expect(ledger.accounts.get(wallet)!.earned).toBe(earned);
    const refund = ledger.facts.find((f) => f.kind === "clawback" && f.event.blockNumber === Math.max(...ledger.facts.filter((x) => x.kind === "clawback").map((x) => x.event.blockNumber)));
    expect(refund).toMatchObject({ member: wallet, memberNow: wallet });
  });

  it("books each purchase of a batch on its own, and nothing for the entries the contract skipped", async () => {
    const { ledger, report } = await runAudit({ rpcUrl: node.url, deployment: program.deployment });
    expect(report.discrepancies).toEqual([]);
    const bakery = devAccount(DEV_ROLES.merchants[0]).address;
    const [issued1, skipped, issued3, retried] = batched;
    expect(ledger.issuances.get(issuanceKey(bakery, issued1.ref))).toMatchObject({ member: issued1.member.toLowerCase(), amount: 12n });
    expect(ledger.issuances.get(issuanceKey(bakery, issued3.ref))).toMatchObject({ member: issued3.member.toLowerCase(), amount: 30n });
    expect(ledger.issuances.has(issuanceKey(bakery, skipped.ref))).toBe(false);
    expect(ledger.issuances.get(issuanceKey(bakery, retried.ref))).toMatchObject({ amount: 40n, events: [expect.anything()] });
    expect(ledger.facts.filter((f) => f.kind === "issuance" && f.event.txHash === ledger.issuances.get(issuanceKey(bakery, issued1.ref))!.events[0].txHash)).toHaveLength(2);
  });

  it("prints the same Merkle root on every run, and another one once any balance changes", async () => {
    const first = await runAudit({ rpcUrl: node.url, deployment: program.deployment });
    const again = await runAudit({ rpcUrl: node.url, deployment: program.deployment });
    expect(again.report.merkle.root).toBe(first.report.merkle.root);
    expect(again.report.block.hash).toBe(first.report.block.hash);

    // One point moves between two members.
    const { chain, publicClient, deployment } = program;
    const member = createWalletClient({ chain, transport: http(node.url), account: devAccount(DEV_ROLES.firstMember + 2) });
    const hash = await member.writeContract({ address: deployment.contracts.LoyaltyPoints.address, abi: loyaltyPointsAbi, functionName: "transfer", args: [devAccount(DEV_ROLES.firstMember + 3).address, 1n] });
    await publicClient.waitForTransactionReceipt({ hash });

    const after = await runAudit({ rpcUrl: node.url, deployment });
    expect(after.report.ok).toBe(true);
    expect(after.report.merkle.root).not.toBe(first.report.merkle.root);
    // Pinned at the earlier block, the books (and the root) are the earlier ones.
    const pinned = await runAudit({ rpcUrl: node.url, deployment, block: first.report.block.number });
    expect(pinned.report.merkle.root).toBe(first.report.merkle.root);
  });
});

/**
 * A stricter public-RPC look-alike in front of the node: eth_getLogs over more than `maxRange`
 * blocks is refused (as many providers do) and logs come without `blockTimestamp` (older nodes).
 */
async function strictProxy(target: string, maxRange: number): Promise<{ url: string; server: Server; refused: () => number }> {
  let refused = 0;
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body);
    if (!Array.isArray(request) && request.method === "eth_getLogs") {
      const { fromBlock, toBlock } = request.params[0];
      if (Number(toBlock) - Number(fromBlock) + 1 > maxRange) {
        refused += 1;
        res.end(JSON.stringify({ jsonrpc: "2.0", id: request.id, error: { code: -32005, message: `query exceeds max block range ${maxRange}` } }));
        return;
      }
    }
    const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body }).then((r) => r.json() as Promise<{ result?: Record<string, unknown>[] } | unknown[]>);
    if (!Array.isArray(answer) && Array.isArray(answer.result) && request.method === "eth_getLogs") {
      for (const log of answer.result) delete log.blockTimestamp;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, refused: () => refused };
}

describe("audit through a stricter RPC", () => {
  it("splits refused log ranges, fetches the block times it needs, and finds the same books", async () => {
    const direct = await runAudit({ rpcUrl: node.url, deployment: program.deployment });
    const proxy = await strictProxy(node.url, 40);
    try {
      const { report } = await runAudit({ rpcUrl: proxy.url, deployment: program.deployment, block: direct.report.block.number, initialRange: 1_000 });
      expect(report.discrepancies).toEqual([]);
      expect(proxy.refused()).toBeGreaterThan(0);
      expect(report.timings.logRequests).toBeGreaterThanOrEqual(Math.ceil(report.block.number / 40));
      expect(report.merkle.root).toBe(direct.report.merkle.root);
      expect(report.totals).toEqual(direct.report.totals);
    } finally {
      proxy.server.close();
    }
  });
});

describe("audit of the Postgres mirror built by the indexer", () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    const indexer = spawnIndexer(["--rpc-url", node.url, "--deployment", program.deploymentFile, "--confirmations", "0", "--once", "--port", "0"], { DATABASE_URL: db.url });
    expect(await indexer.exited, indexer.output()).toBe(0);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const auditMirror = () => runAudit({ rpcUrl: node.url, deployment: program.deployment, databaseUrl: db.url });
  /** Applies `tamper`, audits, then restores the row(s) with `restore`. */
  async function withTamper(tamper: string, restore: string, params: unknown[] = []) {
    await client.query(tamper, params);
    try {
      return await auditMirror();
    } finally {
      await client.query(restore, params);
    }
  }

  it("finds the mirror equal to the chain, row by row", async () => {
    const { report } = await auditMirror();
    expect(report.discrepancies).toEqual([]);
    expect(report.mirror!.notes).toEqual([]);
    for (const [table, n] of Object.entries(report.mirror!.tables)) expect(n.found, table).toBe(n.expected);
  });

  it("reports a tampered balance exactly", async () => {
    const { rows } = await client.query("SELECT address, balance::text AS balance FROM accounts WHERE balance > 0 ORDER BY address LIMIT 1");
    const { address, balance } = rows[0];
    const { report } = await withTamper("UPDATE accounts SET balance = balance + 1000 WHERE address = $1", "UPDATE accounts SET balance = balance - 1000 WHERE address = $1", [address]);
    expect(report.ok).toBe(false);
    expect(report.discrepancies.map((d) => [d.check, d.account, d.expected, d.found])).toEqual([
      ["mirror.accounts.balance", address, balance, String(BigInt(balance) + 1000n)],
    ]);
  });

  it("reports a missing event row exactly", async () => {
    const { rows } = await client.query("SELECT * FROM point_events WHERE kind = 'redemption' ORDER BY block_number LIMIT 1");
    const row = rows[0];
    await client.query("DELETE FROM point_events WHERE block_number = $1 AND log_index = $2", [row.block_number, row.log_index]);
    try {
      const { report } = await auditMirror();
      expect(report.discrepancies).toHaveLength(1);
      const d = report.discrepancies[0];
      expect([d.check, d.account, d.found]).toEqual(["mirror.point_events.missing", row.from_address, "no row"]);
      expect(d.expected).toContain(`point_events[${row.block_number}:${row.log_index}]`);
      expect(d.events.map((e) => e.event)).toEqual(["Transfer", "PointsRedeemed"]);
      expect(d.events[0].txHash).toBe(row.tx_hash);
    } finally {
      const cols = Object.keys(row);
      await client.query(`INSERT INTO point_events (${cols.map((c) => `"${c}"`).join(",")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(",")})`, cols.map((c) => row[c]));
    }
    expect((await auditMirror()).report.ok).toBe(true);
  });

  it("reports an extra event row exactly", async () => {
    const { rows } = await client.query("SELECT block_number, tx_hash FROM point_events WHERE kind = 'transfer' ORDER BY block_number DESC LIMIT 1");
    const { block_number: block, tx_hash: tx } = rows[0];
    const fake = "0x00000000000000000000000000000000000f4e11";
    const { report } = await withTamper(
      `INSERT INTO point_events (block_number, log_index, transfer_index, tx_hash, timestamp, kind, from_address, to_address, amount)
       VALUES ($1, 999, 999, $2, now(), 'transfer', NULL, '${fake}', 500)`,
      "DELETE FROM point_events WHERE block_number = $1 AND log_index = 999 AND tx_hash = $2",
      [block, tx],
    );
    expect(report.discrepancies.map((d) => [d.check, d.account, d.expected])).toEqual([["mirror.point_events.extra", fake, "no row"]]);
    expect(report.discrepancies[0].found).toContain(`point_events[${block}:999]`);
  });
});
