import { test, expect } from "@playwright/test";
import { DEMO, cents, expectNoOverflow, signIn } from "./helpers";

test("a debtor sets up a payment plan and pays the first instalment", async ({ page }, info) => {
  await signIn(page, DEMO.business);
  await page.getByTestId("plan-link").click();
  await expect(page).toHaveURL(/\/dossier\/plan$/);
  await page.getByLabel("Aantal maanden").fill("3");
  await page.getByTestId("preview-months").click();
  const rows = page.getByTestId("plan-preview").getByTestId("schedule").locator("tbody tr");
  await expect(rows).toHaveCount(3);
  const amounts = await rows.locator("td:last-child").allInnerTexts();
  const total = amounts.map(cents).reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThan(0);
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-plan-preview-nl.png`, fullPage: true });

  await page.getByTestId("confirm-plan").click();
  await expect(page.getByText("Pay.nl simulator")).toBeVisible();
  await page.getByRole("button", { name: /Betalen/ }).click();
  await expect(page.getByTestId("payment-outcome")).toHaveAttribute("data-state", "paid");

  await page.goto("/dossier/plan");
  await expect(page.getByTestId("plan-status")).toHaveAttribute("data-status", "active");
  await expect(page.getByTestId("schedule").locator("tbody tr").first()).toHaveAttribute("data-status", "paid");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-plan-active-nl.png`, fullPage: true });
});
