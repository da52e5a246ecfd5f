"use client";
/** The browser's EIP-6963 wallets (wagmi connectors) as buttons, or `empty` when there is none. */
import type { Connector } from "wagmi";

export function WalletPicker({ connectors, onPick, empty, className }: { connectors: readonly Connector[]; onPick: (uid: string) => void; empty: string; className?: string }) {
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
