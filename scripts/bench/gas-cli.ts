/**
 * `npm run bench:gas`: runs scripts/bench/gas.ts inside Hardhat's in-process network (`hardhat run`
 * compiles first), with a `--help` of its own: Hardhat's would describe `hardhat run`, not this.
 */
import { spawnSync } from "node:child_process";
import { parseCli } from "../lib/cli.ts";

parseCli({
  name: "bench:gas",
  summary: "gas of every main operation beside plain OpenZeppelin tokens; fails when a target is missed; last line is JSON",
  usage: "npm run bench:gas",
  options: {},
  help: {},
});
const result = spawnSync("npx", ["hardhat", "run", "scripts/bench/gas.ts"], { stdio: "inherit" });
process.exit(result.status ?? 1);
