/**
 * Moving a custodial account to the member's own wallet, in steps the page shows one by one:
 *   start     the member proved they control the wallet (a signed moveProofMessage with a server
 *             nonce); the target is recorded (users.move_target, unique: one pending move per
 *             wallet) and custodial actions stop. The wallet must be empty on chain: no points, no
 *             lifetime earned, no account moved into it, no reward token (wallet_not_empty), so a
 *             tier is never reached by pooling two accounts. Until the next step runs the member may
 *             pick another wallet; after it, the target is fixed (move_target_fixed).
 *   points    the server signs AccountMigration with the custodial key; the relayer (a migrator)
 *             submits LoyaltyPoints.migrateAccount: balance, lifetime earned points (tier), activity.
 *             Always first, even for an account without points: it fixes the target on chain.
 *   rewards   same with TokenMigration and RewardNFT.migrateTokens for every token still held
 *             (the contract lets them go only where the points account went).
 *   finish    only once the chain shows nothing left at the custodial address: the row becomes a
 *             self-custody one (address = wallet, custodial_address = the old one), the encrypted
 *             key is erased (crypto-shredding) and every earlier session revoked.
 * Each call does the next step the chain still needs, so an interrupted move resumes where it
 * stopped. Steps run under the member's lock (./forward.ts).
 */
import { encodeFunctionData, getAddress, isAddress, parseAbiItem, zeroAddress, type Address, type Hash, type Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { accountMigrationDomain, accountMigrationTypes, tokenIdsHash, tokenMigrationDomain, tokenMigrationTypes } from "../../../contracts/typed-data.ts";
import { accountState, findAccount, type SessionLike } from "../auth/account-state.ts";
import { consumeNonceIn } from "../auth/nonce-store.ts";
import { MemberBusyError, withMemberLock } from "./forward.ts";
import { fail, type Result } from "../edge/result.ts";
import { relayRefusal, revertNameOf, type CustodyDeps } from "./member-actions.ts";
import { moveProofMessage } from "./move-proof.ts";
import { signingAccount } from "./users.ts";
import { RelayRejectedError } from "../relayer/types.ts";

/** Seconds a migration signature stays valid: it is submitted at once. */
const MIGRATION_TTL = 600;
/** Tokens per migrateTokens call (the contract's gas grows with the list). */
const TOKENS_PER_CALL = 100;

export interface MoveDeps extends CustodyDeps {
  /** The block the program was deployed at (the first that can hold its events). */
  startBlock: bigint;
}

/** POST { wallet, nonce, signature }: checks the proof and records the target. */
export async function startMove(deps: MoveDeps, session: SessionLike, body: unknown, domain: string): Promise<Result> {
  if (session.kind !== "custodial") return fail(403, "not_custodial", "only an email account can move to a wallet");
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "bad_json", "expected a JSON object");
  const b = body as { wallet?: unknown; nonce?: unknown; signature?: unknown };
  if (typeof b.wallet !== "string" || !isAddress(b.wallet, { strict: false })) return fail(400, "bad_address", "wallet must be an address");
  const wallet = getAddress(b.wallet);
  if (wallet === zeroAddress || wallet === session.address) return fail(400, "bad_address", "wallet must be another, non-zero address");
  if (typeof b.nonce !== "string" || b.nonce.length > 100) return fail(400, "bad_nonce", "nonce is required");
  if (typeof b.signature !== "string" || !/^0x[0-9a-fA-F]{2,2000}$/.test(b.signature)) return fail(400, "bad_signature", "signature must be hex");
  const state = await accountState(deps.db, session);
  if (!state.ok && state.code !== "move_in_progress") return fail(state.status, state.code, state.message);
  // The nonce is spent before the signature check: a failed attempt cannot be retried with it.
  if (!(await consumeNonceIn(deps.db, b.nonce))) return fail(401, "bad_nonce", "unknown or used nonce: ask for a new one");
  const message = moveProofMessage({ domain, chainId: deps.chainId, custodial: session.address, wallet, nonce: b.nonce });
  const valid = await deps.client.verifyMessage({ address: wallet, message, signature: b.signature as Hex }).catch(() => false);
  if (!valid) return fail(401, "bad_signature", "the signature is not this wallet's");
  const movedTo = await migratedTo(deps, session.address);
  if (movedTo !== null) {
    // The points step ran: the chain fixed the target, the remaining steps can only go there.
    if (movedTo !== wallet) return fail(409, "move_target_fixed", `this account is already moving to ${movedTo} on chain: finish the move there`);
    return { status: 200, body: { wallet, next: "continue" } };
  }
  try {
    await deps.client.readContract({ address: deps.contracts.points, abi: loyaltyPointsAbi, functionName: "checkMigrationTarget", args: [session.address, wallet] });
  } catch (e) {
    return fail(422, "invalid_target", "this wallet cannot receive a member account (a merchant's or a charity's)", { revertName: revertNameOf(e) ?? undefined });
  }
  const other = await findAccount(deps.db, wallet);
  if (other && (other.email !== null || other.hasKey || other.custodialAddress !== null)) return fail(409, "wallet_taken", "this wallet already belongs to another account");
  if (!(await walletIsEmpty(deps, session.address, wallet))) return notEmpty();
  try {
    await deps.db.query(`UPDATE users SET move_target = $2 WHERE id = $1`, [state.user!.id, wallet.toLowerCase()]);
  } catch (e) {
    // users.move_target is unique: another member's move into this wallet is pending.
    if ((e as { code?: string }).code === "23505") return fail(409, "wallet_taken", "another account is moving into this wallet");
    throw e;
  }
  return { status: 200, body: { wallet, next: "points" } };
}

