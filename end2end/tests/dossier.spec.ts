import { test, expect } from "@playwright/test";
import { readFileSync } from "node:fs";
import { DEMO, cents, expectNoOverflow, signIn } from "./helpers";

test("the claim overview adds up and every figure opens to its derivation", async ({ page }, info) => {
  await signIn(page, DEMO.partlyPaid);
  const principal = cents(await page.getByTestId("principal-total").innerText());
  const interest = cents(await page.getByTestId("interest-total").innerText());
  const costs = cents(await page.getByTestId("costs-total").innerText());
  const paid = cents(await page.getByTestId("paid-total").innerText());
  const open = cents(await page.getByTestId("open-total").innerText());
  expect(principal).toBeGreaterThan(0);
  expect(interest).toBeGreaterThan(0);
  expect(paid).toBeLessThan(0);
  expect(principal + interest + costs + paid).toBe(open);
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-claim-nl.png`, fullPage: true });

  await page.getByTestId("interest-derivation").locator("summary").click();
  await expect(page.getByTestId("interest-derivation").getByRole("table").first()).toBeVisible();
  await page.getByTestId("costs-derivation").locator("summary").click();
  await expect(page.getByTestId("costs-derivation")).toContainText("15%");
  await page.getByTestId("payments-derivation").locator("summary").click();
  await expect(page.getByTestId("payments-derivation")).toContainText("6:44");
  await expect(page.getByTestId("rates-used")).toContainText("per jaar");
  // The letter was sent before FG-2026-0459 fell due: the timeline says it does not count.
  const timeline = page.getByTestId("letter-timeline");
  await timeline.locator("summary").click();
  await expect(timeline.getByTestId("letter")).toHaveCount(1);
  await expect(timeline.getByTestId("letter-before-due")).toContainText("FG-2026-0459");
  await expect(timeline.getByTestId("invoice-no-costs")).toContainText("FG-2026-0459");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-claim-derivations-nl.png`, fullPage: true });
});

test("my data shows every category with sources and the retention date, and exports JSON", async ({ page }, info) => {
  await signIn(page, DEMO.business);
  await page.getByRole("link", { name: "Mijn gegevens" }).click();
  await expect(page).toHaveURL(/\/dossier\/data$/);
  for (const field of ["name", "address", "postcode", "city", "phone", "email", "customer_number", "kvk_number", "vat_number", "invoice_numbers"]) {
    await expect(page.getByTestId(`field-${field}`)).toBeVisible();
  }
  await expect(page.getByTestId("field-name")).toContainText("ontvangen op");
  await expect(page.getByTestId("storage")).toContainText("Nederland");
  await expect(page.getByTestId("recipients")).toContainText("Pay.nl");
  await expect(page.getByTestId("recipients")).toContainText("Rabobank");
  await expect(page.getByTestId("recipients")).toContainText("DAS Incasso");
  await expect(page.getByTestId("retention")).toContainText(/Tot en met \d{2}-\d{2}-\d{4}/);
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-my-data-nl.png`, fullPage: true });

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download mijn gegevens (JSON)" }).click();
  const file = await (await download).path();
  const json = JSON.parse(readFileSync(file, "utf8"));
  expect(json.schema).toBe("debiteurportaal.export/1");
  expect(json.personal_data.number).toBe(DEMO.business.number);
  expect(json.claim.invoices.length).toBeGreaterThan(0);
});

test("a correction request is filed next to the field and shows its answer date", async ({ page }, info) => {
  await signIn(page, DEMO.consumer);
  await page.goto("/dossier/data/correct?field=postcode");
  await page.getByLabel(/Nieuwe waarde/).fill("12345");
  await page.getByRole("button", { name: "Verzoek versturen" }).click();
  await expect(page.locator("#value-error")).toContainText("postcode");
  await expect(page.getByLabel(/Nieuwe waarde/)).toHaveAttribute("aria-invalid", "true");
  await page.screenshot({ path: `screenshots/${info.project.name}-correction-error-nl.png`, fullPage: true });
  await page.getByLabel(/Nieuwe waarde/).fill("9999 zz");
  await page.getByLabel(/Toelichting/).fill("Verhuisd");
  await page.getByRole("button", { name: "Verzoek versturen" }).click();
  await expect(page).toHaveURL(/\/dossier\/data\?filed=postcode/);
  await expect(page.getByTestId("requests")).toContainText("9999 ZZ");
  await expect(page.getByTestId("requests")).toContainText(/uiterlijk \d{2}-\d{2}-\d{4}/);
  await expect(page.getByTestId("field-postcode")).toContainText("wijziging aangevraagd");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the overview, its derivations and my data work as plain pages", async ({ page }) => {
    await signIn(page, DEMO.partlyPaid);
    await page.getByTestId("costs-derivation").locator("summary").click();
    await expect(page.getByTestId("costs-derivation")).toContainText("15%");
    await page.getByRole("link", { name: "Mijn gegevens" }).click();
    await expect(page.getByTestId("field-name")).toBeVisible();
    await expectNoOverflow(page);
  });

  test("a correction with a bad value comes back with the error next to the field", async ({ page }) => {
    await signIn(page, DEMO.partlyPaid);
    await page.goto("/dossier/data/correct?field=email");
    await page.getByLabel(/Nieuwe waarde/).fill("geen-adres");
    await page.getByRole("button", { name: "Verzoek versturen" }).click();
    await expect(page.locator("#value-error")).toContainText("e-mailadres");
    await expect(page.getByLabel(/Nieuwe waarde/)).toHaveValue("geen-adres");
  });
});
