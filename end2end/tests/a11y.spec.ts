import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { DEMO, signIn } from "./helpers";

// WCAG 2.x A and AA rules on every kind of page a debtor sees.
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious).toEqual([]);
}

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
