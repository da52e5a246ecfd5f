/**
 * The purchase API's logic (routes in app/api/v1/purchases): a merchant's purchase becomes points
 * issued on chain by the platform's relayer as the merchant's issuing agent: concurrent purchases of
 * one merchant coalesce into one issuePurchasesFor batch (batcher.ts), each with its own ref and
 * events; a referral bonus is its own issueFor.
 *
 * Idempotency, twice: in the database, one row per (merchant, order id) taken by
 * `INSERT … ON CONFLICT DO NOTHING` (the one request that inserts it issues; concurrent duplicates
 * wait for it and answer the same result); on chain, the issuance ref purchaseRef(merchant, orderId)
 * can be used once by that merchant (refs are per merchant on chain), so even a retry after a crash
 * at the worst instant cannot issue twice. RefAlreadyUsed means "issued" only when the issuance the
 * chain recorded under the merchant's ref is this purchase's: same member, same points. Otherwise
 * (the merchant console used the order id, for another member or amount) the purchase fails with
 * 409 issuance_mismatch and nothing is issued; a refund checks the same before clawing back.
 * A batch's RefAlreadyUsed skip is read the same way (an earlier batch of this purchase issued it).
 *
 * A purchase is in one batch at a time: the batch's key is written on its row before the batch is
 * sent (batcher.ts). A server that dies leaves its purchases pending; once their lease runs out,
 * another server (a retry, or the recoverPurchases sweep) takes each over, alone, and finishes it
 * from its batch's receipt or in a new batch.
 */
import { fail, type Failure, type Result } from "../edge/result.ts";
import { encodeFunctionData, getAddress, isAddress, parseEventLogs, zeroAddress, type Address, type Hash, type PublicClient } from "viem";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { MERCHANT_ROLE } from "../../../contracts/spec/index.ts";
import { purchaseRef } from "../../../contracts/typed-data.ts";
import type { PoolLike, Queryable } from "../../../scripts/lib/queryable.ts";
import { RelayRejectedError, type RelayedTx, type Relayer } from "../relayer/types.ts";
import { PurchaseTakenOverError, type PurchaseBatcher } from "./batcher.ts";
import { computePoints, wholeNumber, type BreakdownLine } from "./rules.ts";
import { skipFailure } from "./skips.ts";
import { activeCampaigns, getRules } from "./store.ts";
import { purchaseIssued, purchaseRefunded } from "../webhooks/outbox.ts";

export interface PurchaseDeps {
  db: PoolLike;
  client: PublicClient;
  relayer: Relayer;
  /** Coalesces the purchases' issuances into batches (one per server process, over `relayer`). */
  batcher: PurchaseBatcher;
  points: Address;
  /** A pending purchase untouched this long (its server died) may be taken over (default 30 s). */
  leaseMs?: number;
  /** Where the program's logs start (the deployment's block): earlier blocks are never searched. */
  fromBlock?: bigint;
}

export const MAX_AMOUNT_CENTS = 10n ** 12n;
export const CURRENCIES = ["EUR"] as const;
const ORDER_ID = /^[\x20-\x7e]{1,128}$/;
const REFERRAL_SUFFIX = "#referral";
/** A purchase left pending this long (its server died) may be taken over by a retry. */
const LEASE_MS = 30_000;

export interface PurchaseInput {
  member: { address: string } | { email: string } | { id: string };
  amountCents: bigint;
  currency: "EUR";
  orderId: string;
}

