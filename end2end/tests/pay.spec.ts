import { test, expect } from "@playwright/test";
import { DEMO, cents, expectNoOverflow, letterLink, signIn } from "./helpers";

test("the letter's QR link opens a pay-only page, and paying through Pay.nl clears the balance", async ({ page }, info) => {
  await page.goto(letterLink(DEMO.consumer.number));
  await expect(page).toHaveURL(/\/dossier$/);
  await expect(page.getByTestId("pay-only-notice")).toBeVisible();
  await expect(page.getByRole("link", { name: "Mijn gegevens" })).toHaveCount(0);
  const before = cents(await page.getByTestId("open-total").innerText());
  expect(before).toBeGreaterThan(0);
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-qr-pay-only-nl.png`, fullPage: true });

  // Personal data needs the code from the letter.
  await page.goto("/dossier/data");
  await expect(page).toHaveURL(/\/\?need=secret&dossier=ISB-2000-000001/);
  await expect(page.getByLabel("Dossiernummer")).toHaveValue(DEMO.consumer.number);
  await page.goBack();

  await page.goto("/dossier");
  await page.getByTestId("pay-all").click();
  // The Pay.nl sandbox's payment page.
  await expect(page.getByText("Pay.nl simulator")).toBeVisible();
  await page.screenshot({ path: `screenshots/${info.project.name}-paynl-page.png`, fullPage: true });
  await page.getByRole("button", { name: /Betalen/ }).click();
  await expect(page).toHaveURL(/\/pay\/return\//);
  await expect(page.getByTestId("payment-outcome")).toHaveAttribute("data-state", "paid");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-paid-nl.png`, fullPage: true });
  await page.getByRole("link", { name: "Naar mijn dossier" }).click();
  await expect(page.getByTestId("open-total")).toHaveText(/€\s?0,00/);

  // The receipt and the final confirmation are in writing, on the messages page (with the
  // code from the letter: they name the debtor).
  await signIn(page, DEMO.consumer);
  await page.getByTestId("messages-link").click();
  await expect(page).toHaveURL(/\/dossier\/messages$/);
  const receipt = page.getByTestId("message").filter({ hasText: "Betaling ontvangen" });
  await expect(receipt).toHaveCount(1);
  await expect(page.getByTestId("message").filter({ hasText: "volledig betaald" })).toHaveCount(1);
  await receipt.locator("summary").click();
  await expect(receipt.getByTestId("message-text")).toContainText("Nog te betalen: € 0,00");
  await expect(receipt.getByTestId("message-text")).toContainText("Wki");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-messages-nl.png`, fullPage: true });
  // The demo's mailbox shows the same message.
  await page.goto("/demo/mail");
  await expect(page.getByRole("heading", { name: /Betaling ontvangen/ }).first()).toBeVisible();
});

test("a part payment below the minimum is explained next to the field", async ({ page }) => {
  await page.goto(letterLink(DEMO.partlyPaid.number));
  await page.locator("summary", { hasText: "Een deel betalen" }).click();
  await page.getByLabel("Bedrag").fill("1,00");
  await page.getByTestId("pay-part").click();
  await expect(page.locator("#part-error")).toContainText("minimaal");
  await expect(page.getByLabel("Bedrag")).toHaveValue("1,00");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a part payment goes through Pay.nl and the return page shows the outcome", async ({ page }) => {
    await page.goto(letterLink(DEMO.partlyPaid.number));
    const before = cents(await page.getByTestId("open-total").innerText());
    await page.locator("summary", { hasText: "Een deel betalen" }).click();
    await page.getByLabel("Bedrag").fill("10,00");
    await page.getByTestId("pay-part").click();
    await expect(page.getByText("Pay.nl simulator")).toBeVisible();
    await page.getByRole("button", { name: /Annuleren/ }).click();
    await expect(page).toHaveURL(/\/pay\/return\//);
    await expect(page.getByTestId("payment-outcome")).toHaveAttribute("data-state", "cancelled");
    await page.getByRole("link", { name: "Naar mijn dossier" }).click();
    expect(cents(await page.getByTestId("open-total").innerText())).toBe(before);
  });
});
