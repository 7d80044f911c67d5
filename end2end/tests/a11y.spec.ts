import { test, expect, Page } from "@playwright/test";
import { DEMO, expectAccessible, signIn } from "./helpers";

// WCAG 2.x A and AA rules on every kind of page a debtor sees.

test("sign-in, claim overview, my data and the correction form pass axe", async ({ page }) => {
  await page.goto("/");
  await expectAccessible(page);
  await signIn(page, DEMO.partlyPaid);
  await expectAccessible(page);
  await page.goto("/dossier/data");
  await expectAccessible(page);
  await page.goto("/dossier/data/correct?field=phone");
  await expectAccessible(page);
});
