/**
 * The audit, stage by stage: pin a block → fetch logs → derive the ledger → check the rules and
 * the contracts' views → compare the mirror → report. Returns the report; the CLI (audit.ts) turns
 * it into files, a summary and an exit code.
 */
import { readDeployment, loadDeployment, type Deployment } from "../../contracts/deployments.ts";
import { programAddresses, tierFor, ZERO_ADDRESS } from "../../contracts/spec/index.ts";
import { checkBalances } from "./check-balances.ts";
import { blocksNeedingTimestamps, checkRules } from "./check-rules.ts";
import { openMirror, type MirrorSnapshot } from "./compare-mirror.ts";
import { decodeLogs, TRANSFER_TOPIC } from "./decode.ts";
import { deriveLedger, type Ledger } from "./derive-ledger.ts";
import { fetchLogs } from "./fetch-logs.ts";
import { merkleRoot } from "./merkle.ts";
import { diffMirror } from "./mirror-diff.ts";
import { expectedMirror } from "./mirror-expected.ts";
import { progressBar } from "../lib/progress.ts";
import {
  AuditSetupError,
  blockHashAt,
  blockTimestamps,
  chainId as readChainId,
  pinBlock,
  readAccounts,
  readProgram,
  verifyDeployment,
  type AccountView,
} from "./read-chain.ts";
import { MERKLE_ENCODING, rpcOrigin, type AccountRow, type AuditReport } from "./report.ts";
import { Rpc, RpcUnreachableError } from "./rpc.ts";
import type { AuditEvent, Discrepancy, RawLog } from "./types.ts";
import { proveVouchers, readVoucherDomain } from "./vouchers.ts";
import { toHex } from "./rpc.ts";

export interface AuditOptions {
  rpcUrl: string;
  block?: number;
  /** A deployment record file; else deployments/<chainId>.json for `chainId` or the RPC's chain. */
  deploymentFile?: string;
  deployment?: Deployment;
  chainId?: number;
  databaseUrl?: string;
  /** Progress bars go here when it is a terminal. */
  progress?: NodeJS.WriteStream | null;
  log?: (message: string) => void;
  rpcBatchSize?: number;
  rpcConcurrency?: number;
  initialRange?: number;
  maxRange?: number;
}

export interface AuditOutcome {
  report: AuditReport;
  accounts: AccountRow[];
  ledger: Ledger;
}

export { AuditSetupError };

/** Every sender and recipient of the points' Transfer logs (zero address excluded), from the raw topics. */
export function transferParties(logs: readonly RawLog[], points: string): string[] {
  const seen = new Set<string>();
  for (const l of logs) {
    if (l.topics[0] !== TRANSFER_TOPIC || l.topics.length !== 3 || l.address.toLowerCase() !== points) continue;
    seen.add(`0x${l.topics[1].slice(26)}`.toLowerCase());
    seen.add(`0x${l.topics[2].slice(26)}`.toLowerCase());
  }
  seen.delete(ZERO_ADDRESS);
  return [...seen];
}

