import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig } from "hardhat/config";

// solc runs offline from the npm `solc` package (no compiler download). Hardhat needs an absolute
// path, and `version` must be the soljson's own, or the build info is silently mislabeled.
const require = createRequire(import.meta.url);
const soljson = require.resolve("solc/soljson.js");
const solcVersion: string = require("solc/package.json").version;

const compiler = (runs: number) => ({
  version: solcVersion,
  path: soljson,
  settings: { evmVersion: "cancun", optimizer: { enabled: true, runs } },
});

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      // Optimized in every profile so that tests and the gas benchmark see production bytecode.
      default: compiler(200),
      production: compiler(10_000),
    },
  },
  paths: {
    tests: { nodejs: "test/contracts", solidity: "test/solidity" },
  },
  test: {
    solidity: {
      fuzz: { runs: 1000, seed: "0x5eed" },
      // The invariant handler predicts every outcome and never reverts: any revert is a finding.
      invariant: { runs: 64, depth: 64, failOnRevert: true },
    },
  },
  networks: {
    // `npm run dev`'s chain: starts 400 days in the past so that the demo data spans a real year of
    // purchases, expiries included, and ends at today's date. 40 funded test accounts.
    demo: {
      type: "edr-simulated",
      chainType: "l1",
      initialDate: new Date(Date.now() - 400 * 86_400_000).toISOString(),
      accounts: { count: 40 },
    },
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // Any EVM network: `RPC_URL` and `DEPLOYER_PRIVATE_KEY` come from the environment (or the
    // Hardhat keystore), never from the repository.
    remote: {
      type: "http",
      chainType: "generic",
      url: configVariable("RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