const notEmpty = () =>
  fail(409, "wallet_not_empty", "this wallet already has points, earned points or rewards of its own: moving into it would pool two accounts. Use a fresh wallet (or move its points out first)");

/** Where the chain moved `account` (LoyaltyPoints.migratedTo), or null while it has not moved. */
async function migratedTo(deps: Pick<MoveDeps, "client" | "contracts">, account: Address): Promise<Address | null> {
  const to = await deps.client.readContract({ address: deps.contracts.points, abi: loyaltyPointsAbi, functionName: "migratedTo", args: [account] });
  return to === zeroAddress ? null : getAddress(to);
}

/**
 * The wallet has no history the move could pool with: LoyaltyPoints.checkAccountMigration (no
 * points, no lifetime earned, no account moved into it) and no reward token.
 */
async function walletIsEmpty(deps: Pick<MoveDeps, "client" | "contracts">, from: Address, wallet: Address): Promise<boolean> {
  const [accountOk, tokens] = await Promise.all([
    deps.client.readContract({ address: deps.contracts.points, abi: loyaltyPointsAbi, functionName: "checkAccountMigration", args: [from, wallet] }).then(
      () => true,
      (e) => {
        if (revertNameOf(e) === "MigrationTargetNotEmpty") return false;
        throw e;
      },
    ),
    deps.client.readContract({ address: deps.contracts.rewards, abi: rewardNftAbi, functionName: "balanceOf", args: [wallet] }),
  ]);
  return accountOk && tokens === 0n;
}

/** Every reward token `owner` holds now, from the chain: Transfer logs into it, then ownerOf. */
export async function tokensHeld(deps: Pick<MoveDeps, "client" | "contracts" | "startBlock">, owner: Address): Promise<bigint[]> {
  const logs = await deps.client.getLogs({
    address: deps.contracts.rewards,
    event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)"),
    args: { to: owner },
    fromBlock: deps.startBlock,
    toBlock: "latest",
  });
  const ids = [...new Set(logs.map((l) => l.args.tokenId!))];
  const owners = await Promise.all(ids.map((id) => deps.client.readContract({ address: deps.contracts.rewards, abi: rewardNftAbi, functionName: "ownerOf", args: [id] }).catch(() => null)));
  return ids.filter((_, i) => owners[i] && getAddress(owners[i]!) === owner).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export type MoveStep = { step: "points"; hash: Hash; points: bigint } | { step: "rewards"; hash: Hash; count: number } | { step: "done"; wallet: Address; version: number };

