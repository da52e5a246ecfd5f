/**
 * Attacks on "move to my own wallet" (web/lib/custody/move.ts) on a real node, Postgres and the
 * real relayer: two email members moving into one wallet to pool their tiers, a member switching
 * the target halfway, a wallet with a history, a wallet dusted while the move runs. The
 * properties: one pending move per wallet, the target fixed once the first on-chain step ran, the
 * target empty (no points, no lifetime, no reward token), and a clear 4xx for every refusal.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http, keccak256, toHex, type Address, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { signUp } from "../../../web/lib/auth/accounts.ts";
import type { SessionLike } from "../../../web/lib/auth/account-state.ts";
import { issueNonceIn } from "../../../web/lib/auth/nonce-store.ts";
import { parseKek } from "../../../web/lib/custody/kek.ts";
import type { CustodyDeps } from "../../../web/lib/custody/member-actions.ts";
import { continueMove, startMove, type MoveDeps } from "../../../web/lib/custody/move.ts";
import { moveProofMessage } from "../../../web/lib/custody/move-proof.ts";
import { PgRelayer } from "../../../web/lib/relayer/relayer.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { startHardhatNode, type HardhatNode } from "../../support/hardhat-node.ts";
import { useTestDatabase } from "../../support/postgres-suite.ts";
import { deployTestProgram, MEMBERS, MERCHANTS, type TestProgram } from "../../support/program.ts";
import { MIGRATOR_ROLE } from "../../../contracts/spec/index.ts";

const RELAYER = devAccount(1);
const kek = parseKek(randomBytes(32).toString("hex"));
const DOMAIN = "shop.example";

describe("adversarial — moving an email account to a wallet", () => {
  const suite = useTestDatabase({ maxConnections: 12 });
  let node: HardhatNode;
  let program: TestProgram;
  let client: PublicClient;
  let relayer: PgRelayer;
  let deps: MoveDeps;
  let ip = 0;
  let refs = 0;

  const read = <T>(address: Address, abi: unknown, functionName: string, args: unknown[]) =>
    client.readContract({ address, abi: abi as never, functionName: functionName as never, args: args as never }) as Promise<T>;
  async function send(from: number, address: Address, abi: unknown, functionName: string, args: unknown[]) {
    const hash = await program.wallet(from).writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never } as never);
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
  }
  const issue = (to: Address, amount: bigint) => send(MERCHANTS[0]!, program.points, loyaltyPointsAbi, "issue", [to, amount, keccak256(toHex(`move-${refs++}`))]);
  async function member(points = 0n): Promise<SessionLike> {
    const r = await signUp(suite.pool, kek, { email: `mv${randomBytes(4).toString("hex")}@example.com`, password: "a good long password", consent: {} }, `10.2.0.${++ip}`);
    if (!("address" in r)) throw new Error(JSON.stringify(r));
    if (points > 0n) await issue(r.address, points);
    return { address: r.address, kind: "custodial", version: r.version };
  }
  async function start(m: SessionLike, wallet: PrivateKeyAccount) {
    const nonce = await issueNonceIn(suite.pool);
    const signature = await wallet.signMessage({ message: moveProofMessage({ domain: DOMAIN, chainId: hardhat.id, custodial: m.address, wallet: wallet.address, nonce }) });
    return startMove(deps, m, { wallet: wallet.address, nonce, signature }, DOMAIN);
  }
  async function finish(m: SessionLike) {
    const steps: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await continueMove(deps, m);
      if (r.status !== 200) return { steps, refused: r };
      const step = (r as unknown as { body: { step: string } }).body.step;
      steps.push(step);
      if (step === "done") break;
    }
    return { steps, refused: null };
  }
  const freshWallet = () => privateKeyToAccount(generatePrivateKey());

  beforeAll(async () => {
    suite.pool.on("error", () => {});
    node = await startHardhatNode();
    program = await deployTestProgram(node.url);
    client = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0, pollingInterval: 50 }) as PublicClient;
    const role = MIGRATOR_ROLE;
    if (!(await read<boolean>(program.points, loyaltyPointsAbi, "hasRole", [role, RELAYER.address]))) await send(0, program.points, loyaltyPointsAbi, "grantRole", [role, RELAYER.address]);
    const contracts = { points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address };
    relayer = new PgRelayer({ pool: suite.pool as unknown as PoolLike, client, account: RELAYER, chainId: hardhat.id, contracts, log: () => {}, pollMs: 10 });
    deps = { db: suite.pool, locks: suite.pool, kek, client, chainId: hardhat.id, contracts, relayer: () => relayer, startBlock: BigInt(program.deployment.startBlock) } satisfies CustodyDeps & MoveDeps;
  }, 120_000);
  afterAll(async () => {
    relayer?.stop();
    await node?.stop();
  });

  it("two members aiming at one wallet: the second is refused at once (409 wallet_taken), and the first moves", async () => {
    const a = await member(1_200n);
    const b = await member(800n);
    const wallet = freshWallet();
    expect(await start(a, wallet)).toMatchObject({ status: 200 });
    expect(await start(b, wallet)).toMatchObject({ status: 409, error: { code: "wallet_taken" } });
    expect(await finish(a)).toEqual({ steps: ["points", "done"], refused: null });
    expect(await start(b, wallet)).toMatchObject({ status: 409, error: { code: "wallet_taken" } });
    expect(await read<bigint>(program.points, loyaltyPointsAbi, "lifetimeEarned", [wallet.address])).toBe(1_200n);
  });

  it("the target can change until the first on-chain step ran, never after (409 move_target_fixed)", async () => {
    const m = await member(300n);
    const first = freshWallet();
    const second = freshWallet();
    expect(await start(m, first)).toMatchObject({ status: 200 });
    expect(await start(m, second)).toMatchObject({ status: 200 });
    // The first wallet is free again for someone else.
    expect(await start(await member(), first)).toMatchObject({ status: 200 });
    expect(await continueMove(deps, m)).toMatchObject({ status: 200, body: { step: "points" } });
    expect(await start(m, freshWallet())).toMatchObject({ status: 409, error: { code: "move_target_fixed" } });
    // Asking again for the wallet it is moving to is harmless.
    expect(await start(m, second)).toMatchObject({ status: 200 });
    expect(await finish(m)).toEqual({ steps: ["done"], refused: null });
    expect(await read<bigint>(program.points, loyaltyPointsAbi, "balanceOf", [second.address])).toBe(300n);
  });

  it("a wallet with points, lifetime earned or a reward token is refused (409 wallet_not_empty)", async () => {
    const m = await member(100n);
    const withPoints = freshWallet();
    await issue(withPoints.address, 5n);
    expect(await start(m, withPoints)).toMatchObject({ status: 409, error: { code: "wallet_not_empty" } });
    const withBadge = freshWallet();
    await send(MERCHANTS[1]!, program.rewards, rewardNftAbi, "mintExclusive", [2n, withBadge.address]);
    expect(await start(m, withBadge)).toMatchObject({ status: 409, error: { code: "wallet_not_empty" } });
    expect(await start(m, freshWallet())).toMatchObject({ status: 200 });
  });

  it("a wallet dusted with a point while the move waits: the step is refused with 409 wallet_not_empty (no 5xx), and the member can pick another", async () => {
    const m = await member(100n);
    const dusted = freshWallet();
    expect(await start(m, dusted)).toMatchObject({ status: 200 });
    await issue(devAccount(MEMBERS[0]!).address, 1n);
    await send(MEMBERS[0]!, program.points, loyaltyPointsAbi, "transfer", [dusted.address, 1n]);
    expect(await continueMove(deps, m)).toMatchObject({ status: 409, error: { code: "wallet_not_empty" } });
    const other = freshWallet();
    expect(await start(m, other)).toMatchObject({ status: 200 });
    expect(await finish(m)).toEqual({ steps: ["points", "done"], refused: null });
    expect(await read<bigint>(program.points, loyaltyPointsAbi, "balanceOf", [other.address])).toBe(100n);
  });

  it("an account with no points but a badge moves its (empty) points account first, so the badge follows it", async () => {
    const m = await member();
    await send(MERCHANTS[1]!, program.rewards, rewardNftAbi, "mintExclusive", [2n, m.address]);
    const wallet = freshWallet();
    expect(await start(m, wallet)).toMatchObject({ status: 200 });
    expect(await finish(m)).toEqual({ steps: ["points", "rewards", "done"], refused: null });
    expect(await read<bigint>(program.rewards, rewardNftAbi, "balanceOf", [wallet.address])).toBe(1n);
    expect(await read<Address>(program.points, loyaltyPointsAbi, "migratedTo", [m.address])).toBe(wallet.address);
  });
});