export async function runAudit(options: AuditOptions): Promise<AuditOutcome> {
  const log = options.log ?? (() => {});
  const timings: Record<string, number> = {};
  const started = performance.now();
  let mark = started;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark) / 1000;
    mark = now;
  };
  const rpc = new Rpc(options.rpcUrl, { batchSize: options.rpcBatchSize ?? 1000, concurrency: options.rpcConcurrency ?? 4, retries: 1 });

  // ------------------------------------------------------------ 0. which chain, block, contracts
  let chain: number;
  try {
    chain = await readChainId(rpc);
  } catch (error) {
    if (error instanceof RpcUnreachableError) throw new AuditSetupError(error.message);
    throw new AuditSetupError(`the endpoint at ${rpcOrigin(options.rpcUrl)} does not answer eth_chainId: ${(error as Error).message}`);
  }
  const deployment =
    options.deployment ??
    (options.deploymentFile ? await readDeployment(options.deploymentFile) : await loadDeployment(options.chainId ?? chain));

  let mirror: MirrorSnapshot | null = null;
  try {
    if (options.databaseUrl) {
      mirror = await openMirror(options.databaseUrl);
      log(`mirror at block ${mirror.state.cursorNumber}`);
    }
    // With a mirror and no --block, audit the block the mirror is at, so both describe the same state.
    const requested = options.block ?? (mirror ? mirror.state.cursorNumber : undefined);
    const pinned = await pinBlock(rpc, requested);
    const contracts = await verifyDeployment(rpc, deployment, chain, pinned);
    const points = deployment.contracts.LoyaltyPoints.address.toLowerCase();
    const rewards = deployment.contracts.RewardNFT.address.toLowerCase();
    const forwarder = deployment.contracts.LoyaltyForwarder.address.toLowerCase();
    log(`auditing chain ${chain} at block ${pinned.number} (${pinned.hash}) from block ${deployment.startBlock}`);
    lap("setup");

    // ------------------------------------------------------------ 1. fetch logs
    const total = pinned.number - deployment.startBlock + 1;
    const fetched = await fetchLogs(rpc, {
      addresses: [points, rewards],
      fromBlock: deployment.startBlock,
      toBlock: pinned.number,
      toBlockHash: pinned.hash,
      initialRange: options.initialRange,
      maxRange: options.maxRange,
      progress: progressBar("scanning logs", total, { stream: options.progress ?? null }),
    });
    lap("fetchLogs");
    // The accounts are known from the Transfer topics already: the node answers their views at the
    // pinned block while this process decodes and replays (the two overlap on two cores).
    const addresses = transferParties(fetched.logs, points);
    const viewsRpc = new Rpc(options.rpcUrl, { batchSize: options.rpcBatchSize ?? 1000, concurrency: 8, retries: 1 });
    const viewsPromise = readAccounts(viewsRpc, points, addresses, pinned.number);
    viewsPromise.catch(() => {}); // awaited below; avoids an unhandled rejection meanwhile
    await new Promise((resolve) => setImmediate(resolve));
    const events = decodeLogs(fetched.logs, programAddresses(deployment));
    lap("decode");

    // ------------------------------------------------------------ 2. derive the ledger
    const ledger = deriveLedger(events);
    lap("derive");

    // ------------------------------------------------------------ 3. rules and views
    const needed = blocksNeedingTimestamps(ledger.facts);
    const timestamps = needed.length ? await blockTimestamps(rpc, needed) : new Map<number, number>();
    const at = toHex(pinned.number);
    const domain = await readVoucherDomain(rpc, rewards, at);
    const vouchers = await proveVouchers(rpc, ledger.facts, { rewards, forwarder, domain });
    const ruleFindings = checkRules({ facts: ledger.facts, timestamps, vouchers });
    lap("checkRules");

    const views: Map<string, AccountView> = await viewsPromise;
    const late = [...ledger.accounts.keys()].filter((a) => !views.has(a));
    if (late.length) for (const [k, v] of await readAccounts(rpc, points, late, pinned.number)) views.set(k, v);
    rpc.requests += viewsRpc.requests;
    const program = await readProgram(rpc, { points, rewards }, [...ledger.allowances.keys()], [...ledger.rewards.keys()], pinned.number);
    const balanceFindings = checkBalances(ledger, views, program);
    lap("checkViews");

    // ------------------------------------------------------------ 4. the mirror
    const mirrorFindings: Discrepancy[] = [];
    let mirrorSummary: AuditReport["mirror"] = null;
    if (mirror) {
      const s = mirror.state;
      const notes: string[] = [];
      const state = (check: string, expected: unknown, found: unknown, message: string) => {
        if (String(expected) !== String(found)) mirrorFindings.push({ check: `mirror.indexer_state.${check}`, account: "indexer_state", expected: String(expected), found: String(found), message, events: [] });
      };
      state("chain_id", chain, s.chainId, "the mirror follows another chain");
      state("genesis_hash", deployment.genesisHash, s.genesisHash, "the mirror was built on another chain (genesis)");
      state("points_address", points, s.pointsAddress, "the mirror follows another points contract");
      state("rewards_address", rewards, s.rewardsAddress, "the mirror follows another reward catalog");
      state("cursor_number", pinned.number, s.cursorNumber, "the mirror is at another block than the audit (pass no --block to audit the mirror's block)");
      if (s.cursorNumber === pinned.number) state("cursor_hash", pinned.hash, s.cursorHash, "the mirror's block is not the chain's block at that height (reorg)");
      // Timestamps of every block with events (rows carry them).
      const missing = [...new Set(events.filter((e) => e.timestamp === undefined && !timestamps.has(e.blockNumber)).map((e) => e.blockNumber))];
      if (missing.length) for (const [n, t] of await blockTimestamps(rpc, missing)) (timestamps as Map<number, number>).set(n, t);
      const expected = expectedMirror(ledger, events, timestamps);
      const found = await mirror.read(pinned.number);
      for (const table of Object.keys(expected)) if (!found[table]) notes.push(`table ${table} is absent from the mirror: not compared`);
      if (s.cursorNumber !== pinned.number) {
        // Event rows up to the pinned block still compare; the derived state does not.
        for (const table of ["accounts", "reward_tokens", "rewards", "merchants", "charities", "program_settings"]) delete found[table];
        notes.push(`the mirror is at block ${s.cursorNumber}, the audit at ${pinned.number}: only event rows up to ${pinned.number} were compared`);
      }
      mirrorFindings.push(...diffMirror(expected, found));
      mirrorSummary = {
        cursorNumber: s.cursorNumber,
        cursorHash: s.cursorHash,
        tables: Object.fromEntries(Object.entries(expected).map(([t, rows]) => [t, { expected: rows.rows.size, found: found[t]?.size ?? -1 }])),
        notes,
      };
      lap("compareMirror");
    }

    // The block must still be the chain's at the end: a reorg during the audit voids it.
    const hashNow = await blockHashAt(rpc, pinned.number);
    if (hashNow !== pinned.hash) throw new AuditSetupError(`block ${pinned.number} was reorganised during the audit (${pinned.hash} → ${hashNow}): run again`);

    // ------------------------------------------------------------ 5. report
    const merkle = merkleRoot([...ledger.accounts.values()].map((a) => [a.address, a.balance] as const));
    const discrepancies = [...balanceFindings, ...ruleFindings, ...mirrorFindings];
    const checks: Record<string, number> = {};
    for (const d of discrepancies) checks[d.check] = (checks[d.check] ?? 0) + 1;
    const accounts: AccountRow[] = [...ledger.accounts.values()]
      .sort((a, b) => (a.address < b.address ? -1 : 1))
      .map((a) => {
        const v = views.get(a.address);
        return {
          address: a.address, balance: a.balance, lifetimeEarned: a.earned, tier: tierFor(a.earned, ledger.thresholds),
          chainBalance: v?.balance ?? null, chainLifetimeEarned: v?.lifetimeEarned ?? null, chainTier: v?.tier ?? null,
        };
      });
    const sum = accounts.reduce((s, a) => s + a.balance, 0n);
    const count = (kind: string) => ledger.facts.filter((f) => f.kind === kind).length;
    lap("report");
    timings.total = Math.round(performance.now() - started) / 1000;
    const report: AuditReport = {
      tool: "fidelite-audit",
      formatVersion: 1,
      ok: discrepancies.length === 0,
      generatedAt: new Date().toISOString(),
      rpc: rpcOrigin(options.rpcUrl),
      chainId: chain,
      genesisHash: deployment.genesisHash ?? null,
      block: { number: pinned.number, hash: pinned.hash, timestamp: pinned.timestamp, head: pinned.head },
      contracts,
      deploymentStartBlock: deployment.startBlock,
      merkle: { root: merkle.root, leaves: merkle.leaves, encoding: MERKLE_ENCODING },
      totals: {
        logs: fetched.logs.length, events: events.length, accounts: ledger.accounts.size,
        totalSupply: String(program.totalSupply), sumOfBalances: String(sum),
        issuances: count("issuance"), redemptions: count("redemption"), expiries: count("expiry"), vouchers: count("voucher"),
      },
      checks,
      mirror: mirrorSummary,
      timings: { ...timings, rpcRequests: rpc.requests, logRequests: fetched.requests },
      discrepancies,
      accounts: accounts.map((a) => ({ address: a.address, balance: String(a.balance), lifetimeEarned: String(a.lifetimeEarned), tier: a.tier })),
    };
    return { report, accounts, ledger };
  } catch (error) {
    if (error instanceof RpcUnreachableError) throw new AuditSetupError(error.message);
    throw error;
  } finally {
    await mirror?.close();
  }
}

export type { AuditEvent };
