/**
 * After a whole e2e run, before the stack is stopped: none of its processes ever printed the
 * key-encryption key, the relayer's key, or the key of any custodial wallet still in the database
 * (decrypted here with the run's throwaway KEK only to look for it). Spec files check the keys they
 * meet before erasing them (custodial-journey.spec.ts); this covers the whole run's logs.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { getAddress } from "viem";
import { parseKek } from "../../web/lib/custody/kek.ts";
import { decryptKey } from "../../web/lib/custody/keys.ts";
import { relayerKey, type StackInfo } from "./stack.ts";

/** `extraKeys`: hex private keys met during the run that may be erased from the database by now. */
export async function findLeakedSecrets(info: StackInfo, extraKeys: string[] = []): Promise<{ checked: number; leaked: string[] }> {
  if (!info.logDir || !info.kek) return { checked: 0, leaked: [] };
  const logs = readdirSync(info.logDir).map((f) => readFileSync(path.join(info.logDir!, f), "utf8")).join("\n").toLowerCase();
  const kek = parseKek(info.kek);
  const secrets: [string, string][] = [
    ["KEY_ENCRYPTION_KEY", info.kek],
    ["KEY_ENCRYPTION_KEY (base64)", kek.key.toString("base64")],
    ["RELAYER_PRIVATE_KEY", relayerKey().slice(2)],
    ...extraKeys.flatMap((k, i): [string, string][] => [[`erased custodial key #${i}`, k], [`erased custodial key #${i} (base64)`, Buffer.from(k, "hex").toString("base64")]]),
  ];
  const c = new pg.Client({ connectionString: info.databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT address, key_ciphertext AS ciphertext, key_iv AS iv, key_tag AS tag, key_version AS version FROM users WHERE key_ciphertext IS NOT NULL`);
    for (const r of rows) {
      const key = decryptKey(r, getAddress(r.address), kek);
      secrets.push([`custodial key of ${r.address}`, key.toString("hex")], [`custodial key of ${r.address} (base64)`, key.toString("base64")]);
    }
  } finally {
    await c.end();
  }
  return { checked: secrets.length, leaked: secrets.filter(([, v]) => logs.includes(v.toLowerCase())).map(([name]) => name) };
}
