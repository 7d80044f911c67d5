import { test, expect, Page } from "@playwright/test";
import { DEMO, expectNoOverflow, signIn } from "./helpers";

// Nothing is wider than a 360 px phone, on every page a debtor can reach, for each demo
// dossier (their data differ: a long e-mail address, a business with a KvK and VAT
// number). Screenshots: screenshots/{project}-overflow-{dossier}-{page}.png.

const PUBLIC_PAGES: [string, string][] = [
  ["sign-in", "/"],
  ["check", "/check"],
  ["accessibility", "/accessibility"],
  ["complaints", "/complaints"],
  ["counsellor-sign-in", "/counsellor"],
  ["counsellor-join", "/counsellor/join"],
];

const DEBTOR_PAGES: [string, string][] = [
  ["overview", "/dossier"],
  ["my-data", "/dossier/data"],
  ["correct-email", "/dossier/data/correct?field=email"],
  ["correct-address", "/dossier/data/correct?field=address"],
  ["print", "/dossier/data/print"],
  ["plan", "/dossier/plan"],
  ["later", "/dossier/later"],
  ["disputes", "/dossier/disputes"],
  ["messages", "/dossier/messages"],
  ["access", "/dossier/access"],
];

async function visit(page: Page, name: string, path: string, shot: string) {
  await page.goto(path);
  await expect(page.locator("main h1").first()).toBeVisible();
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${shot}-${name}.png`, fullPage: true });
}

for (const [who, dossier] of Object.entries(DEMO)) {
  test(`no page is wider than the phone: ${who}`, async ({ page }, info) => {
    test.setTimeout(90_000);
    const shot = `${info.project.name}-overflow-${who}`;
    if (who === "consumer") {
      for (const [name, path] of PUBLIC_PAGES) await visit(page, name, path, shot);
    }
    await signIn(page, dossier);
    for (const [name, path] of DEBTOR_PAGES) await visit(page, name, path, shot);
  });
}
