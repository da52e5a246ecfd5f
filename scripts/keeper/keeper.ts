/**
 * The expiry keeper's pass: candidates from the mirror, each re-checked on chain (the chain is the
 * truth; the mirror may lag), simulated, claimed in keeper_expiries, signed, stored, broadcast and
 * followed to its receipt, within a per-pass and a rolling 24-hour budget (count and gas).
 *
 * One keeper works at a time per programme (a Postgres advisory lock on the points contract): a
 * second instance stands by for that pass, so two never race for the signer's nonces. The claims
 * are what make it exactly-once even so: a fact (account, last activity) is claimed by one row,
 * and a crash leaves either nothing sent or one stored transaction that the next pass follows.
 * `LoyaltyPoints.expire` has no batch form: one transaction per expiry (see the README for its gas).
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { encodeFunctionData, keccak256, type Address, type Hash, type Hex, type LocalAccount, type PublicClient, type WalletClient } from "viem";
import { loyaltyPointsAbi } from "../../contracts/generated/contracts.ts";
import { expiryCandidates } from "../../indexer/query/expiry-candidates.ts";
import { classifyBroadcastError, decodeRevert, shortError } from "../../web/lib/chain/errors.ts";
import { LockBusyError, withPooledAdvisoryLock } from "../lib/advisory-lock.ts";
import type { Logger } from "../lib/log.ts";
import type { PoolLike } from "../lib/queryable.ts";
import { claim, recordOutcome, recordSigned, release, unfinished, usageSince, type Claim } from "./claims.ts";
import type { KeeperMetrics } from "./metrics.ts";

/** Advisory-lock namespace of the keeper (keyed by the points contract's address). */
export const KEEPER_LOCK = 0x6b656570; // "keep"

export interface KeeperBudget {
  /** Expiries sent in one pass. */
  runCount: number;
  /** Gas (estimates, reserved before sending) in one pass. */
  runGas: bigint;
  /** Expiries sent in any 24 hours (from keeper_expiries, so restarts do not reset it). */
  dayCount: number;
  /** Gas used or reserved in any 24 hours. */
  dayGas: bigint;
}

export type BudgetName = "run_count" | "run_gas" | "day_count" | "day_gas";

export interface KeeperOptions {
  pool: PoolLike;
  publicClient: PublicClient;
  walletClient: WalletClient;
  account: LocalAccount;
  points: Address;
  budget: KeeperBudget;
  log: Logger;
  metrics?: KeeperMetrics;
  /** Most candidates read from the mirror per pass (many may turn out active on chain). */
  candidateLimit?: number;
  /** How long a pass waits for each receipt before leaving the transaction to the next pass. */
  receiptTimeoutMs?: number;
  /** Called at each durable step; tests throw from it to stop the keeper dead there, as a crash would. */
  onStep?: (step: "claimed" | "stored" | "broadcast", account: string) => void | Promise<void>;
}

export interface PassReport {
  /** Another keeper held the lock: this one did nothing. */
  standby: boolean;
  paused: boolean;
  candidates: number;
  confirmed: number;
  reverted: number;
  activeOnChain: number;
  alreadyClaimed: number;
  simulationFailed: number;
  /** Transactions left for the next pass (no receipt in time, the node unreachable). */
  pending: number;
  recovered: number;
  points: bigint;
  gasUsed: bigint;
  budgetExhausted: BudgetName | null;
  /** Each confirmed expiry: for the logs, the tests and the gas measurement. */
  expired: { account: string; amount: bigint; gasUsed: bigint; txHash: Hash }[];
}

const emptyReport = (): PassReport => ({
  standby: false, paused: false, candidates: 0, confirmed: 0, reverted: 0, activeOnChain: 0, alreadyClaimed: 0, simulationFailed: 0,
  pending: 0, recovered: 0, points: 0n, gasUsed: 0n, budgetExhausted: null, expired: [],
});

/** Gas limit over the estimate: the estimate is exact for this call, the margin covers a changed slot. */
const GAS_MARGIN_PERCENT = 120n;

export class ExpiryKeeper {
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private readonly log: Logger;

