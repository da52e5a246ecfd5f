/**
 * Admission: whether the relayer agrees to pay for a call, decided before anything is signed or a
 * nonce taken. The relayer's own calls: allowed function (allowlist.ts), useful, simulated within
 * its gas cap (a purchase batch's cap grows with its entries, 1 to MAX_PURCHASE_BATCH of them, each
 * issuing something; only the server's purchase API sends one, members' requests never carry it). Members' forward requests, in this order: allowed and canonically encoded, no
 * value, gas within the function's cap, useful, a deadline neither past nor too far away (cheap
 * checks first), then a valid signature (forwarder.verify), then the quotas (counted only once the
 * signature verifies, so nobody can use up another's), no reward token handed to an account with
 * code (a receiver could burn all the gas), the inner call and the forwarder's execute simulated,
 * and the hourly gas budget charged.
 *
 * Simulation is eth_estimateGas, which reverts exactly as the call would: a call that would revert
 * costs nothing, and the caller gets the contract's custom error name.
 */
import { encodeFunctionData, getAddress, type Address, type Hex, type PublicClient } from "viem";
import { loyaltyForwarderAbi } from "../../../contracts/generated/contracts.ts";
import { allowAttempt, consumeBudget, creditBudget, readBudget, type Charge, type Limit } from "../auth/rate-limit.ts";
import { decodeRevert, isTransportError } from "../chain/errors.ts";
import { CALL_ALLOWED, FORWARD_ALLOWED, NFT_TRANSFERS, checkAllowed, uselessCall, type ProgramAddresses } from "./allowlist.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { MAX_FORWARD_VALIDITY_SECONDS, type ForwardOrigin, type ForwardQuotas, type GasBudget } from "./options.ts";
import { RelayRejectedError, type SignedForwardRequest } from "./types.ts";

/** A call that passed the checks that need no chain: which function it is and its gas cap. */
export interface CheckedCall {
  what: string;
  maxGas: bigint;
}

/** A forward request that passed the checks that need no chain. */
export interface CheckedForward extends CheckedCall {
  functionName: string;
  args: readonly unknown[];
}

