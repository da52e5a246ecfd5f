"use client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { verifyTypedData } from "viem";
import { Field } from "@/components/Field.tsx";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatDate, shortAddress } from "@/lib/format.ts";
import { decodeVoucher } from "@/lib/voucher.ts";
import { rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { voucherDomain, voucherUseTypes } from "../../../contracts/typed-data.ts";
import { useMerchantWrite } from "./write.ts";

type Detector = { detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]> };

/** Accept a member's voucher: scan the QR with the camera (where the browser can) or paste its payload. */
export function AcceptVoucher({ merchant }: { merchant: string }) {
  const { t, locale } = useI18n();
  const w = useMerchantWrite(merchant);
  const flow = useTxFlow();
  const [payload, setPayload] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [checked, setChecked] = useState<string | null>(null);
  const [scanning, setScanning] = useState(false);
  const [scanMessage, setScanMessage] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    if (!scanning) return;
    const Ctor = (window as unknown as { BarcodeDetector?: new (o: { formats: string[] }) => Detector }).BarcodeDetector;
    if (!Ctor || !navigator.mediaDevices?.getUserMedia) {
      setScanMessage(t("accept.noCamera"));
      setScanning(false);
      return;
    }
    let stream: MediaStream | null = null;
    let stop = false;
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        if (!video.current) return;
        video.current.srcObject = stream;
        await video.current.play();
        const detector = new Ctor({ formats: ["qr_code"] });
        while (!stop) {
          const codes = await detector.detect(video.current).catch(() => []);
          if (codes[0]?.rawValue) {
            setPayload(codes[0].rawValue);
            setScanning(false);
            return;
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      } catch {
        setScanMessage(t("accept.cameraDenied"));
        setScanning(false);
      }
    })();
    return () => {
      stop = true;
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [scanning, t]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setChecked(null);
    const v = decodeVoucher(payload);
    if (!v) return setError(t("accept.malformed"));
    if (v.chainId !== w.chain.chainId || v.contract.toLowerCase() !== w.chain.rewards.toLowerCase()) return setError(t("accept.otherProgram"));
    if (v.merchant.toLowerCase() !== merchant.toLowerCase()) return setError(t("accept.otherMerchant"));
    if (v.deadline < BigInt(Math.floor(Date.now() / 1000))) return setError(t("chain.VoucherSignatureExpired"));
    const valid = await verifyTypedData({
      address: v.holder,
      domain: voucherDomain(v.chainId, v.contract),
      types: voucherUseTypes,
      primaryType: "VoucherUse",
      message: { tokenId: v.tokenId, holder: v.holder, merchant: v.merchant, nonce: v.nonce, deadline: v.deadline },
      signature: v.signature,
    }).catch(() => false);
    if (!valid) return setError(t("chain.InvalidVoucherSignature"));
    setError(undefined);
    setChecked(t("accept.checked", { holder: shortAddress(v.holder), date: formatDate(Number(v.deadline) * 1000, locale, true) }));
    if (w.blocked) return flow.fail(w.blocked);
    const ok = await flow.run(() => w.send({ address: w.chain.rewards, abi: rewardNftAbi, functionName: "consumeVoucher", args: [v.tokenId, v.nonce, v.deadline, v.signature] }));
    if (ok) setPayload("");
  }

  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="accept-form">
      <Field label={t("accept.payload")} error={error} hint={t("accept.hint")}>
        {({ id, describedBy, invalid }) => (
          <textarea id={id} value={payload} onChange={(e) => setPayload(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid || undefined} rows={4} spellCheck={false} />
        )}
      </Field>
      <div>
        <button type="button" className="button secondary" onClick={() => { setScanMessage(null); setScanning((s) => !s); }} aria-pressed={scanning}>
          {scanning ? t("accept.stopScan") : t("accept.scan")}
        </button>{" "}
        <button type="submit" className="button" disabled={flow.busy} aria-busy={flow.busy}>
          {t("accept.submit")}
        </button>
      </div>
      {scanning && <video ref={video} muted playsInline style={{ width: "100%", maxWidth: 360 }} aria-label={t("accept.camera")} />}
      {scanMessage && <p className="warning">{scanMessage}</p>}
      {checked && <p className="notice">{checked}</p>}
      <TxStatus state={flow.state} />
    </form>
  );
}
