"use client";
import { useRouter } from "next/navigation";
import { useCallback, useState } from "react";
import { postJson } from "@/lib/post-json.ts";
import { useI18n } from "@/lib/i18n/client.tsx";
import { describeError } from "@/lib/tx-errors.ts";

/** A merchant-console request (POST to /api/merchant/…): busy state, the server's error, a refresh after. */
export function useConsoleAction() {
  const router = useRouter();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async <T,>(path: string, body: unknown): Promise<T | null> => {
      setBusy(true);
      setError(null);
      try {
        const r = await postJson<T>(path, body);
        router.refresh();
        return r;
      } catch (e) {
        setError(describeError(e, t));
        return null;
      } finally {
        setBusy(false);
      }
    },
    [router, t],
  );
  return { busy, error, setError, run };
}
