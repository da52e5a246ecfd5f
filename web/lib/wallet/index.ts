/**
 * The browser wallet, loaded only for the people who use one. The wallet libraries (wagmi, its
 * connectors, viem's wallet client, the ABIs, SIWE) live in ./wallet.ts, fetched by a dynamic
 * import the first time something needs them: a wallet session's page after it mounts, a visitor
 * who chooses "connect a wallet" (or connected one before in this browser), a custodial member who
 * moves to a wallet. A custodial member or a signed-out visitor never downloads them.
 *
 * This module is what every page carries: a tiny store of the wallet's state (empty until the
 * libraries are there) read with useSyncExternalStore, and the loader.
 */
import { useEffect, useSyncExternalStore } from "react";
import type { Address } from "viem";
import type { ChainInfo } from "@/lib/wagmi.ts";
import type { Wallet } from "./wallet.ts";

export type { Wallet };

/** One EIP-6963 wallet of the browser (a wagmi connector). */
export interface WalletConnector {
  uid: string;
  name: string;
  icon?: string;
}

export interface WalletState {
  /** The wallet libraries are loaded and the browser's wallets discovered. */
  ready: boolean;
  /** The connected account, if any. */
  address?: Address;
  chainId?: number;
  connectors: readonly WalletConnector[];
}

const INITIAL: WalletState = { ready: false, connectors: [] };
let state: WalletState = INITIAL;
const listeners = new Set<() => void>();

function publish(next: WalletState) {
  state = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

let loading: Promise<Wallet> | null = null;

/** The wallet, its libraries fetched on first use (once per page). */
export function loadWallet(chain: ChainInfo): Promise<Wallet> {
  loading ??= import("./wallet.ts")
    .then((m) => m.createWallet(chain, publish))
    .catch((e: unknown) => {
      loading = null;
      throw e;
    });
  return loading;
}

/** Whether this browser connected a wallet to the site before (wagmi's own storage key). */
export function rememberedWallet(): boolean {
  try {
    return typeof window !== "undefined" && window.localStorage.getItem("wagmi.recentConnectorId") !== null;
  } catch {
    return false;
  }
}

/**
 * The wallet's state; with `load`, the libraries are fetched once the component has mounted (a
 * wallet session). Before they are there, nobody is connected as far as the page knows.
 */
export function useWallet(chain: ChainInfo | null, load: boolean): WalletState {
  const current = useSyncExternalStore(subscribe, () => state, () => INITIAL);
  useEffect(() => {
    if (load && chain) loadWallet(chain).catch(() => {});
  }, [load, chain]);
  return current;
}