/** The body of POST /api/v1/purchases, checked. Amounts: a JSON integer or a string of digits. */
export function parsePurchase(body: unknown): PurchaseInput | Failure {
  if (!body || typeof body !== "object" || Array.isArray(body)) return fail(400, "bad_json", "expected a JSON object");
  const o = body as Record<string, unknown>;
  const m = o.member as Record<string, unknown> | undefined;
  const keys = m && typeof m === "object" && !Array.isArray(m) ? Object.keys(m) : [];
  if (keys.length !== 1 || !["address", "email", "id"].includes(keys[0]!) || typeof m![keys[0]!] !== "string") {
    return fail(422, "invalid_member", "member must be one of {address}, {email} or {id}");
  }
  const amount = typeof o.amountCents === "string" && !/^\s*-?\d+\s*$/.test(o.amountCents) ? null : wholeNumber(o.amountCents);
  if (amount === null) return fail(422, "invalid_amount", "amountCents must be a whole number of cents (a JSON integer or a string of digits)");
  if (amount <= 0n) return fail(422, "invalid_amount", "amountCents must be positive");
  if (amount > MAX_AMOUNT_CENTS) return fail(422, "invalid_amount", `amountCents must be at most ${MAX_AMOUNT_CENTS}`);
  if (typeof o.currency !== "string" || !(CURRENCIES as readonly string[]).includes(o.currency)) {
    return fail(422, "unsupported_currency", `currency must be one of ${CURRENCIES.join(", ")}`);
  }
  if (typeof o.orderId !== "string" || !ORDER_ID.test(o.orderId)) return fail(422, "invalid_order_id", "orderId must be 1 to 128 printable ASCII characters");
  if (o.orderId.endsWith(REFERRAL_SUFFIX)) return fail(422, "invalid_order_id", `orderId may not end with "${REFERRAL_SUFFIX}" (reserved for referral bonuses)`);
  return { member: { [keys[0]!]: (m![keys[0]!] as string).trim() } as PurchaseInput["member"], amountCents: amount, currency: "EUR", orderId: o.orderId };
}

/** A member by wallet address (any: self-custody members need no account here), email or member id. */
export async function resolveMember(db: Queryable, member: PurchaseInput["member"]): Promise<Address | Failure> {
  if ("address" in member) {
    if (!isAddress(member.address, { strict: false }) || getAddress(member.address) === zeroAddress) return fail(422, "invalid_member", "member.address is not an address");
    return getAddress(member.address);
  }
  const byEmail = "email" in member;
  if (!byEmail && !/^[0-9a-f-]{36}$/i.test(member.id)) return fail(404, "unknown_member", "no member has this id");
  const { rows } = await db.query<{ address: string; verified: boolean }>(
    `SELECT address, email_verified_at IS NOT NULL AS verified FROM users WHERE ${byEmail ? "email = lower($1)" : "id = $1::uuid"} AND deleted_at IS NULL`,
    [byEmail ? member.email : member.id],
  );
  if (!rows[0]) return fail(404, "unknown_member", `no member has this ${byEmail ? "email" : "id"}`);
  // Whoever registers an address first is not its owner until the verification link says so.
  if (byEmail && !rows[0].verified) return fail(422, "member_unverified", "this member has not verified their email yet: nothing was issued; retry the same order later, or send their wallet address or member id");
  return getAddress(rows[0].address);
}

// ------------------------------------------------------------------ merchant checks

const activeCache = new Map<string, number>();

/** The merchant holds MERCHANT_ROLE and authorized the relayer as its agent (asked to the chain;
 * a positive answer is reused for 2 s, a negative one never: the console's fix shows at once). */
export async function merchantActive(deps: PurchaseDeps, merchant: Address): Promise<Failure | null> {
  const hit = activeCache.get(merchant);
  if (hit && Date.now() - hit < 2_000) return null;
  const [isMerchant, isAgent] = await Promise.all([
    deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [MERCHANT_ROLE, merchant] }),
    deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName: "isIssuingAgent", args: [merchant, deps.relayer.address] }),
  ]);
  if (!isMerchant) return fail(403, "merchant_not_active", "this key's merchant is not (or no longer) a merchant of the coalition");
  if (!isAgent) {
    return fail(403, "merchant_not_active", `the platform relayer ${deps.relayer.address} is not authorized to issue for this merchant: authorize it in the merchant console (setIssuingAgent)`);
  }
  activeCache.set(merchant, Date.now());
  return null;
}

// ------------------------------------------------------------------ purchases

