/**
 * A realistic self-custody wallet for the browser tests: an EIP-1193 provider injected before the
 * page loads and announced through EIP-6963, whose requests cross to Node (exposeBinding), where a
 * viem local account signs. It answers eth_accounts with [] until eth_requestAccounts (as a real
 * wallet before the site is approved), and counts what it was asked to send.
 */
import type { BrowserContext } from "@playwright/test";
import { createWalletClient, hexToBigInt, http, type Hex, type TypedDataDefinition } from "viem";
import { mnemonicToAccount } from "viem/accounts";

export const MNEMONIC = "test test test test test test test test test test test junk";
export const account = (index: number) => mnemonicToAccount(MNEMONIC, { addressIndex: index });

export interface TestWallet {
  address: `0x${string}`;
  /** Every method asked, in order. */
  calls: string[];
  sent(): number;
  setAccount(index: number): void;
}

const INIT = `(() => {
  const listeners = {};
  const emit = (event, value) => (listeners[event] || []).forEach((fn) => { try { fn(value); } catch (e) { console.error(e); } });
  const provider = {
    isE2EWallet: true,
    async request({ method, params }) {
      const raw = await window.__e2eWallet(method, JSON.stringify(params ?? []));
      const reply = JSON.parse(raw);
      if (reply.error) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        throw error;
      }
      if (method === "eth_requestAccounts") emit("accountsChanged", reply.result);
      return reply.result;
    },
    on(event, fn) { (listeners[event] ||= []).push(fn); return provider; },
    removeListener(event, fn) { listeners[event] = (listeners[event] || []).filter((f) => f !== fn); return provider; },
  };
  const info = Object.freeze({
    uuid: "6f1c3b1e-0d7e-4c55-9a55-e2e000000001",
    name: "E2E Wallet",
    rdns: "dev.fidelite.e2e",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'%3E%3Crect width='10' height='10' fill='%231d3557'/%3E%3C/svg%3E",
  });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

/** uint/int fields of EIP-712 messages arrive as strings or numbers in JSON: make them bigint for viem. */
function reviveTyped(types: Record<string, { name: string; type: string }[]>, type: string, value: unknown): unknown {
  if (type.endsWith("]")) return (value as unknown[]).map((v) => reviveTyped(types, type.slice(0, type.lastIndexOf("[")), v));
  if (types[type]) {
    const out: Record<string, unknown> = {};
    for (const f of types[type]!) out[f.name] = reviveTyped(types, f.type, (value as Record<string, unknown>)[f.name]);
    return out;
  }
  if (/^u?int\d*$/.test(type)) return BigInt(value as string | number);
  return value;
}

export async function installWallet(context: BrowserContext, options: { rpcUrl: string; accountIndex: number; chainId?: number }): Promise<TestWallet> {
  const chainId = options.chainId ?? 31337;
  let signer = account(options.accountIndex);
  let connected = false;
  const calls: string[] = [];
  const forward = async (method: string, params: unknown[]) => {
    const r = await fetch(options.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = await r.json();
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
    return body.result;
  };
  const wallet: TestWallet = {
    get address() {
      return signer.address;
    },
    calls,
    sent: () => calls.filter((c) => c === "eth_sendTransaction").length,
    setAccount(index) {
      signer = account(index);
    },
  };

  await context.exposeBinding("__e2eWallet", async (_source, method: string, paramsJson: string) => {
    calls.push(method);
    const params = JSON.parse(paramsJson) as unknown[];
    try {
      let result: unknown;
      switch (method) {
        case "eth_chainId":
          result = `0x${chainId.toString(16)}`;
          break;
        case "eth_accounts":
          result = connected ? [signer.address] : [];
          break;
        case "eth_requestAccounts":
          connected = true;
          result = [signer.address];
          break;
        case "wallet_requestPermissions":
          connected = true;
          result = [{ parentCapability: "eth_accounts" }];
          break;
        case "wallet_getPermissions":
          result = connected ? [{ parentCapability: "eth_accounts" }] : [];
          break;
        case "wallet_revokePermissions":
          connected = false;
          result = null;
          break;
        case "wallet_switchEthereumChain": {
          const wanted = Number((params[0] as { chainId: string }).chainId);
          if (wanted !== chainId) throw Object.assign(new Error("Unrecognized chain"), { code: 4902 });
          result = null;
          break;
        }
        case "personal_sign":
          if (!connected) throw Object.assign(new Error("Unauthorized"), { code: 4100 });
          result = await signer.signMessage({ message: { raw: params[0] as Hex } });
          break;
        case "eth_signTypedData_v4": {
          if (!connected) throw Object.assign(new Error("Unauthorized"), { code: 4100 });
          const data = JSON.parse(params[1] as string) as TypedDataDefinition & { types: Record<string, { name: string; type: string }[]> };
          const { EIP712Domain: _d, ...types } = data.types;
          const domain = { ...data.domain, ...(data.domain?.chainId !== undefined ? { chainId: Number(data.domain.chainId) } : {}) };
          result = await signer.signTypedData({ domain, types, primaryType: data.primaryType as string, message: reviveTyped(types, data.primaryType as string, data.message) as Record<string, unknown> });
          break;
        }
        case "eth_sendTransaction": {
          if (!connected) throw Object.assign(new Error("Unauthorized"), { code: 4100 });
          const tx = params[0] as Record<string, Hex | undefined>;
          const client = createWalletClient({ account: signer, transport: http(options.rpcUrl) });
          result = await client.sendTransaction({
            chain: null,
            to: tx.to as `0x${string}`,
            data: tx.data,
            value: tx.value ? hexToBigInt(tx.value) : undefined,
            gas: tx.gas ? hexToBigInt(tx.gas) : undefined,
          });
          break;
        }
        default:
          result = await forward(method, params);
      }
      return JSON.stringify({ result });
    } catch (error) {
      const e = error as { message?: string; code?: number };
      return JSON.stringify({ error: { message: e.message ?? String(error), code: e.code ?? -32603 } });
    }
  });
  await context.addInitScript({ content: INIT });
  return wallet;
}
