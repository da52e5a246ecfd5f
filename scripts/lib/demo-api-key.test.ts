import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/support/postgres-suite.ts";
import { authenticate } from "../../web/lib/purchases/api-keys.ts";
import { devAccount } from "./dev-accounts.ts";
import { issueDemoApiKey, setEnvValue } from "./demo-api-key.ts";

const envValue = (file: string, name: string) => readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);

describe("the demo API key of npm run dev", () => {
  const t = useTestDatabase();
  const merchant = devAccount(2).address;

  it("writes a working key into the env file, keeps the file's other lines, and revokes the previous run's key", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "demo-key-")), ".env.local");
    writeFileSync(file, "KEY_ENCRYPTION_KEY=abc\n");
    await issueDemoApiKey(t.pool, merchant, file);
    const first = envValue(file, "DEMO_API_KEY")!;
    expect(await authenticate(t.pool, `Bearer ${first}`)).toMatchObject({ ok: true, merchant });

    await issueDemoApiKey(t.pool, merchant, file);
    const second = envValue(file, "DEMO_API_KEY")!;
    expect(second).not.toBe(first);
    expect(await authenticate(t.pool, `Bearer ${second}`)).toMatchObject({ ok: true, merchant });
    expect(await authenticate(t.pool, `Bearer ${first}`)).toMatchObject({ ok: false, code: "invalid_api_key" });
    expect(envValue(file, "KEY_ENCRYPTION_KEY")).toBe("abc");
    expect(readFileSync(file, "utf8").match(/DEMO_API_KEY=/g)).toHaveLength(1);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it("setEnvValue creates the file when there is none", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "demo-key-")), ".env.local");
    setEnvValue(file, "A", "1", "why");
    expect(readFileSync(file, "utf8")).toBe("# why\nA=1\n");
  });
});
