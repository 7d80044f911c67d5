// First render of a page in headless Chromium on a throttled "mid-range phone on 4G":
// CPU 4x slower, 150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up (Lighthouse's mobile
// profile), cold cache every run. Prints a Markdown table of medians.
//
//   node bench/first-render.mjs URL [runs]
//
// "Hydrated" is when the sign-in page's "show code" button works, which only the WASM makes
// happen (as in end2end/tests/start.spec.ts).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { chromium } = createRequire(path.join(root, "end2end/package.json"))("@playwright/test");

const url = process.argv[2] ?? "http://127.0.0.1:3000/";
const runs = Number(process.argv[3] ?? 5);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
});
const results = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    locale: "nl-NL",
    isMobile: true,
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  let wasmEncoding = "";
  page.on("response", (r) => {
    if (r.url().endsWith(".wasm")) wasmEncoding = r.headers()["content-encoding"] ?? "none";
  });
  const started = Date.now();
  await page.goto(url, { waitUntil: "load" });
  const secret = page.getByLabel("Persoonlijke code");
  const toggle = page.getByRole("button", { name: "Code tonen" });
  for (;;) {
    await toggle.click();
    if ((await secret.getAttribute("type")) === "text") break;
    if (Date.now() - started > 60_000) throw new Error("never hydrated");
    await page.waitForTimeout(25);
  }
  const hydrated = Date.now() - started;
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return { ttfb: nav.responseStart, fcp: fcp ? fcp.startTime : NaN, load: nav.loadEventEnd };
  });
  results.push({ ...timing, hydrated, wasmEncoding });
  await context.close();
}
await browser.close();

const median = (key) => {
  const v = results.map((r) => r[key]).sort((a, b) => a - b);
  return Math.round(v[Math.floor(v.length / 2)]);
};
console.log("| measure | ms (median) |");
console.log("|---|---|");
console.log(`| time to first byte | ${median("ttfb")} |`);
console.log(`| first contentful paint | ${median("fcp")} |`);
console.log(`| load event | ${median("load")} |`);
console.log(`| hydrated (show-code button works) | ${median("hydrated")} |`);
console.log(`| wasm content-encoding | ${results[0].wasmEncoding} |`);
