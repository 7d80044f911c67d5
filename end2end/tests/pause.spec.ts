import { test, expect } from "@playwright/test";
import { STAFF, expectAccessible, expectNoOverflow, fixture, signIn, staffSignIn } from "./helpers";

// A pause in collection (adempauze) recorded by staff on a 360 px phone at the request of
// municipal debt help; the debtor, without JavaScript, sees it on the overview. Its own
// imported dossier (end2end/fixtures/dossiers.csv).

test("staff record a breathing space and the debtor sees it", async ({ browser }, info) => {
  const debtor = fixture("ISB-2026-900006");
  const staff = await (await browser.newContext({ viewport: { width: 360, height: 780 } })).newPage();
  await staffSignIn(staff, STAFF.admin);
  await staff.goto(`/staff/dossiers?number=${debtor.number}`);
  // Who asked is required: told by the field.
  await staff.getByTestId("start-pause").click();
  await expect(staff.locator("#pause-by-error")).toBeVisible();
  await staff.getByLabel("Op verzoek van (gemeente, contactpersoon)").fill("Gemeente Zwolle, schuldhulp (P. de Boer)");
  await staff.getByTestId("start-pause").click();
  await expect(staff.locator("p.notice[role=status]")).toContainText("Adempauze vastgelegd");
  await expect(staff.getByTestId("pause")).toHaveAttribute("data-running", "true");
  await expectNoOverflow(staff);
  await expectAccessible(staff);
  await staff.screenshot({ path: `screenshots/${info.project.name}-staff-pause-nl.png`, fullPage: true });

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 780 } });
  const page = await context.newPage();
  await signIn(page, debtor);
  await expect(page.getByTestId("paused")).toContainText("Adempauze tot en met");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-pause-debtor-nojs-nl.png`, fullPage: true });
});