  constructor(private readonly o: KeeperOptions) {
    this.log = o.log;
  }

  get signer(): Address {
    return this.o.account.address;
  }

  /** One pass. Throws on an RPC or database failure (the loop logs it and tries again later). */
  async runOnce(): Promise<PassReport> {
    const report = emptyReport();
    try {
      await withPooledAdvisoryLock(this.o.pool, { namespace: KEEPER_LOCK, name: this.o.points.toLowerCase() }, () => this.pass(report), { wait: false });
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      report.standby = true;
      this.log.debug("another keeper is running this pass: standing by", { signer: this.signer });
    }
    const m = this.o.metrics;
    if (m) {
      m.runs.inc({ result: report.standby ? "standby" : report.paused ? "paused" : "done" });
      m.lastRun.set(Date.now() / 1000);
      m.signerBalance.set(Number(await this.o.publicClient.getBalance({ address: this.signer }).catch(() => 0n)));
    }
    return report;
  }

  private async pass(report: PassReport) {
    const { publicClient, points } = this.o;
    if (await publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "paused" })) {
      report.paused = true;
      this.log.info("the programme is paused: no expiry this pass");
      return;
    }
    for (const c of await unfinished(this.o.pool)) await this.recover(c, report);

    const head = await publicClient.getBlock({ blockTag: "latest" });
    const day = await usageSince(this.o.pool);
    this.o.metrics?.dayCount.set(day.count);
    this.o.metrics?.dayGas.set(Number(day.gas));
    const candidates = await expiryCandidates(this.o.pool, { now: head.timestamp, limit: this.o.candidateLimit ?? 500 });
    report.candidates = candidates.length;
    this.o.metrics?.candidates.set(candidates.length);
    let runCount = 0;
    let runGas = 0n;
    const stop = (budget: BudgetName) => {
      report.budgetExhausted = budget;
      this.o.metrics?.budgetExhausted.inc({ budget });
      this.log.info("budget reached: the rest waits for a later pass", { budget, sent: runCount, gas: runGas, dayCount: day.count, dayGas: day.gas });
    };
    const count = (outcome: string) => this.o.metrics?.expiries.inc({ outcome });

    for (const candidate of candidates) {
      if (runCount >= this.o.budget.runCount) return stop("run_count");
      if (day.count >= this.o.budget.dayCount) return stop("day_count");
      const member = candidate.address as Address;
      // The chain decides, at one block: the mirror may be behind a transfer that reset the clock.
      const at = { blockNumber: head.number };
      const [expiresAt, lastActivity, balance] = await Promise.all([
        publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "expiresAt", args: [member], ...at }),
        publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "lastActivity", args: [member], ...at }),
        publicClient.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [member], ...at }),
      ]);
      if (expiresAt === 0n || expiresAt > head.timestamp) {
        report.activeOnChain++;
        count("active_on_chain");
        this.log.info("skipped: not expirable on chain", { member, mirrorLastActivity: candidate.lastActivity, chainLastActivity: lastActivity, expiresAt });
        continue;
      }
      let gas: bigint;
      try {
        await publicClient.simulateContract({ address: points, abi: loyaltyPointsAbi, functionName: "expire", args: [member], account: this.o.account });
        gas = await publicClient.estimateContractGas({ address: points, abi: loyaltyPointsAbi, functionName: "expire", args: [member], account: this.o.account });
      } catch (error) {
        report.simulationFailed++;
        count("simulation_failed");
        this.log.warn("skipped: the simulation of expire reverted", { member, error: decodeRevert(error)?.name ?? shortError(error) });
        continue;
      }
      if (runGas + gas > this.o.budget.runGas) return stop("run_gas");
      if (day.gas + gas > this.o.budget.dayGas) return stop("day_gas");

      const fact = { account: member.toLowerCase(), lastActivity };
      if (!(await claim(this.o.pool, { ...fact, amount: balance, gasEstimate: gas, claimedBy: this.instance }))) {
        report.alreadyClaimed++;
        count("already_claimed");
        this.log.info("skipped: this expiry is already claimed", { member, lastActivity });
        continue;
      }
      runCount++;
      runGas += gas;
      day.count++;
      day.gas += gas;
      await this.o.onStep?.("claimed", fact.account);
      const signed = await this.sign(member, gas);
      await recordSigned(this.o.pool, fact, signed);
      await this.o.onStep?.("stored", fact.account);
      await this.deliver({ ...fact, amount: balance, status: "sent", gasEstimate: gas, ...signed }, report);
    }
  }

  private async sign(member: Address, gasEstimate: bigint): Promise<{ signedTx: Hex; txHash: Hash; nonce: number }> {
    const { walletClient, publicClient, account, points } = this.o;
    // The lock makes this keeper the signer's only user here; "pending" also counts its own unmined ones.
    const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
    const request = await walletClient.prepareTransactionRequest({
      account, chain: walletClient.chain, to: points, nonce,
      data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "expire", args: [member] }),
      gas: (gasEstimate * GAS_MARGIN_PERCENT) / 100n,
    });
    const signedTx = await account.signTransaction!(request as never);
    return { signedTx, txHash: keccak256(signedTx), nonce };
  }

  /** Broadcasts a stored transaction (again, after a crash: the same bytes, so never a second one) and waits for its receipt. */
  private async deliver(c: Claim & { signedTx: Hex; txHash: Hash }, report: PassReport) {
    const { publicClient } = this.o;
    const log = this.log.child({ member: c.account, txHash: c.txHash, nonce: c.nonce });
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: c.signedTx });
    } catch (error) {
      const outcome = classifyBroadcastError(error);
      if (outcome === "transport" || outcome === "early") {
        report.pending++;
        log.warn("the node did not take the broadcast yet: the next pass sends it again", { error: shortError(error) });
        return;
      }
      if (outcome !== "ok") {
        // The node refused it (e.g. its nonce went to another transaction): it can never be mined,
        // unless it already was, which the receipt tells.
        const mined = await publicClient.getTransactionReceipt({ hash: c.txHash }).catch(() => null);
        if (!mined) {
          await release(this.o.pool, c);
          this.o.metrics?.expiries.inc({ outcome: "not_sent" });
          log.warn("the node refused the expiry: claim dropped, the next pass checks the member again", { error: outcome.error });
          return;
        }
      }
    }
    await this.o.onStep?.("broadcast", c.account);
    let receipt;
    try {
      receipt = await publicClient.waitForTransactionReceipt({ hash: c.txHash, timeout: this.o.receiptTimeoutMs ?? 60_000, pollingInterval: 250 });
    } catch (error) {
      report.pending++;
      log.warn("no receipt in time: the next pass follows it", { error: shortError(error) });
      return;
    }
    const status = receipt.status === "success" ? "confirmed" : "reverted";
    await recordOutcome(this.o.pool, c, { status, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, error: status === "reverted" ? "reverted on chain" : undefined });
    this.o.metrics?.expiries.inc({ outcome: status });
    this.o.metrics?.gasUsed.inc(Number(receipt.gasUsed));
    report.gasUsed += receipt.gasUsed;
    if (status === "confirmed") {
      report.confirmed++;
      report.points += c.amount;
      report.expired.push({ account: c.account, amount: c.amount, gasUsed: receipt.gasUsed, txHash: c.txHash });
      this.o.metrics?.pointsExpired.inc(Number(c.amount));
      log.info("points expired", { amount: c.amount, gasUsed: receipt.gasUsed, block: receipt.blockNumber });
    } else {
      report.reverted++;
      log.error("the expiry reverted on chain", { gasUsed: receipt.gasUsed, block: receipt.blockNumber });
    }
  }

  /** A claim an earlier pass left: never signed (dropped), or signed and stored (followed to its end). */
  private async recover(c: Claim, report: PassReport) {
    report.recovered++;
    if (c.status === "claimed" || !c.signedTx || !c.txHash) {
      await release(this.o.pool, c);
      this.log.info("recovered a claim that was never sent: dropped, the member is checked again", { member: c.account });
      return;
    }
    this.log.info("recovering a stored expiry transaction", { member: c.account, txHash: c.txHash });
    await this.deliver(c as Claim & { signedTx: Hex; txHash: Hash }, report);
  }
}
