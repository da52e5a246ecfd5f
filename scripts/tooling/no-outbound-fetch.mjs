// Preloaded (`node --import`) into the processes `npm run dev` starts from third-party CLIs (Next's
// dev server): the local stack has no business on the internet, and machines like this one have no
// network at all. `next dev` asks registry.npmjs.org for its latest version whenever a browser
// connects, with no setting to turn that off; this makes any fetch to a host other than this
// machine fail at once, without a connection attempt, and says which URL was refused (once each).
const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/;
const refused = new Set();
const original = globalThis.fetch;
globalThis.fetch = function fetchLocalOnly(input, init) {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
  if (local.test(url.hostname)) return original.call(this, input, init);
  if (!refused.has(url.origin)) {
    refused.add(url.origin);
    process.stderr.write(`[offline] refused an outbound request to ${url.origin} (the local stack runs with no network)\n`);
  }
  return Promise.reject(new TypeError(`fetch to ${url.origin} refused: the local stack runs offline`));
};