interface PurchaseRow {
  id: string;
  merchant: string;
  order_id: string;
  member: string;
  member_given: "address" | "email" | "id";
  amount_cents: string;
  currency: string;
  status: "pending" | "issued" | "failed";
  attempt: number;
  points: string | null;
  breakdown: { rule: string; points: string; detail: string; campaignId?: string }[] | null;
  ref: string;
  tx_hash: string | null;
  block_number: string | null;
  batch_key: string | null;
  error_status: number | null;
  error_code: string | null;
  error_message: string | null;
  referrer: string | null;
  referral_points: string | null;
  referral_tx_hash: string | null;
  referral_status: string | null;
  refunded_points: string;
  refund_tx_hash: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The answer a failed purchase gave, from its error columns (a CHECK keeps them set together with 'failed'). */
function errorOf(row: PurchaseRow): Failure {
  return fail(row.error_status ?? 502, row.error_code ?? "issuance_failed", row.error_message ?? "the issuance failed");
}

export function purchaseView(row: PurchaseRow): Record<string, unknown> {
  return {
    purchaseId: row.id,
    orderId: row.order_id,
    status: row.status,
    // Only a merchant that named the member by address gets it back: an email or an id never
    // turns into a wallet address here (the API is no directory).
    member: row.member_given === "address" ? { address: getAddress(row.member) } : { given: row.member_given },
    amountCents: row.amount_cents,
    currency: row.currency,
    points: row.points,
    breakdown: row.breakdown,
    referral: row.referrer ? { referrer: getAddress(row.referrer), points: row.referral_points, txHash: row.referral_tx_hash, status: row.referral_status } : null,
    ref: row.ref,
    txHash: row.tx_hash,
    blockNumber: row.block_number,
    refundedPoints: row.refunded_points,
    createdAt: row.created_at.toISOString(),
  };
}

/** In this process: purchases being issued, so that duplicates wait without polling the database. */
const inFlight = new Map<string, Promise<void>>();

export async function recordPurchase(deps: PurchaseDeps, merchant: Address, body: unknown): Promise<Result> {
  const input = parsePurchase(body);
  if ("error" in input) return input;
  const member = await resolveMember(deps.db, input.member);
  if (typeof member !== "string") return member;
  if (member === merchant) return fail(422, "self_issuance", "a merchant cannot earn points from its own purchases");
  const inactive = await merchantActive(deps, merchant);
  if (inactive) return inactive;

  const ref = purchaseRef(merchant, input.orderId);
  const inserted = await deps.db.query<PurchaseRow>(
    `INSERT INTO purchases (merchant, order_id, member, member_given, amount_cents, currency, status, ref) VALUES ($1, $2, $3, $7, $4, $5, 'pending', $6)
     ON CONFLICT (merchant, order_id) DO NOTHING RETURNING *`,
    [merchant.toLowerCase(), input.orderId, member.toLowerCase(), input.amountCents.toString(), input.currency, ref, Object.keys(input.member)[0]],
  );
  if (inserted.rows[0]) return own(deps, inserted.rows[0], 201);

  // A duplicate: the same purchase again (a retry, a concurrent request), or another one reusing the id.
  for (;;) {
    const { rows } = await deps.db.query<PurchaseRow>(`SELECT * FROM purchases WHERE merchant = $1 AND order_id = $2`, [merchant.toLowerCase(), input.orderId]);
    const row = rows[0]!;
    if (row.member !== member.toLowerCase() || BigInt(row.amount_cents) !== input.amountCents || row.currency !== input.currency) {
      return fail(409, "order_conflict", "this orderId was already used for a different purchase (member, amount or currency)");
    }
    if (row.status === "issued") return { status: 200, body: { ...purchaseView(row), replayed: true } };
    if (row.status === "failed") {
      const retry = await deps.db.query<PurchaseRow>(
        `UPDATE purchases SET status = 'pending', attempt = attempt + 1, error_status = NULL, error_code = NULL, error_message = NULL, updated_at = now() WHERE id = $1 AND status = 'failed' RETURNING *`,
        [row.id],
      );
      if (retry.rows[0]) return own(deps, retry.rows[0], 201);
      continue;
    }
    const running = inFlight.get(row.id);
    if (running) {
      await running.catch(() => {});
      const after = await deps.db.query<PurchaseRow>(`SELECT * FROM purchases WHERE id = $1`, [row.id]);
      const done = after.rows[0]!;
      if (done.status === "issued") return { status: 200, body: { ...purchaseView(done), replayed: true } };
      if (done.status === "failed") return errorOf(done);
      continue;
    }
    // Being issued by another server, or by one that died: take it over once its lease ran out.
    const stale = await deps.db.query<PurchaseRow>(
      `UPDATE purchases SET updated_at = now() WHERE id = $1 AND status = 'pending' AND updated_at < now() - make_interval(secs => $2) RETURNING *`,
      [row.id, (deps.leaseMs ?? LEASE_MS) / 1000],
    );
    if (stale.rows[0]) return own(deps, stale.rows[0], 201);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** This request owns the row (it inserted it, or took over a failed or abandoned attempt). */
async function own(deps: PurchaseDeps, row: PurchaseRow, status: number): Promise<Result> {
  let result!: Result;
  const p = issue(deps, row).then(
    (r) => void (result = r),
    async (e) => {
      // Never leave the row pending on an unexpected error: a retry can take it at once.
      await markFailed(deps, row, fail(500, "internal", "the purchase failed")).catch(() => {});
      throw e;
    },
  );
  inFlight.set(row.id, p);
  try {
    await p;
  } finally {
    inFlight.delete(row.id);
  }
  return "error" in result ? result : { status, body: { ...result.body, replayed: false } };
}

/** Why a simulation refused an issuance, in the API's words. */
function refusal(e: RelayRejectedError): Failure {
  switch (e.revertName) {
    case "IssuanceAllowanceExceeded":
      return fail(409, "allowance_exceeded", `the merchant's issuance allowance is too small (available ${String(e.revertArgs?.[1] ?? "?")} points, needed ${String(e.revertArgs?.[2] ?? "?")}): ask the operator for more`);
    case "NotIssuingAgent":
      return fail(403, "merchant_not_active", "the platform relayer is not authorized to issue for this merchant: authorize it in the merchant console");
    case "AccessControlUnauthorizedAccount":
      return fail(403, "merchant_not_active", "this key's merchant is not (or no longer) a merchant of the coalition");
    case "SelfIssuance":
      return fail(422, "self_issuance", "a merchant cannot earn points from its own purchases");
    case "AccountMigratedAway":
      return fail(422, "member_moved", `this member moved to their own wallet ${String(e.revertArgs?.[1] ?? "")}: send that address, or the member's email or id`);
    case "EnforcedPause":
      return fail(503, "program_paused", "the program is paused: retry later");
    default:
      if (e.code === "unavailable") return fail(503, "relayer_unavailable", "the chain could not be reached: retry with the same orderId");
      return fail(422, "issuance_refused", e.message);
  }
}

const mismatch = () =>
  fail(
    409,
    "issuance_mismatch",
    "this orderId was already issued on chain by this merchant to another member or for other points (the merchant console uses the same order ids): nothing was issued for this purchase; send it with another orderId",
  );

/** The issuance the chain recorded under `merchant`'s `ref` (null: none), read from issuanceOf. */
async function recordedIssuance(deps: PurchaseDeps, merchant: Address, ref: Hash): Promise<{ member: Address; amount: bigint; clawedBack: bigint } | null> {
  const issuance = await deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName: "issuanceOf", args: [merchant, ref] });
  if (issuance.merchant === zeroAddress) return null;
  return { member: getAddress(issuance.member), amount: BigInt(issuance.amount), clawedBack: BigInt(issuance.clawedBack) };
}

/**
 * After RefAlreadyUsed: this purchase's own earlier issuance (its transaction, from the merchant's
 * PointsIssued log under that ref), or issuance_mismatch when the chain recorded another member or
 * amount under the merchant's ref; null when the chain shows none (the refusal stands).
 */
async function earlierIssuance(deps: PurchaseDeps, merchant: Address, member: Address, amount: bigint, ref: Hash): Promise<{ hash: Hash; blockNumber: bigint } | Failure | null> {
  const recorded = await recordedIssuance(deps, merchant, ref);
  if (!recorded) return null;
  if (recorded.member !== member || recorded.amount !== amount) return mismatch();
  const logs = await deps.client.getLogs({
    address: deps.points,
    event: loyaltyPointsAbi.find((x) => x.type === "event" && x.name === "PointsIssued") as never,
    args: { merchant, ref } as never,
    fromBlock: deps.fromBlock ?? 0n,
    toBlock: "latest",
  });
  const first = parseEventLogs({ abi: loyaltyPointsAbi, logs, eventName: "PointsIssued" })[0];
  return first ? { hash: first.transactionHash, blockNumber: first.blockNumber } : null;
}

/** Issues `amount` for `ref` through the relayer; RefAlreadyUsed counts as done only for this very issuance. */
async function issueOnce(deps: PurchaseDeps, merchant: Address, member: Address, amount: bigint, ref: Hash, key: string): Promise<{ hash: Hash; blockNumber: bigint } | Failure> {
  const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueFor", args: [merchant, member, amount, ref] });
  let tx: RelayedTx;
  try {
    tx = await deps.relayer.call({ to: deps.points, data, idempotencyKey: key });
  } catch (e) {
    if (!(e instanceof RelayRejectedError)) throw e;
    if (e.revertName === "RefAlreadyUsed") {
      const done = await earlierIssuance(deps, merchant, member, amount, ref);
      if (done) return done;
    }
    return refusal(e);
  }
  if (tx.status === "confirmed") return tx;
  if (tx.revertReason === "RefAlreadyUsed") {
    const done = await earlierIssuance(deps, merchant, member, amount, ref);
    if (done) return done;
  }
  return refusal(new RelayRejectedError("would_revert", `the issuance reverted on chain (${tx.revertReason ?? "unknown reason"})`, tx.revertReason));
}

/**
 * The purchase's entry in its merchant's next batch. A skip is answered as issueFor's revert for the
 * same cause would be, except RefAlreadyUsed for this very issuance (an earlier batch of this
 * purchase, whose answer was lost): that is the purchase issued.
 */
async function issueInBatch(deps: PurchaseDeps, row: PurchaseRow, merchant: Address, member: Address, amount: bigint): Promise<{ hash: Hash; blockNumber: bigint } | Failure> {
  const ref = row.ref as Hash;
  let outcome;
  try {
    outcome = await deps.batcher.issue({ purchaseId: row.id, merchant, member, amount, ref, previousKey: row.batch_key });
  } catch (e) {
    if (e instanceof RelayRejectedError) return refusal(e);
    throw e;
  }
  if (outcome.kind === "issued") return outcome;
  if (outcome.reason === "RefAlreadyUsed") {
    const done = await earlierIssuance(deps, merchant, member, amount, ref);
    if (done) return done;
  }
  return skipFailure(deps, merchant, member, amount, outcome.reason);
}

async function issue(deps: PurchaseDeps, row: PurchaseRow): Promise<Result> {
  const merchant = getAddress(row.merchant);
  const member = getAddress(row.member);
  const amountCents = BigInt(row.amount_cents);
  let earned: { points: bigint; breakdown: BreakdownLine[] };
  let referral: { referrer: Address; points: bigint } | null = null;
  try {
    const [rules, campaigns] = await Promise.all([getRules(deps.db, merchant), activeCampaigns(deps.db, merchant, row.created_at)]);
    if (row.points !== null && row.breakdown !== null) {
      // A retry issues what the first attempt decided: its issuance, if it landed, must match.
      earned = { points: BigInt(row.points), breakdown: row.breakdown.map((l) => ({ ...l, points: BigInt(l.points) })) as BreakdownLine[] };
    } else {
      // The tier is asked to the chain only when the merchant's rules reward one (a call saved per
      // purchase otherwise: the node is the busiest part under load).
      const tier = rules.tierMultipliersBps.some((bps) => bps > 10_000n)
        ? await deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName: "tierOf", args: [member] })
        : 0n;
      earned = computePoints({ amountCents, tier: Number(tier), rules, campaigns, at: row.created_at });
    }
    if (rules.referralBonusPoints > 0n) {
      // The member's first purchase in the coalition pays their referrer, once: the referral row is
      // claimed by exactly one purchase (a retry of the same purchase claims it again).
      const { rows } = await deps.db.query<{ referrer: string }>(
        `UPDATE referrals SET rewarded_purchase_id = $1 WHERE member = $2 AND (rewarded_purchase_id IS NULL OR rewarded_purchase_id = $1)
           AND NOT EXISTS (SELECT 1 FROM purchases WHERE member = $2 AND status = 'issued' AND id <> $1)
         RETURNING referrer`,
        [row.id, row.member],
      );
      const referrer = rows[0] ? getAddress(rows[0].referrer) : null;
      if (referrer && referrer !== merchant && referrer !== member) referral = { referrer, points: rules.referralBonusPoints };
    }
  } catch (e) {
    return markFailed(deps, row, fail(503, "unavailable", `the purchase could not be evaluated: ${(e as Error).name}`));
  }
  const breakdown = earned.breakdown.map((l) => ({ ...l, points: l.points.toString() }));
  await deps.db.query(
    `UPDATE purchases SET points = $2, breakdown = $3, referrer = $4, referral_points = $5, updated_at = now() WHERE id = $1`,
    [row.id, earned.points.toString(), JSON.stringify(breakdown), referral?.referrer.toLowerCase() ?? null, referral?.points.toString() ?? null],
  );

  const main = earned.points > 0n ? issueInBatch(deps, row, merchant, member, earned.points) : Promise.resolve(null);
  const bonus = referral
    ? issueOnce(deps, merchant, referral.referrer, referral.points, purchaseRef(merchant, row.order_id + REFERRAL_SUFFIX), `referral:${row.id}:${row.attempt}`).catch((e) =>
        fail(503, "unavailable", (e as Error).name),
      )
    : Promise.resolve(null);
  let issued: Awaited<typeof main>;
  try {
    issued = await main;
  } catch (e) {
    await bonus;
    // Another server took the purchase over (its lease ran out here): its row is that server's now.
    if (e instanceof PurchaseTakenOverError) return fail(503, "relayer_unavailable", "this purchase is being issued by another server: retry with the same orderId");
    return markFailed(deps, row, fail(503, "relayer_unavailable", `the relayer failed: ${(e as Error).name}`));
  }
  const bonusResult = await bonus;
  if (issued && "error" in issued) {
    if (referral) await deps.db.query(`UPDATE referrals SET rewarded_purchase_id = NULL WHERE member = $1 AND rewarded_purchase_id = $2`, [row.member, row.id]);
    return markFailed(deps, row, issued);
  }
  const referralTx = bonusResult && !("error" in bonusResult) ? bonusResult : null;
  const { rows } = await deps.db.query<PurchaseRow>(
    `WITH p AS (UPDATE purchases SET status = 'issued', tx_hash = $2, block_number = $3, referral_tx_hash = $4, referral_status = $5, updated_at = now() WHERE id = $1 RETURNING *),
          w AS (${purchaseIssued("p")}) SELECT * FROM p`,
    [
      row.id,
      issued?.hash ?? null,
      issued?.blockNumber.toString() ?? null,
      referralTx?.hash ?? null,
      referral ? (referralTx ? "issued" : `failed: ${(bonusResult as { error: { code: string } }).error.code}`) : null,
    ],
  );
  return { status: 200, body: purchaseView(rows[0]!) };
}

