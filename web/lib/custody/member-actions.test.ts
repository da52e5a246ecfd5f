/**
 * Custodial members' actions, move to self-custody and privacy, against a real Hardhat node, a
 * real Postgres and the real relayer (web/lib/relayer): what one session may do and what it may
 * not, whatever else it tries; the custodial address never holds gas.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, keccak256, recoverTypedDataAddress, stringify, toHex, type Address, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { voucherDomain, voucherUseTypes } from "../../../contracts/typed-data.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { startHardhatNode, type HardhatNode } from "../../../test/support/hardhat-node.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { CHARITY, deployTestProgram, MERCHANTS, MEMBERS, type TestProgram } from "../../../test/support/program.ts";
import { signUp } from "../auth/accounts.ts";
import { accountState, type SessionLike } from "../auth/account-state.ts";
import { issueNonceIn } from "../auth/nonce-store.ts";
import { PgRelayer } from "../relayer/relayer.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { parseKek } from "./kek.ts";
import { decryptKey } from "./keys.ts";
import { custodialAction, type CustodyDeps } from "./member-actions.ts";
import { continueMove, startMove, tokensHeld, type MoveDeps } from "./move.ts";
import { moveProofMessage } from "./move-proof.ts";
import { deleteAccount, exportData, getConsents, setConsents } from "./privacy.ts";
import { MIGRATOR_ROLE } from "../../../contracts/spec/index.ts";
import { rotateKeys } from "../../../scripts/custody/rotate.ts";

const RELAYER = devAccount(1);
const kek = parseKek(randomBytes(32).toString("hex"));
const PASSWORD = "a good long password";
const DOMAIN = "shop.example";

describe("custodial members on a real chain", () => {
  const suite = useTestDatabase({ maxConnections: 12 });
  let node: HardhatNode;
  let program: TestProgram;
  let client: PublicClient;
  let relayer: PgRelayer;
  let deps: MoveDeps;
  let ip = 0;

  const balance = (a: Address) => client.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });
  const eth = (a: Address) => client.getBalance({ address: a });
  async function send(from: number, address: Address, abi: unknown, functionName: string, args: unknown[]) {
    const hash = await program.wallet(from).writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never } as never);
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
  }
  let refs = 0;
  const issue = (to: Address, amount: bigint) => send(MERCHANTS[0]!, program.points, loyaltyPointsAbi, "issue", [to, amount, keccak256(toHex(`ref-${refs++}`))]);
  async function member(points = 0n): Promise<SessionLike & { id: string }> {
    const r = await signUp(suite.pool, kek, { email: `m${randomBytes(4).toString("hex")}@example.com`, password: PASSWORD, consent: { marketing: true } }, `10.1.0.${++ip}`);
    if (!("address" in r)) throw new Error(JSON.stringify(r));
    if (points > 0n) await issue(r.address, points);
    const { rows } = await suite.pool.query(`SELECT id FROM users WHERE address = $1`, [r.address.toLowerCase()]);
    return { address: r.address, kind: "custodial", version: r.version, id: rows[0].id };
  }

  beforeAll(async () => {
    // The suite drops its database WITH (FORCE) after pool.end(): connections still closing then get
    // "terminating connection due to administrator command", which is expected there.
    suite.pool.on("error", () => {});
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    client = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0, pollingInterval: 50 }) as PublicClient;
    const role = MIGRATOR_ROLE;
    if (!(await client.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [role, RELAYER.address] }))) {
      await send(0, program.points, loyaltyPointsAbi, "grantRole", [role, RELAYER.address]);
    }
    const contracts = { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address };
    relayer = new PgRelayer({ pool: suite.pool as unknown as PoolLike, client, account: RELAYER, chainId: hardhat.id, contracts, log: () => {}, pollMs: 10 });
    deps = { db: suite.pool, locks: suite.pool, kek, client, chainId: hardhat.id, contracts, relayer: () => relayer, startBlock: BigInt(program.deployment.startBlock) } satisfies CustodyDeps & MoveDeps;
  }, 120_000);
  afterAll(async () => {
    relayer?.stop();
    await node?.stop();
  });

  it("transfers, donates and redeems for a custodial member whose address never holds gas", async () => {
    const m = await member(500n);
    const to = devAccount(MEMBERS[0]!).address;
    const before = await balance(to);
    const r = await custodialAction(deps, m, "transfer", { to, amount: "120" });
    expect(r).toMatchObject({ status: 200, body: { status: "confirmed" } });
    expect(await balance(to)).toBe(before + 120n);
    expect(await custodialAction(deps, m, "donate", { charity: devAccount(CHARITY).address, amount: 30 })).toMatchObject({ status: 200 });
    expect(await custodialAction(deps, m, "redeem", { rewardId: "1" })).toMatchObject({ status: 200 }); // Coffee, 50 points
    expect(await balance(m.address)).toBe(500n - 120n - 30n - 50n);
    expect(await client.readContract({ address: program.rewards, abi: rewardNftAbi, functionName: "balanceOf", args: [m.address] })).toBe(1n);
    expect(await eth(m.address)).toBe(0n);
    expect(await client.getTransactionCount({ address: m.address })).toBe(0);
  });

  it("refuses bad input with a code before anything is signed, and a would-revert call with its error's name", async () => {
    const m = await member(10n);
    const nonce = () => client.readContract({ address: deps.contracts.forwarder, abi: [{ type: "function", name: "nonces", stateMutability: "view", inputs: [{ type: "address" }], outputs: [{ type: "uint256" }] }] as const, functionName: "nonces", args: [m.address] });
    const n0 = await nonce();
    for (const [action, body, code] of [
      ["transfer", { to: "0x1234", amount: "1" }, "bad_address"],
      ["transfer", { to: m.address, amount: "1" }, "bad_address"],
      ["transfer", { to: devAccount(9).address, amount: "0" }, "bad_amount"],
      ["transfer", { to: devAccount(9).address, amount: "-3" }, "bad_amount"],
      ["transfer", { to: devAccount(9).address, amount: "1.5" }, "bad_amount"],
      ["transfer", { to: devAccount(9).address, amount: 1.5 }, "bad_amount"],
      ["transfer", { to: devAccount(9).address }, "bad_amount"],
      ["donate", { charity: "nope", amount: "1" }, "bad_address"],
      ["redeem", { rewardId: "x" }, "bad_reward"],
      ["redeem", [1], "bad_json"],
      ["voucher-signature", { tokenId: "1", merchant: devAccount(2).address, nonce: "1", deadline: "1" }, "bad_deadline"],
    ] as const) {
      const r = await custodialAction(deps, m, action, body);
      expect(r, JSON.stringify(body)).toMatchObject({ status: 400, error: { code } });
    }
    expect(await custodialAction(deps, m, "transfer", { to: devAccount(9).address, amount: "11" })).toMatchObject({ status: 422, error: { code: "would_revert", revertName: "ERC20InsufficientBalance" } });
    expect(await custodialAction(deps, m, "donate", { charity: devAccount(9).address, amount: "1" })).toMatchObject({ status: 422, error: { code: "would_revert", revertName: "UnknownCharity" } });
    expect(await nonce()).toBe(n0);
    expect(await balance(m.address)).toBe(10n);
  });

  it("one member's session cannot act for another: wrong kind, stale version, unknown address, other's token", async () => {
    const a = await member(100n);
    const b = await member(100n);
    const to = devAccount(MEMBERS[1]!).address;
    // A wallet session naming a custodial address (nobody holds its key in a browser).
    expect(await custodialAction(deps, { address: a.address, kind: "wallet" }, "transfer", { to, amount: "1" })).toMatchObject({ status: 403, error: { code: "not_custodial" } });
    // A custodial session for an address that is no member.
    expect(await custodialAction(deps, { address: devAccount(MEMBERS[2]!).address, kind: "custodial", version: 1 }, "transfer", { to, amount: "1" })).toMatchObject({ status: 401, error: { code: "unknown_account" } });
    // A cookie from before "log out everywhere".
    await suite.pool.query(`UPDATE users SET session_version = session_version + 1 WHERE id = $1`, [a.id]);
    expect(await custodialAction(deps, a, "transfer", { to, amount: "1" })).toMatchObject({ status: 401, error: { code: "session_revoked" } });
    expect(await custodialAction(deps, { ...a, version: undefined }, "transfer", { to, amount: "1" })).toMatchObject({ status: 401 });
    // b's reward token cannot be signed over by a.
    expect(await custodialAction(deps, b, "redeem", { rewardId: 1 })).toMatchObject({ status: 200 });
    const [tokenId] = await tokensHeld(deps, b.address);
    const a2 = { ...a, version: a.version! + 1 };
    const deadline = Math.floor(Date.now() / 1000) + 3600;
    expect(await custodialAction(deps, a2, "voucher-signature", { tokenId: tokenId!.toString(), merchant: devAccount(2).address, nonce: "7", deadline })).toMatchObject({ status: 403, error: { code: "not_owner" } });
    const signed = await custodialAction(deps, b, "voucher-signature", { tokenId: tokenId!.toString(), merchant: devAccount(2).address, nonce: "7", deadline });
    expect(signed.status).toBe(200);
    const signer = await recoverTypedDataAddress({
      domain: voucherDomain(hardhat.id, program.rewards),
      types: voucherUseTypes,
      primaryType: "VoucherUse",
      message: { tokenId: tokenId!, holder: b.address, merchant: devAccount(2).address, nonce: 7n, deadline: BigInt(deadline) },
      signature: (signed as unknown as { body: { signature: `0x${string}` } }).body.signature,
    });
    expect(signer).toBe(b.address);
    expect(await balance(a.address)).toBe(100n);
    expect(await balance(b.address)).toBe(50n);
  });

  it("runs one action of a member at a time: of 6 at once one lands and the others are told busy at once, never sharing a forwarder nonce", async () => {
    const m = await member(60n);
    const to = devAccount(MEMBERS[3]!).address;
    const before = await balance(to);
    const results = await Promise.all(Array.from({ length: 6 }, () => custodialAction(deps, m, "transfer", { to, amount: "1" })));
    const landed = results.filter((r) => r.status === 200).length;
    expect(landed).toBeGreaterThanOrEqual(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 429 && "error" in r && r.error.code === "busy")).toBe(true);
    expect(await balance(to)).toBe(before + BigInt(landed));
    // Retried one after another, they all land.
    for (let i = 0; i < 3; i++) expect((await custodialAction(deps, m, "transfer", { to, amount: "2" })).status).toBe(200);
    expect(await balance(m.address)).toBe(60n - BigInt(landed) - 6n);
  });

  it("moves a custodial account to the member's wallet: points, tier, every NFT (soulbound too); then the key is gone", async () => {
    const m = await member(700n);
    expect(await custodialAction(deps, m, "redeem", { rewardId: 1 })).toMatchObject({ status: 200 });
    await send(MERCHANTS[1]!, program.rewards, rewardNftAbi, "mintExclusive", [2n, m.address]); // soulbound badge
    const wallet = devAccount(MEMBERS[4]!);
    const walletBefore = await balance(wallet.address);
    const tierBefore = await client.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "tierOf", args: [m.address] });
    expect(tierBefore).toBeGreaterThan(0n);

    // A proof signed by another wallet, or for another account, is refused; a used nonce too.
    let nonce = await issueNonceIn(suite.pool);
    const other = devAccount(MEMBERS[5]!);
    const forged = await other.signMessage({ message: moveProofMessage({ domain: DOMAIN, chainId: hardhat.id, custodial: m.address, wallet: wallet.address, nonce }) });
    expect(await startMove(deps, m, { wallet: wallet.address, nonce, signature: forged }, DOMAIN)).toMatchObject({ status: 401, error: { code: "bad_signature" } });
    const proof = await wallet.signMessage({ message: moveProofMessage({ domain: DOMAIN, chainId: hardhat.id, custodial: m.address, wallet: wallet.address, nonce }) });
    expect(await startMove(deps, m, { wallet: wallet.address, nonce, signature: proof }, DOMAIN)).toMatchObject({ status: 401, error: { code: "bad_nonce" } });
    nonce = await issueNonceIn(suite.pool);
    const merchantProof = await devAccount(MERCHANTS[0]!).signMessage({ message: moveProofMessage({ domain: DOMAIN, chainId: hardhat.id, custodial: m.address, wallet: devAccount(MERCHANTS[0]!).address, nonce }) });
    expect(await startMove(deps, m, { wallet: devAccount(MERCHANTS[0]!).address, nonce, signature: merchantProof }, DOMAIN)).toMatchObject({ status: 422, error: { code: "invalid_target" } });

    // The wallet already had a row of its own (its privacy choices): merged into the account at the end.
    await setConsents(suite.pool, { address: wallet.address, kind: "wallet" }, { partners: true });
    nonce = await issueNonceIn(suite.pool);
    const good = await wallet.signMessage({ message: moveProofMessage({ domain: DOMAIN, chainId: hardhat.id, custodial: m.address, wallet: wallet.address, nonce }) });
    expect(await startMove(deps, m, { wallet: wallet.address, nonce, signature: good }, DOMAIN)).toMatchObject({ status: 200 });
    // While it moves, no other action.
    expect(await custodialAction(deps, m, "transfer", { to: wallet.address, amount: "1" })).toMatchObject({ status: 409, error: { code: "move_in_progress" } });

    const steps: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await continueMove(deps, m);
      expect(r.status, stringify(r)).toBe(200);
      const step = (r as unknown as { body: { step: string } }).body.step;
      steps.push(step);
      if (step === "done") break;
    }
    expect(steps).toEqual(["points", "rewards", "done"]);
    expect(await balance(wallet.address)).toBe(walletBefore + 650n);
    expect(await balance(m.address)).toBe(0n);
    expect(await client.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "tierOf", args: [wallet.address] })).toBeGreaterThanOrEqual(tierBefore);
    expect(await tokensHeld(deps, m.address)).toEqual([]);
    expect((await tokensHeld(deps, wallet.address)).length).toBeGreaterThanOrEqual(2);
    expect(await eth(m.address)).toBe(0n);

    const { rows } = await suite.pool.query(`SELECT address, custodial_address, self_custody, key_ciphertext, key_iv, key_tag, moved_at, session_version FROM users WHERE id = $1`, [m.id]);
    expect(rows[0]).toMatchObject({ address: wallet.address.toLowerCase(), custodial_address: m.address.toLowerCase(), self_custody: true, key_ciphertext: null, key_iv: null, key_tag: null });
    expect(rows[0].moved_at).toBeInstanceOf(Date);
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE address = $1`, [wallet.address.toLowerCase()])).rows[0].n).toBe(1);
    expect((await suite.pool.query(`SELECT choice, granted FROM consent_events WHERE user_id = $1 ORDER BY choice`, [m.id])).rows).toEqual([
      { choice: "marketing", granted: true },
      { choice: "partners", granted: true },
    ]);
    // The custodial session is over (409 with a code); the wallet's session works at the new version.
    expect(await custodialAction(deps, m, "transfer", { to: wallet.address, amount: "1" })).toMatchObject({ status: 409, error: { code: "moved_to_self_custody" } });
    expect(await accountState(suite.pool, { address: wallet.address, kind: "wallet", version: rows[0].session_version })).toMatchObject({ ok: true });
    expect(await accountState(suite.pool, { address: wallet.address, kind: "wallet", version: 1 })).toMatchObject({ ok: false, code: "session_revoked" });
  });

  it("privacy: consent history, export, deletion that warns about holdings and shreds the key", async () => {
    const m = await member(40n);
    expect(await getConsents(suite.pool, m)).toMatchObject({ status: 200, body: { consents: { marketing: true, partners: false, analytics: false } } });
    await setConsents(suite.pool, m, { marketing: false, analytics: true });
    await setConsents(suite.pool, m, { analytics: true }); // unchanged: no new event
    expect(await setConsents(suite.pool, m, { sell: true })).toMatchObject({ status: 400, error: { code: "bad_consent" } });
    const c = (await getConsents(suite.pool, m)) as unknown as { body: { consents: Record<string, boolean>; history: { choice: string; granted: boolean; source: string }[] } };
    expect(c.body.consents).toEqual({ marketing: false, partners: false, analytics: true });
    expect(c.body.history.map((h) => `${h.source}:${h.choice}=${h.granted}`).sort()).toEqual(["privacy:analytics=true", "privacy:marketing=false", "signup:marketing=true"]);

    const exported = (await exportData(suite.pool, m)) as { status: number; body: { profile: { email: string; address: string }; consents: { history: unknown[] }; purchases: unknown[] } };
    expect(exported.status).toBe(200);
    expect(exported.body.profile.email).toMatch(/@example\.com$/);
    expect(exported.body.consents.history).toHaveLength(3);
    expect(JSON.stringify(exported.body)).not.toMatch(/argon2|key_ciphertext|password/i);

    const holdings = async () => ({ points: await balance(m.address), nfts: 0 });
    expect(await deleteAccount(suite.pool, m, { password: "wrong password!" }, holdings)).toMatchObject({ status: 401, error: { code: "bad_credentials" } });
    expect(await deleteAccount(suite.pool, m, { password: PASSWORD }, holdings)).toMatchObject({ status: 409, error: { code: "still_holds_assets" } });
    expect(await deleteAccount(suite.pool, m, { password: PASSWORD, confirmLoss: true }, holdings)).toMatchObject({ status: 200 });
    const { rows } = await suite.pool.query(`SELECT email, password_hash, key_ciphertext, consent, deleted_at, address FROM users WHERE id = $1`, [m.id]);
    expect(rows[0]).toMatchObject({ email: null, password_hash: null, key_ciphertext: null, consent: {}, address: m.address.toLowerCase() });
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM consent_events WHERE user_id = $1`, [m.id])).rows[0].n).toBe(0);
    expect(await custodialAction(deps, m, "transfer", { to: devAccount(9).address, amount: "1" })).toMatchObject({ status: 401, error: { code: "account_deleted" } });

    // A wallet member gets a row on first use, and loses it whole on deletion.
    const w = { address: devAccount(MEMBERS[6]!).address, kind: "wallet" as const };
    expect((await getConsents(suite.pool, w)).status).toBe(200);
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE address = $1`, [w.address.toLowerCase()])).rows[0].n).toBe(0);
    await setConsents(suite.pool, w, { partners: true });
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE address = $1`, [w.address.toLowerCase()])).rows[0].n).toBe(1);
    expect(await deleteAccount(suite.pool, w, {}, holdings)).toMatchObject({ status: 200 });
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE address = $1`, [w.address.toLowerCase()])).rows[0].n).toBe(0);
  });

  it("the key column never holds the plain key: the whole users table, in hex and base64", async () => {
    const { rows } = await suite.pool.query(`SELECT address, key_ciphertext AS ciphertext, key_iv AS iv, key_tag AS tag, key_version AS version FROM users WHERE key_ciphertext IS NOT NULL`);
    expect(rows.length).toBeGreaterThan(3);
    const dump = (await suite.pool.query(`SELECT string_agg(row_to_json(u)::text || encode(coalesce(key_ciphertext, ''), 'hex') || encode(coalesce(key_ciphertext, ''), 'base64'), ' ') AS s FROM users u`)).rows[0].s.toLowerCase();
    for (const r of rows) {
      const key = decryptKey(r, r.address, kek);
      for (const needle of [key.toString("hex"), key.toString("base64").toLowerCase()]) expect(dump).not.toContain(needle);
    }
  });

  // Last: it re-encrypts every key of this database under a new KEK, which the tests above do not know.
  it("members act through the relayer during and after a KEK rotation, the previous KEK then gone", async () => {
    const m = await member(300n);
    const next = parseKek(randomBytes(32).toString("hex"), "2");
    const during = { ...next, previous: { version: kek.version, key: kek.key } };
    const to = devAccount(MEMBERS[1]!).address;
    const before = await balance(to);
    // The app already runs with the new KEK and the previous one: the key still under v1 signs.
    expect(await custodialAction({ ...deps, kek: during }, m, "transfer", { to, amount: "10" })).toMatchObject({ status: 200, body: { status: "confirmed" } });
    const report = await rotateKeys({ pool: suite.pool, kek: during, batchSize: 2 });
    expect(report).toMatchObject({ failed: 0, pending: 0 });
    expect(report.rotated).toBeGreaterThan(0);
    expect((await suite.pool.query(`SELECT DISTINCT key_version AS v FROM users WHERE key_ciphertext IS NOT NULL`)).rows).toEqual([{ v: 2 }]);
    // Only the new KEK configured: the member transfers and redeems as before.
    expect(await custodialAction({ ...deps, kek: next }, m, "transfer", { to, amount: "20" })).toMatchObject({ status: 200, body: { status: "confirmed" } });
    expect(await custodialAction({ ...deps, kek: next }, m, "redeem", { rewardId: "1" })).toMatchObject({ status: 200 });
    expect(await balance(to)).toBe(before + 30n);
    expect(await balance(m.address)).toBe(300n - 30n - 50n);
  });
});