/** POST (no body): the next step the chain still needs. */
export async function continueMove(deps: MoveDeps, session: SessionLike): Promise<Result> {
  if (session.kind !== "custodial") return fail(403, "not_custodial", "only an email account can move to a wallet");
  try {
    return await withMemberLock(deps.locks, session.address, async () => {
      const state = await accountState(deps.db, session);
      if (state.ok || state.code !== "move_in_progress") return state.ok ? fail(409, "no_move", "start the move first: prove you control the wallet") : fail(state.status, state.code, state.message);
      const user = state.user!;
      const wallet = user.moveTarget!;
      const from = session.address;
      const account = await signingAccount(deps.db, from, deps.kek);
      if (!account) return fail(409, "no_custodial_key", "this account has no custodial wallet");
      const deadline = BigInt(Math.floor(Date.now() / 1000) + MIGRATION_TTL);
      const read = <T>(address: Address, abi: unknown, functionName: string, args: unknown[] = []) =>
        deps.client.readContract({ address, abi: abi as typeof loyaltyPointsAbi, functionName: functionName as never, args: args as never }) as Promise<T>;

      const movedTo = await migratedTo(deps, from);
      if (movedTo !== null && movedTo !== wallet) return fail(409, "move_target_fixed", `this account already moved to ${movedTo} on chain`);
      if (movedTo === null) {
        // First on-chain step, even without points: it fixes the target, where the tokens must follow.
        if (!(await walletIsEmpty(deps, from, wallet))) return notEmpty();
        const balance = await read<bigint>(deps.contracts.points, loyaltyPointsAbi, "balanceOf", [from]);
        const [nonce, name] = await Promise.all([read<bigint>(deps.contracts.points, loyaltyPointsAbi, "nonces", [from]), read<string>(deps.contracts.points, loyaltyPointsAbi, "name")]);
        const signature = await account.signTypedData({
          domain: accountMigrationDomain(deps.chainId, deps.contracts.points, name),
          types: accountMigrationTypes,
          primaryType: "AccountMigration",
          message: { from, to: wallet, nonce, deadline },
        });
        const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "migrateAccount", args: [from, wallet, deadline, signature] });
        return relayStep(deps, data, deps.contracts.points, (hash) => ({ step: "points", hash, points: balance }));
      }

      const tokens = await tokensHeld(deps, from);
      if (tokens.length > 0) {
        const batch = tokens.slice(0, TOKENS_PER_CALL);
        const nonce = await read<bigint>(deps.contracts.rewards, rewardNftAbi, "nonces", [from]);
        const signature = await account.signTypedData({
          domain: tokenMigrationDomain(deps.chainId, deps.contracts.rewards),
          types: tokenMigrationTypes,
          primaryType: "TokenMigration",
          message: { from, to: wallet, tokenIds: tokenIdsHash(batch), nonce, deadline },
        });
        const data = encodeFunctionData({ abi: rewardNftAbi, functionName: "migrateTokens", args: [from, wallet, batch, deadline, signature] });
        return relayStep(deps, data, deps.contracts.rewards, (hash) => ({ step: "rewards", hash, count: batch.length }));
      }

      let version: number;
      try {
        version = await finishMove(deps, user.id, from, wallet);
      } catch (e) {
        // users.address is unique: the wallet became another account's meanwhile (the chain side is
        // done and stays so; the account keeps its key until this is sorted out).
        if ((e as { code?: string }).code === "23505") return fail(409, "wallet_taken", "this wallet now belongs to another account");
        throw e;
      }
      return { status: 200, body: { step: "done", wallet, version } satisfies MoveStep };
    });
  } catch (e) {
    if (e instanceof MemberBusyError) return fail(429, "busy", e.message);
    throw e;
  }
}

/** The contract's refusals of a move step, as the answers startMove gives for the same cases. */
const STEP_REFUSALS: Record<string, () => Result> = {
  MigrationTargetNotEmpty: notEmpty,
  MigrationTargetMismatch: () => fail(409, "move_target_fixed", "this account's points moved to another wallet on chain: its rewards can only follow them there"),
  AccountMigratedAway: () => fail(409, "move_target_fixed", "this account already moved on chain"),
  InvalidMigrationTarget: () => fail(422, "invalid_target", "this wallet cannot receive a member account (a merchant's, a charity's, or one that moved away)"),
  MigrationToSelf: () => fail(422, "invalid_target", "this wallet is the account itself"),
};

async function relayStep(deps: MoveDeps, data: Hex, to: Address, body: (hash: Hash) => MoveStep): Promise<Result> {
  try {
    const tx = await deps.relayer().call({ to, data });
    if (tx.status !== "confirmed") {
      const known = tx.revertReason ? STEP_REFUSALS[tx.revertReason] : undefined;
      return known ? known() : fail(502, "reverted", `the migration transaction reverted${tx.revertReason ? ` (${tx.revertReason})` : ""}`, { revertName: tx.revertReason });
    }
    return { status: 200, body: { ...body(tx.hash), blockNumber: tx.blockNumber } };
  } catch (e) {
    const known = e instanceof RelayRejectedError && e.revertName ? STEP_REFUSALS[e.revertName] : undefined;
    return known ? known() : relayRefusal(e);
  }
}

/**
 * The row becomes the wallet's (a bare row the wallet had for its privacy settings is merged into
 * it), the key is erased and the session version bumped, in one transaction.
 */
async function finishMove(deps: MoveDeps, userId: string, custodial: Address, wallet: Address): Promise<number> {
  const c = await deps.locks.connect();
  try {
    await c.query("BEGIN");
    const bare = await c.query(`SELECT id FROM users WHERE address = $1 AND id <> $2 AND email IS NULL AND key_ciphertext IS NULL AND custodial_address IS NULL FOR UPDATE`, [wallet.toLowerCase(), userId]);
    for (const r of bare.rows as { id: string }[]) {
      await c.query(`UPDATE consent_events SET user_id = $1 WHERE user_id = $2`, [userId, r.id]);
      await c.query(`DELETE FROM users WHERE id = $1`, [r.id]);
    }
    const { rows } = await c.query(
      `UPDATE users SET address = $2, custodial_address = $3, self_custody = true, moved_at = now(), move_target = NULL,
         key_ciphertext = NULL, key_iv = NULL, key_tag = NULL, key_version = NULL, session_version = session_version + 1
       WHERE id = $1 RETURNING session_version`,
      [userId, wallet.toLowerCase(), custodial.toLowerCase()],
    );
    await c.query("COMMIT");
    return (rows[0] as { session_version: number }).session_version;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