async function markFailed(deps: PurchaseDeps, row: PurchaseRow, result: Failure): Promise<Result> {
  await deps.db.query(`UPDATE purchases SET status = 'failed', error_status = $2, error_code = $3, error_message = $4, updated_at = now() WHERE id = $1`, [
    row.id,
    result.status,
    result.error.code,
    result.error.message,
  ]);
  return result;
}

/**
 * After a restart (or another server's death): pending purchases untouched for the lease are taken
 * over, each by one server (the UPDATE's row lock), and finished as a retry would: resolved from the
 * receipt of the batch recorded on them, or sent in a new batch when that batch was never mined.
 * Returns how many it took (at most `limit` a sweep: the next sweep takes the rest).
 */
export async function recoverPurchases(deps: PurchaseDeps, limit = 2_000): Promise<number> {
  // SKIP LOCKED: two servers sweeping at once share the rows instead of waiting for each other.
  const { rows } = await deps.db.query<PurchaseRow>(
    `UPDATE purchases SET updated_at = now() WHERE id IN (
       SELECT id FROM purchases WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ) AND status = 'pending' AND updated_at < now() - make_interval(secs => $1) RETURNING *`,
    [(deps.leaseMs ?? LEASE_MS) / 1000, limit],
  );
  await Promise.all(rows.map((row) => own(deps, row, 201).catch(() => {})));
  return rows.length;
}

