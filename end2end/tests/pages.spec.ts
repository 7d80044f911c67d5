import { test, expect, Browser, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { DEMO, STAFF, staffSignIn } from "./helpers";

// Every page, in both languages, at a phone's and a laptop's width: axe (WCAG 2.2 A/AA) must
// find nothing, nothing may be wider than the screen, and a screenshot is saved for review
// (screenshots/pages/{lang}-{width}-{page}.png).

const LANGS = ["nl", "en"] as const;
const WIDTHS = [
  { width: 360, height: 780 },
  { width: 1280, height: 800 },
];

const DEBTOR_PAGES: [string, string][] = [
  ["overview", "/dossier"],
  ["my-data", "/dossier/data"],
  ["correct", "/dossier/data/correct?field=email"],
  ["print", "/dossier/data/print"],
  ["plan", "/dossier/plan"],
  ["plan-preview", "/dossier/plan?months=3"],
  ["disputes", "/dossier/disputes"],
  ["messages", "/dossier/messages"],
];
const STAFF_PAGES: [string, string][] = [
  ["staff-corrections", "/staff/corrections"],
  ["staff-plans", "/staff/plans"],
  ["staff-disputes", "/staff/disputes"],
  ["staff-dossier", `/staff/dossiers?number=${DEMO.business.number}`],
];
const PUBLIC_PAGES: [string, string][] = [
  ["sign-in", "/"],
  ["staff-sign-in", "/staff"],
  ["link-problem", "/link?t=broken"],
  ["check", "/check"],
  ["accessibility", "/accessibility"],
  ["complaints", "/complaints"],
  ["not-found", "/no-such-page"],
];

async function expectNoViolations(page: Page, name: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(found, `${name}`).toEqual([]);
}

async function check(page: Page, lang: string, width: number, name: string, path: string) {
  await page.goto(path);
  // The WASM loads when the browser is idle; let its islands hydrate (or complain) first.
  await page.waitForLoadState("networkidle");
  await expect(page.locator("html")).toHaveAttribute("lang", lang);
  await expect(page.locator("main h1").first()).toBeVisible();
  await expectNoViolations(page, `${lang} ${width} ${name}`);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, `${name} is wider than the screen`).toBeLessThanOrEqual(width);
  await page.screenshot({ path: `screenshots/pages/${lang}-${width}-${name}.png`, fullPage: true });
}

/** Script errors, and warnings or errors in the console (a hydration mismatch, an island
 *  the WASM lacks), except the browser's own note on an error status (the 404 page's). */
function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if ((m.type() === "error" || m.type() === "warning") && !m.text().startsWith("Failed to load resource")) {
      problems.push(`${page.url()}: ${m.type()}: ${m.text()}`);
    }
  });
  return problems;
}

async function pageIn(browser: Browser, lang: string, size: { width: number; height: number }, baseURL: string) {
  const context = await browser.newContext({ viewport: size, baseURL });
  await context.addCookies([{ name: "i18n_pref_locale", value: lang, url: baseURL }]);
  return context.newPage();
}

for (const lang of LANGS) {
  for (const size of WIDTHS) {
    test(`every page in ${lang} at ${size.width}px: no axe violations, no overflow`, async ({ browser, baseURL }) => {
      test.setTimeout(120_000);
      const page = await pageIn(browser, lang, size, baseURL!);
      const problems = collectProblems(page);
      for (const [name, path] of PUBLIC_PAGES) await check(page, lang, size.width, name, path);

      await page.goto("/");
      await page.locator("#dossier").fill(DEMO.business.number);
      await page.locator("#secret").fill(DEMO.business.secret);
      await page.locator("main form button[type=submit]").click();
      await expect(page).toHaveURL(/\/dossier$/);
      for (const [name, path] of DEBTOR_PAGES) await check(page, lang, size.width, name, path);

      await staffSignIn(page, STAFF.agent);
      for (const [name, path] of STAFF_PAGES) await check(page, lang, size.width, name, path);
      expect(problems).toEqual([]);
      await page.context().close();
    });
  }
}

test("the browser's language is honoured on a first visit, and the switch is remembered", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ locale: "en-GB", baseURL });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.locator(".lang-switch").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "nl");
  await page.goto("/dossier/data");
  await expect(page.locator("html")).toHaveAttribute("lang", "nl");
  await context.close();
});
