// Runs after `npm install`, and leaves a fresh clone ready for every documented command.
// 1. Hardhat 3 needs Node >= 22.13 and the native EDR binding, but the machines ship Node 20: npm
//    running on Node 20 silently skips `@nomicfoundation/edr-linux-x64-gnu` (its engines field says
//    node >= 22). The pinned `node` devDependency is on PATH here, so a second, script-less install
//    under it restores the binding. Idempotent: does nothing when the binding loads.
// 2. The generated code that scripts, the indexer, the web app and the benchmarks import (the
//    contracts module from the compiled ABIs, the Prisma client) is built here, once, so that no
//    command of a fresh clone meets a missing module. Both builds are incremental: a re-install
//    with nothing changed costs a few seconds. `npm run dev` and `npm test` rebuild before use.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const bindings = {
  "linux-x64": "@nomicfoundation/edr-linux-x64-gnu",
  "linux-arm64": "@nomicfoundation/edr-linux-arm64-gnu",
  "darwin-arm64": "@nomicfoundation/edr-darwin-arm64",
  "darwin-x64": "@nomicfoundation/edr-darwin-x64",
  "win32-x64": "@nomicfoundation/edr-win32-x64-msvc",
};
const binding = bindings[`${process.platform}-${process.arch}`];

function hasBinding() {
  try {
    require.resolve(`${binding}/package.json`);
    return true;
  } catch {
    return false;
  }
}

if (binding && !hasBinding()) {
  const major = Number(process.versions.node.split(".")[0]);
  console.log(`[postinstall] restoring ${binding} under Node ${process.versions.node}`);
  if (major < 22) {
    console.error("[postinstall] the pinned Node (devDependency `node`) is not on PATH; run `npx npm install`.");
    process.exit(1);
  }
  execFileSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (!hasBinding()) {
    console.error(`[postinstall] ${binding} is still missing`);
    process.exit(1);
  }
}

for (const script of ["build:contracts", "build:db"]) {
  console.log(`[postinstall] npm run ${script}`);
  execFileSync("npm", ["run", "--silent", script], { stdio: "inherit" });
}