export async function getPurchase(deps: Pick<PurchaseDeps, "db">, merchant: Address, orderId: string): Promise<Result> {
  const { rows } = await deps.db.query<PurchaseRow>(`SELECT * FROM purchases WHERE merchant = $1 AND order_id = $2`, [merchant.toLowerCase(), orderId]);
  if (!rows[0]) return fail(404, "unknown_order", "this merchant has no purchase with this orderId");
  return { status: 200, body: rows[0].status === "failed" ? { ...purchaseView(rows[0]), error: errorOf(rows[0]).error } : purchaseView(rows[0]) };
}

// ------------------------------------------------------------------ refunds

/** The account holding `member`'s points now (after moves to self-custody: LoyaltyPoints.migratedTo). */
async function liveAccount(deps: PurchaseDeps, member: Address): Promise<Address> {
  let account = member;
  for (let hop = 0; hop < 8; hop++) {
    const next = await deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName: "migratedTo", args: [account] });
    if (next === zeroAddress) break;
    account = next;
  }
  return account;
}

/**
 * Claws back what the purchase's ref still has, up to the member's balance (points already spent
 * cannot come back), and says what could not be. One refund of a purchase at a time (its row is
 * locked for the duration), so two concurrent refunds never ask for the same points twice.
 */
export async function refundPurchase(deps: PurchaseDeps, merchant: Address, orderId: string): Promise<Result> {
  const db = await deps.db.connect();
  try {
    await db.query("BEGIN");
    const { rows } = await db.query<PurchaseRow>(`SELECT * FROM purchases WHERE merchant = $1 AND order_id = $2 FOR UPDATE`, [merchant.toLowerCase(), orderId]);
    const row = rows[0];
    if (!row) {
      await db.query("ROLLBACK");
      return fail(404, "unknown_order", "this merchant has no purchase with this orderId");
    }
    if (row.status !== "issued") {
      await db.query("ROLLBACK");
      return fail(409, "not_issued", `this purchase is ${row.status}: nothing to refund`);
    }
    const ref = row.ref as Hash;
    const [issuance, holder] = await Promise.all([recordedIssuance(deps, merchant, ref), liveAccount(deps, getAddress(row.member))]);
    const issuedPoints = BigInt(row.points ?? 0);
    // The chain's issuance under this merchant's ref must be this purchase's, or nothing is clawed
    // back (it would take another member's points). None at all: a purchase worth no points.
    if (issuance ? issuance.member !== getAddress(row.member) || issuance.amount !== issuedPoints : issuedPoints !== 0n) {
      await db.query("ROLLBACK");
      return mismatch();
    }
    const remaining = issuance ? issuance.amount - issuance.clawedBack : 0n;
    const balance = await deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [holder] });
    const clawable = remaining < balance ? remaining : balance;
    const base = { orderId, purchaseId: row.id, points: row.points ?? "0", alreadyRefunded: (BigInt(row.points ?? 0) - remaining).toString() };
    if (clawable === 0n) {
      await db.query("ROLLBACK");
      const reason = remaining === 0n ? (BigInt(row.points ?? 0) === 0n ? "nothing_issued" : "already_refunded") : "member_spent_points";
      return { status: 200, body: { ...base, clawedBack: "0", notClawedBack: remaining.toString(), reason, txHash: null } };
    }
    const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "clawbackFor", args: [merchant, ref, clawable] });
    let tx: RelayedTx;
    try {
      tx = await deps.relayer.call({ to: deps.points, data, idempotencyKey: `refund:${row.id}:${remaining}` });
    } catch (e) {
      await db.query("ROLLBACK");
      if (e instanceof RelayRejectedError) return refusal(e);
      throw e;
    }
    if (tx.status !== "confirmed") {
      await db.query("ROLLBACK");
      return refusal(new RelayRejectedError("would_revert", `the refund reverted on chain (${tx.revertReason ?? "unknown reason"})`, tx.revertReason));
    }
    await db.query(`WITH p AS (UPDATE purchases SET refunded_points = refunded_points + $2, refund_tx_hash = $3, refunded_at = now(), updated_at = now() WHERE id = $1 RETURNING *), w AS (${purchaseRefunded("p", "$2::bigint")}) SELECT 1`, [
      row.id,
      clawable.toString(),
      tx.hash,
    ]);
    await db.query("COMMIT");
    const left = remaining - clawable;
    return {
      status: 200,
      body: { ...base, clawedBack: clawable.toString(), notClawedBack: left.toString(), reason: left > 0n ? "member_spent_points" : null, txHash: tx.hash, blockNumber: tx.blockNumber.toString() },
    };
  } catch (e) {
    await db.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    db.release();
  }
}
