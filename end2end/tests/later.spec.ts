import { test, expect, Page } from "@playwright/test";
import { STAFF, expectAccessible, expectNoOverflow, fixture, signIn, staffSignIn } from "./helpers";

// Paying later in one sum (/dossier/later) on a 360 px phone, with and without JavaScript
// (a plain form either way): a day within the rules is agreed at once; a balance above the
// rules needs a reason and goes to staff, who grant it. Each test has its own imported
// dossier (end2end/fixtures/dossiers.csv), as a deferral blocks a plan on the same dossier.


/** `days` from today as the date field takes it (yyyy-mm-dd). */
function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** axe runs in the page, so only where JavaScript is on (the no-JS pages are the same HTML). */
async function asksWithinTheRules(page: Page, number: string, shot: string, js: boolean) {
  await signIn(page, fixture(number));
  await page.getByTestId("later-link").click();
  await expect(page).toHaveURL(/\/dossier\/later$/);
  await expect(page.locator("h1")).toHaveText("Later in één keer betalen");
  await expect(page.getByTestId("later-rules")).toContainText("30 dagen");
  await expectNoOverflow(page);
  if (js) await expectAccessible(page);
  await page.screenshot({ path: `screenshots/${shot}-form-nl.png`, fullPage: true });

  // A day in the past is explained next to the field, and nothing is stored.
  await page.getByLabel("Ik betaal alles uiterlijk op").fill("2020-01-01");
  await page.getByTestId("later-submit").click();
  await expect(page.locator("#pay-by-error")).toHaveText("Kies een dag na vandaag.");
  await expect(page.getByLabel("Ik betaal alles uiterlijk op")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("later-current")).toHaveCount(0);

  await page.getByLabel("Ik betaal alles uiterlijk op").fill(inDays(21));
  await page.getByTestId("later-submit").click();
  await expect(page.getByTestId("later-current")).toHaveAttribute("data-status", "granted");
  await expect(page.getByTestId("later-on-day")).toContainText("€");
  await expect(page.getByTestId("later-pay")).toBeVisible();
  await expectNoOverflow(page);
  if (js) await expectAccessible(page);
  await page.screenshot({ path: `screenshots/${shot}-granted-nl.png`, fullPage: true });

  // The confirmation is among the messages.
  await page.goto("/dossier/messages");
  await expect(page.locator("main")).toContainText("Uitstel van betaling tot");
}

test("a day within the rules is agreed at once, on a phone with JavaScript", async ({ page }, info) => {
  await asksWithinTheRules(page, "ISB-2026-900001", `${info.project.name}-later-js`, true);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a day within the rules is agreed at once, as a plain form", async ({ page }, info) => {
    await asksWithinTheRules(page, "ISB-2026-900002", `${info.project.name}-later-nojs`, false);
  });
});

test("a request above the rules needs a reason and staff grant it", async ({ browser }, info) => {
  // Contexts of their own (axe needs a page from a context).
  const page = await (await browser.newContext({ viewport: { width: 360, height: 780 } })).newPage();
  const number = "ISB-2026-900003";
  await signIn(page, fixture(number));
  await page.goto("/dossier/later");
  await page.getByLabel("Ik betaal alles uiterlijk op").fill(inDays(14));
  await page.getByTestId("later-submit").click();
  await expect(page.locator("#reason-error")).toBeVisible();
  // The day typed is still there; with a reason it goes to staff.
  await expect(page.getByLabel("Ik betaal alles uiterlijk op")).toHaveValue(inDays(14));
  await page.getByLabel("Toelichting").fill("Mijn vakantiegeld komt in mei.");
  await page.getByTestId("later-submit").click();
  await expect(page.getByTestId("later-current")).toHaveAttribute("data-status", "needs_review");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-later-review-nl.png`, fullPage: true });

  const staff = await (await browser.newContext({ viewport: { width: 360, height: 780 } })).newPage();
  await staffSignIn(staff, STAFF.admin);
  await staff.getByRole("link", { name: "Uitstel" }).click();
  await expect(staff).toHaveURL(/\/staff\/deferrals/);
  const item = staff.locator(`[data-testid=deferral-review][data-dossier="${number}"]`);
  await expect(item).toContainText("Mijn vakantiegeld komt in mei.");
  await expect(item).toContainText("meer open dan");
  await expectNoOverflow(staff);
  await expectAccessible(staff);
  await staff.screenshot({ path: `screenshots/${info.project.name}-staff-deferrals-nl.png`, fullPage: true });
  await item.getByRole("button", { name: "Toestaan" }).click();
  await expect(staff.locator("p.notice[role=status]")).toContainText(number);

  await page.reload();
  await expect(page.getByTestId("later-current")).toHaveAttribute("data-status", "granted");
});