export interface AdmissionOptions {
  pool: PoolLike;
  client: PublicClient;
  /** The relayer's address: simulations run as it (it sends the transaction). */
  address: Address;
  chainId: number;
  contracts: ProgramAddresses;
  quotas: ForwardQuotas;
  budget: GasBudget;
  /** Transport retries of a simulation (exponential backoff from 100 ms). */
  retries: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Admission {
  constructor(private readonly o: AdmissionOptions) {}

  /** The relayer's own call: an allowed program function that does something. */
  checkCall(call: { to: Address; data: Hex }): CheckedCall {
    const allowed = checkAllowed(this.o.contracts, CALL_ALLOWED, call.to, call.data);
    if (!allowed.ok) throw new RelayRejectedError("not_allowed", allowed.reason);
    const useless = uselessCall(allowed.functionName, allowed.args, null);
    if (useless) throw new RelayRejectedError("not_allowed", useless);
    return { what: `${allowed.contract}.${allowed.functionName}`, maxGas: allowed.maxGas };
  }

  /** The gas limit of a checked call, from its simulation; refused when it would revert or exceed its cap. */
  async gasFor(call: { to: Address; data: Hex }, checked: CheckedCall): Promise<bigint> {
    const gas = await this.simulate(call, checked.what);
    if (gas > checked.maxGas) throw new RelayRejectedError("not_allowed", `${checked.what} would need ${gas} gas, more than its cap of ${checked.maxGas}`);
    return gas;
  }

  /** A member's request, on its own: allowed, canonical, no value, gas within the cap, useful, a reasonable deadline. */
  checkForward(request: SignedForwardRequest): CheckedForward {
    const allowed = checkAllowed(this.o.contracts, FORWARD_ALLOWED, request.to, request.data);
    if (!allowed.ok) throw new RelayRejectedError("not_allowed", allowed.reason);
    const what = `${allowed.contract}.${allowed.functionName}`;
    if (request.value !== 0n) throw new RelayRejectedError("not_allowed", "forwarded requests carry no value");
    if (request.gas <= 0n || request.gas > allowed.maxGas) throw new RelayRejectedError("not_allowed", `gas of ${what} must be in 1..${allowed.maxGas}`);
    const useless = uselessCall(allowed.functionName, allowed.args, getAddress(request.from));
    if (useless) throw new RelayRejectedError("not_allowed", useless);
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (BigInt(request.deadline) <= now) throw new RelayRejectedError("expired", "the request's deadline has passed");
    if (BigInt(request.deadline) > now + BigInt(MAX_FORWARD_VALIDITY_SECONDS)) {
      throw new RelayRejectedError("not_allowed", `the request's deadline must be within ${MAX_FORWARD_VALIDITY_SECONDS / 60} minutes`);
    }
    return { what, maxGas: allowed.maxGas, functionName: allowed.functionName, args: allowed.args };
  }

  /**
   * A checked request against the chain: signature, quotas, the receiver's code, simulations.
   * Returns the forwarder's `execute` calldata and its gas limit (the budget is not charged yet).
   */
  async prepareForward(request: SignedForwardRequest, checked: CheckedForward, origin: ForwardOrigin): Promise<{ to: Address; data: Hex; gas: bigint }> {
    const { client } = this.o;
    const forwarder = getAddress(this.o.contracts.forwarder);
    const struct = { ...request, from: getAddress(request.from), to: getAddress(request.to), deadline: Number(request.deadline) };
    // verify(): the EIP-712 signature by `from` over the forwarder's current nonce, the deadline, a
    // target that trusts the forwarder. A stale nonce or a forged signature fails here.
    const valid = await client.readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "verify", args: [struct] }).catch((e) => {
      if (isTransportError(e)) throw new RelayRejectedError("unavailable", "the chain is unreachable");
      return false;
    });
    if (!valid) throw new RelayRejectedError("bad_signature", "the request's signature, nonce or target does not verify");
    await this.countQuotas(struct.from, origin);
    if (NFT_TRANSFERS.includes(checked.functionName)) {
      const code = await client.getCode({ address: checked.args[1] as Address }).catch((e) => {
        throw isTransportError(e) ? new RelayRejectedError("unavailable", "the chain is unreachable") : e;
      });
      if (code && code !== "0x") throw new RelayRejectedError("not_allowed", "reward tokens are relayed only to accounts without code: send it from your own wallet");
    }
    // The inner call as the member would make it: the forwarder would hide its reason (FailedCall).
    try {
      await client.call({ account: struct.from, to: struct.to, data: struct.data, gas: struct.gas });
    } catch (e) {
      throw simulationError(e, checked.what);
    }
    const data = encodeFunctionData({ abi: loyaltyForwarderAbi, functionName: "execute", args: [struct] });
    const gas = await this.simulate({ to: forwarder, data }, "forwarder.execute");
    return { to: forwarder, data, gas };
  }

  /**
   * Charges the members' gas budget the transaction's gas limit before it is signed (refused when
   * spent); creditUnused gives back what the receipt shows it did not use.
   */
  async chargeBudget(gas: bigint): Promise<Charge> {
    const charge = await consumeBudget(this.o.pool, this.budgetKey(), gas, this.o.budget);
    if (!charge) throw new RelayRejectedError("budget_exhausted", `the relayer's hourly gas budget for members' actions is spent: try again later`);
    return charge;
  }

  async creditUnused(charge: Charge, unusedGas: bigint): Promise<void> {
    await creditBudget(this.o.pool, this.budgetKey(), charge, unusedGas);
  }

  /** Gas of members' requests spent (and reserved) in the current window, for /metrics. */
  async budgetUse(): Promise<{ usedGas: bigint; maxGas: bigint; windowSeconds: number }> {
    const usedGas = await readBudget(this.o.pool, this.budgetKey(), this.o.budget);
    return { usedGas, maxGas: this.o.budget.maxGas, windowSeconds: this.o.budget.windowSeconds };
  }

  private budgetKey() {
    return `relay:gas:${this.o.chainId}:${this.o.address.toLowerCase()}`;
  }

  private async countQuotas(from: Address, o: ForwardOrigin) {
    const { quotas } = this.o;
    const checks: [string, Limit, string][] = [[`relay:from:${from.toLowerCase()}`, quotas.perAddress, "this address"]];
    if (o.account) checks.push([`relay:account:${o.account.toLowerCase()}`, quotas.perAccount, "this account"]);
    if (o.ip) checks.push([`relay:ip:${o.ip}`, quotas.perIp, "this network address"]);
    for (const [key, limit, who] of checks) {
      if (!(await allowAttempt(this.o.pool, key, limit))) {
        throw new RelayRejectedError("rate_limited", `at most ${limit.max} relayed actions per ${limit.windowSeconds / 60} minutes from ${who}; try again later`);
      }
    }
  }

  private async simulate(tx: { to: Address; data: Hex }, what: string): Promise<bigint> {
    let lastTransport: unknown;
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      try {
        const estimate = await this.o.client.estimateGas({ account: this.o.address, to: tx.to, data: tx.data });
        // Margin: the state may change a little between simulation and mining (a first-time member
        // costs more than a returning one, a cold slot more than a warm one).
        return (estimate * 125n) / 100n + 10_000n;
      } catch (e) {
        if (!isTransportError(e)) throw simulationError(e, what);
        lastTransport = e;
        await sleep(100 * 2 ** attempt);
      }
    }
    throw simulationError(lastTransport, what);
  }
}

/** A failed simulation as the caller's answer: the chain unreachable, or the revert with its custom error. */
export function simulationError(e: unknown, what: string): RelayRejectedError {
  if (isTransportError(e)) return new RelayRejectedError("unavailable", "the chain is unreachable");
  const revert = decodeRevert(e);
  return new RelayRejectedError("would_revert", `${what} would revert${revert ? ` with ${revert.name}` : ""}`, revert?.name, revert?.args);
}
