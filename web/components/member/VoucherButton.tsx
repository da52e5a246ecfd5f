"use client";
import { useState } from "react";
import type { Address } from "viem";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatDate } from "@/lib/format.ts";
import { describeError } from "@/lib/tx-errors.ts";
import { encodeVoucher } from "@/lib/voucher.ts";
import { useChainInfo } from "@/components/Providers.tsx";
import { useMemberActions, type WalletKind } from "./actions.ts";

const VALID_SECONDS = 24n * 3600n;

function randomNonce(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return BigInt(`0x${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
}

/** Signs the EIP-712 VoucherUse for the reward's merchant and shows it as a QR code (and as text to paste). */
export function VoucherButton({ session, tokenId, merchant, name }: { session: { address: string; kind: WalletKind }; tokenId: bigint; merchant: string; name: string }) {
  const { t, locale } = useI18n();
  const chain = useChainInfo();
  const actions = useMemberActions(session);
  const [qr, setQr] = useState<{ svg: string; payload: string; deadline: bigint } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function show() {
    setError(null);
    if (actions.blocked) return setError(t(actions.blocked));
    setBusy(true);
    try {
      const deadline = BigInt(Math.floor(Date.now() / 1000)) + VALID_SECONDS;
      const nonce = randomNonce();
      const signature = await actions.signVoucher({ tokenId, merchant: merchant as Address, nonce, deadline });
      const payload = encodeVoucher({ chainId: chain.chainId, contract: chain.rewards, tokenId, holder: session.address as Address, merchant: merchant as Address, nonce, deadline, signature });
      const QRCode = (await import("qrcode")).default;
      const svg = await QRCode.toString(payload, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
      setQr({ svg, payload, deadline });
    } catch (e) {
      setError(describeError(e, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      {!qr && (
        <button type="button" className="button secondary" onClick={show} disabled={busy} aria-busy={busy} data-testid={`voucher-${tokenId}`}>
          {t("voucher.show")}
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {qr && (
        <figure>
          <div className="qr" role="img" aria-label={t("voucher.qrLabel", { name })} dangerouslySetInnerHTML={{ __html: qr.svg }} />
          <figcaption className="small">{t("voucher.caption", { date: formatDate(Number(qr.deadline) * 1000, locale, true) })}</figcaption>
          <details>
            <summary>{t("voucher.payload")}</summary>
            <textarea readOnly value={qr.payload} rows={5} className="mono small" style={{ width: "100%" }} aria-label={t("voucher.payload")} data-testid="voucher-payload" />
          </details>
        </figure>
      )}
    </div>
  );
}
