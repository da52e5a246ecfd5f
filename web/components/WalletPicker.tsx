"use client";
/**
 * The browser's EIP-6963 wallets as buttons, or `empty` when there is none; `loading` while the
 * wallet libraries are still being fetched (lib/wallet).
 */
import type { WalletConnector } from "@/lib/wallet/index.ts";

export function WalletPicker({
  connectors,
  ready,
  onPick,
  empty,
  loading,
  className,
}: {
  connectors: readonly WalletConnector[];
  ready: boolean;
  onPick: (uid: string) => void;
  empty: string;
  loading: string;
  className?: string;
}) {
  if (!ready) return <p aria-busy="true">{loading}</p>;
  if (connectors.length === 0) return <p className={className ? "warning" : undefined}>{empty}</p>;
  return (
    <ul className={className}>
      {connectors.map((c) => (
        <li key={c.uid}>
          <button type="button" className="button secondary" onClick={() => onPick(c.uid)}>
            {c.icon && <img src={c.icon} alt="" width={20} height={20} />} {c.name}
          </button>
        </li>
      ))}
    </ul>
  );
}
