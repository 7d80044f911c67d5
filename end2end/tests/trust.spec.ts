import { test, expect, Page } from "@playwright/test";
import { DEMO, expectNoOverflow } from "./helpers";

// "Is deze brief echt van ons?" (/check): public, a yes or no and nothing else, on a 360 px
// phone, with and without JavaScript (it is a plain form either way). The partly-paid demo
// dossier's 14-day letter went out 75 days before the demo was seeded and announced €52.64
// collection costs on €290.00 of invoices (import/src/demo.rs).

/** The demo letter's date as printed (dd-mm-yyyy). */
function letterDate(): string {
  const d = new Date(Date.now() - 75 * 86_400_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}-${two(d.getUTCMonth() + 1)}-${d.getUTCFullYear()}`;
}

async function check(page: Page, number: string, fields: { date?: string; amount?: string }) {
  await page.getByLabel("Dossiernummer", { exact: true }).fill(number);
  await page.getByLabel("Datum van de brief", { exact: true }).fill(fields.date ?? "");
  await page.getByLabel("Bedrag uit de brief", { exact: true }).fill(fields.amount ?? "");
  await page.getByTestId("check-submit").click();
  await expect(page).toHaveURL(/\/check$/);
}

async function checksALetter(page: Page, shot: string) {
  // Reached from the sign-in page, without signing in.
  await page.goto("/");
  await page.getByTestId("check-link").click();
  await expect(page).toHaveURL(/\/check$/);
  await expect(page.locator("h1")).toHaveText("Is deze brief echt van ons?");
  await expect(page.getByTestId("bank-account")).not.toBeEmpty();
  await expectNoOverflow(page);

  await check(page, DEMO.partlyPaid.number, { amount: "52,64" });
  await expect(page.getByTestId("check-result")).toHaveAttribute("data-outcome", "match");
  await expect(page.getByTestId("check-result")).toContainText("Ja, deze brief is van ons.");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${shot}-match-nl.png`, fullPage: true });

  await check(page, DEMO.partlyPaid.number, { date: letterDate() });
  await expect(page.getByTestId("check-result")).toHaveAttribute("data-outcome", "match");

  // No match: it says so, and shows nothing of the dossier.
  await check(page, DEMO.partlyPaid.number, { date: "01-01-2020" });
  await expect(page.getByTestId("check-result")).toHaveAttribute("data-outcome", "nomatch");
  await expect(page.locator("main")).not.toContainText("Bakker");
  await expect(page.locator("main")).not.toContainText("Fysiotherapie");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${shot}-nomatch-nl.png`, fullPage: true });

  // A reload shows the empty form again: the answer is shown once.
  await page.reload();
  await expect(page.getByTestId("check-result")).toHaveCount(0);

  // A malformed number is explained next to the field.
  await check(page, "12345", { amount: "52,64" });
  await expect(page.locator("#check-dossier-error")).toBeVisible();
  await expect(page.getByLabel("Dossiernummer")).toHaveAttribute("aria-invalid", "true");
}

test("a letter is checked on a phone with JavaScript", async ({ page }, info) => {
  await checksALetter(page, `${info.project.name}-check-js`);
});

test("the footer links the check, the complaints procedure and the accessibility statement", async ({ page }) => {
  await page.goto("/");
  const footer = page.locator("footer");
  await footer.getByRole("link", { name: "Klachtenregeling" }).click();
  await expect(page.locator("h1")).toHaveText("Klachtenregeling");
  await page.locator("footer").getByRole("link", { name: "Toegankelijkheid" }).click();
  await expect(page.locator("h1")).toHaveText("Toegankelijkheidsverklaring");
  await page.locator("footer").getByRole("link", { name: "Is deze brief echt van ons?" }).click();
  await expect(page.locator("h1")).toHaveText("Is deze brief echt van ons?");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a letter is checked on a phone as a plain form", async ({ page }, info) => {
    await checksALetter(page, `${info.project.name}-check-nojs`);
  });
});
