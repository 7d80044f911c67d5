import { test, expect } from "@playwright/test";
import { DEMO, STAFF, expectNoOverflow, signIn, staffSignIn } from "./helpers";

test("a debtor's correction, accepted by staff, changes what the debtor sees", async ({ browser }, info) => {
  // The debtor asks for a new city.
  const debtor = await browser.newPage();
  await signIn(debtor, DEMO.business);
  await debtor.goto("/dossier/data/correct?field=city");
  await debtor.getByLabel(/Nieuwe waarde/).fill("Zwolle");
  await debtor.getByLabel(/Toelichting/).fill("Verhuisd naar Zwolle");
  await debtor.getByRole("button", { name: "Verzoek versturen" }).click();
  await expect(debtor.getByTestId("requests")).toContainText("Zwolle");

  // Staff see it in the queue and accept it (a new address is an administrator's decision).
  const staff = await browser.newPage();
  await staffSignIn(staff, STAFF.admin);
  const item = staff.getByTestId("queue-item").filter({ hasText: DEMO.business.number }).filter({ hasText: "Zwolle" });
  await expect(item).toBeVisible();
  await expectNoOverflow(staff);
  await staff.screenshot({ path: `screenshots/${info.project.name}-staff-queue-nl.png`, fullPage: true });
  await item.getByRole("button", { name: "Accepteren" }).click();
  await expect(staff.locator("p.notice[role=status]")).toContainText(DEMO.business.number);

  // The debtor sees the new value, its source, and the request answered.
  await debtor.goto("/dossier/data");
  await expect(debtor.getByTestId("field-city")).toContainText("Zwolle");
  await expect(debtor.getByTestId("field-city")).toContainText("Aangepast op uw verzoek");
  await expect(debtor.getByTestId("requests")).toContainText("Doorgevoerd");
  await debtor.screenshot({ path: `screenshots/${info.project.name}-my-data-after-correction-nl.png`, fullPage: true });
});

test("a debtor session cannot open the back office", async ({ page }) => {
  await signIn(page, DEMO.partlyPaid);
  await page.goto("/staff/corrections");
  await expect(page).toHaveURL(/\/staff$/);
  await expect(page.getByLabel("Gebruikersnaam")).toBeVisible();
});

test("staff need the authenticator code after the password", async ({ page }, info) => {
  await page.goto("/staff");
  await page.getByLabel("Gebruikersnaam").fill(STAFF.agent.username);
  await page.getByLabel("Wachtwoord").fill(STAFF.agent.password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).toHaveURL(/\/staff\/two-factor/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Tweede stap");
  // Without the code the back office stays closed.
  await page.goto("/staff/corrections");
  await expect(page).toHaveURL(/\/staff$/);
  await page.goBack();
  await page.locator("#code").fill("000000");
  await page.getByRole("button", { name: "Bevestigen" }).click();
  await expect(page.locator("#code-error")).toContainText("klopt niet");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-staff-two-factor-nl.png`, fullPage: true });
});

test("staff see the payments that need a look, on a phone", async ({ page }, info) => {
  await staffSignIn(page, STAFF.admin);
  await page.getByRole("link", { name: "Betalingen", exact: true }).click();
  await expect(page).toHaveURL(/\/staff\/payments$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Betalingen die aandacht vragen");
  for (const heading of [/Betalingen om na te kijken/, /Terugbetalingen en storneringen/, /Geweigerde berichten van Pay.nl/]) {
    await expect(page.getByRole("heading", { level: 2, name: heading })).toBeVisible();
  }
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-staff-payments-nl.png`, fullPage: true });
});
