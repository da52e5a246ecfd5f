"use client";
/**
 * The signed-in member in the header of every page (balance and tier from the mirror, refreshed
 * after each write), and the wallet controls: pick an EIP-6963 wallet, connect, Sign-In with
 * Ethereum. Wallet state renders only after mount (it does not exist on the server). The wallet
 * libraries load when a visitor chooses "connect a wallet" (or connected one before in this
 * browser) and on a wallet session's pages: never for a custodial member (lib/wallet).
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { formatPoints, shortAddress } from "@/lib/format.ts";
import { describeError } from "@/lib/tx-errors.ts";
import { loadWallet, rememberedWallet, useWallet } from "@/lib/wallet/index.ts";
import { useChainInfo, useOptionalChainInfo } from "./Providers.tsx";
import { WalletPicker } from "./WalletPicker.tsx";

export interface Me {
  session: { address: string; kind: "wallet" | "custodial" } | null;
  balance?: string;
  tier?: number;
}

export function useMe(initial?: Me) {
  return useQuery<Me>({
    queryKey: ["me"],
    queryFn: () => fetch("/api/me", { cache: "no-store" }).then((r) => r.json()),
    initialData: initial,
    refetchInterval: 15_000,
  });
}

export function HeaderAccount({ initial }: { initial: Me }) {
  const { t, locale } = useI18n();
  const me = useMe(initial).data ?? initial;
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const chain = useOptionalChainInfo();
  const session = me.session;
  return (
    <div className="account">
      {session && (
        <p className="account-summary" data-testid="header-account">
          <Link href="/member" className="balance" aria-label={t("header.balanceLabel", { amount: formatPoints(BigInt(me.balance ?? "0"), locale) })}>
            <span data-testid="header-balance">{formatPoints(BigInt(me.balance ?? "0"), locale)}</span> {t("common.pointsShort")}
          </Link>
          <span className={`tier tier-${me.tier ?? 0}`} data-testid="header-tier">
            {t(`tier.${me.tier ?? 0}` as MessageKey)}
          </span>
          <span className="address" title={session.address}>
            {shortAddress(session.address)}
          </span>
        </p>
      )}
      {!session && (
        <p className="auth-links small" data-testid="auth-links">
          <Link href="/login" className="button secondary small">
            {t("nav.login")}
          </Link>{" "}
          <Link href="/signup" className="button secondary small">
            {t("nav.signup")}
          </Link>
        </p>
      )}
      {mounted && chain ? <WalletControls signedIn={session?.address ?? null} kind={session?.kind ?? null} /> : <span className="wallet-placeholder" aria-hidden="true" />}
    </div>
  );
}

function WalletControls({ signedIn, kind }: { signedIn: string | null; kind: "wallet" | "custodial" | null }) {
  const { t } = useI18n();
  const chain = useChainInfo();
  // A wallet session (or a visitor whose browser connected a wallet before) needs the wallet at
  // once: to notice another account in it, to sign in again in one click.
  const auto = kind === "wallet" || (kind === null && rememberedWallet());
  const wallet = useWallet(chain, auto);
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const menuId = useId();

  const connected = wallet.address;
  const mismatch = signedIn && connected && connected.toLowerCase() !== signedIn.toLowerCase();

  function toggle() {
    setError(null);
    setOpen((o) => !o);
    loadWallet(chain).catch((e: unknown) => setError(describeError(e, t)));
  }

  async function signIn(connectorUid?: string) {
    setError(null);
    setBusy(true);
    try {
      const w = await loadWallet(chain);
      let address = connected;
      if (!address || connectorUid) address = await w.connect(connectorUid, t("wallet.none"));
      setOpen(false);
      const { nonce } = await fetch("/api/auth/nonce", { cache: "no-store" }).then((r) => r.json());
      const { message, signature } = await w.signIn(address, t("wallet.siweStatement"), nonce);
      const res = await fetch("/api/auth/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message, signature }) });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? t("wallet.signInFailed"));
      }
      await queryClient.invalidateQueries({ queryKey: ["me"] });
      router.refresh();
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      setBusy(false);
    }
  }

  async function signOut() {
    await fetch("/api/auth/logout", { method: "POST" });
    if (connected) await loadWallet(chain).then((w) => w.disconnect()).catch(() => {});
    await queryClient.invalidateQueries({ queryKey: ["me"] });
    router.refresh();
  }

  if (signedIn && !mismatch) {
    return (
      <button type="button" className="button secondary small" onClick={signOut}>
        {t("wallet.signOut")}
      </button>
    );
  }

  return (
    <div className="wallet">
      {mismatch && <p className="warning small">{t("wallet.mismatch")}</p>}
      {connected ? (
        <button type="button" className="button small" onClick={() => signIn()} disabled={busy} aria-busy={busy}>
          {t("wallet.signIn")}
        </button>
      ) : (
        <>
          <button type="button" className="button small" aria-expanded={open} aria-controls={menuId} onClick={toggle} disabled={busy} aria-busy={busy}>
            {t("wallet.connect")}
          </button>
          {open && (
            <div id={menuId} className="wallet-menu">
              <WalletPicker connectors={wallet.connectors} ready={wallet.ready} onPick={(uid) => signIn(uid)} empty={t("wallet.none")} loading={t("wallet.loading")} />
            </div>
          )}
        </>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
