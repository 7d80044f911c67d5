import { test, expect } from "@playwright/test";
import { DEMO, STAFF, cents, expectNoOverflow, signIn, staffSignIn } from "./helpers";

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

test("a plan outside the rules goes to staff, who counter-propose; the debtor sees it at once", async ({ browser }, info) => {
  const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await signIn(page, DEMO.partlyPaid);
  await page.goto("/dossier/plan");
  // The island hydrates once its WebAssembly has arrived (when the browser is idle).
  await page.waitForLoadState("networkidle");
  // The schedule follows the typing (domain code in WebAssembly), before any submit.
  await page.getByLabel("Aantal maanden").fill("60");
  const preview = page.getByTestId("plan-preview");
  // The first preview waits for the island to hydrate: on a loaded 2-core CI machine the
  // WebAssembly can take longer than the default 5 s to arrive and start.
  await expect(preview.getByTestId("schedule").locator("tbody tr")).toHaveCount(60, { timeout: 20_000 });
  await expect(preview.getByTestId("plan-summary")).toContainText("60 termijnen");
  await expect(preview.getByTestId("plan-breaches")).toContainText("60 maanden");
  await page.getByLabel("Aantal maanden").fill("2");
  await expect(preview.getByTestId("schedule").locator("tbody tr")).toHaveCount(2);
  await expect(preview.getByTestId("plan-breaches")).toHaveCount(0);
  await page.getByLabel("Aantal maanden").fill("60");
  await page.getByLabel("Waarom heeft u deze regeling nodig?").fill("Mijn uitkering is laag.");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-plan-review-request-nl.png`, fullPage: true });
  await page.getByTestId("confirm-plan").click();
  await expect(page.getByTestId("plan-status")).toHaveAttribute("data-status", "needs_review");

  const staff = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await staffSignIn(staff, STAFF.agent);
  await staff.getByRole("link", { name: "Betalingsregelingen" }).click();
  await expect(staff).toHaveURL(/\/staff\/plans/);
  const item = staff.locator(`[data-testid=plan-review][data-dossier="${DEMO.partlyPaid.number}"]`);
  await expect(item).toContainText("Mijn uitkering is laag.");
  await item.getByLabel("Toelichting voor de debiteur").fill("Wij kunnen u twaalf maanden geven.");
  await item.getByLabel("Aantal maanden").fill("12");
  await expectNoOverflow(staff);
  await staff.screenshot({ path: `screenshots/${info.project.name}-staff-plans-nl.png`, fullPage: true });
  await item.getByRole("button", { name: "Tegenvoorstel doen" }).click();
  await expect(staff.locator("p.notice[role=status]")).toContainText(DEMO.partlyPaid.number);
  await expect(item).toHaveCount(0);

  await page.goto("/dossier/plan");
  await expect(page.getByTestId("plan-status")).toHaveAttribute("data-status", "proposed");
  await expect(page.getByText("Wij kunnen u twaalf maanden geven.")).toBeVisible();
  await expect(page.getByTestId("schedule").locator("tbody tr")).toHaveCount(12);
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-plan-counter-nl.png`, fullPage: true });
  // Declined: the picker is back, saying so.
  await page.getByTestId("decline-counter").click();
  await expect(page.getByTestId("plan-refused")).toContainText("tegenvoorstel afgewezen");
  await expect(page.getByLabel("Aantal maanden")).toBeVisible();

  // The same picker without JavaScript: the GET form asks the server for the schedule, and
  // agreeing goes to Pay.nl; cancelled there, the plan stands with its first instalment open.
  const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 780 } });
  const plain = await noJs.newPage();
  await signIn(plain, DEMO.partlyPaid);
  await plain.goto("/dossier/plan");
  await plain.getByLabel("Aantal maanden").fill("3");
  await plain.getByTestId("preview-months").click();
  await expect(plain).toHaveURL(/months=3/);
  await expect(plain.getByTestId("plan-preview").getByTestId("schedule").locator("tbody tr")).toHaveCount(3);
  await plain.getByTestId("confirm-plan").click();
  await expect(plain.getByText("Pay.nl simulator")).toBeVisible();
  await plain.getByRole("button", { name: /Annuleren/ }).click();
  await expect(plain.getByTestId("payment-outcome")).toHaveAttribute("data-state", "cancelled");
  await plain.goto("/dossier/plan");
  await expect(plain.getByTestId("plan-status")).toHaveAttribute("data-status", "active");
  await expect(plain.getByTestId("schedule").locator("tbody tr").first()).toHaveAttribute("data-status", "open");
  await noJs.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  // The demo plan agreed 12 days ago missed its first instalment: the plan job moved it to
  // the end once (the tolerance), and one tap pays it late.
  test("a missed instalment is moved to the end and paid late with one tap", async ({ page }, info) => {
    await signIn(page, DEMO.missedInstalment);
    await page.goto("/dossier/plan");
    await expect(page.getByTestId("plan-status")).toHaveAttribute("data-status", "active");
    const moved = page.getByTestId("plan-moved");
    await expect(moved).toContainText("Termijn 1 niet ontvangen");
    await expect(page.getByTestId("plan-tolerance")).toContainText("Mist u nog een termijn");
    const rows = page.getByTestId("schedule").locator("tbody tr");
    await expect(rows.last()).toContainText("verplaatst, was");
    await expectNoOverflow(page);
    await page.screenshot({ path: `screenshots/${info.project.name}-plan-moved-nojs-nl.png`, fullPage: true });

    await page.getByTestId("pay-moved").click();
    await expect(page.getByText("Pay.nl simulator")).toBeVisible();
    await page.getByRole("button", { name: /Betalen/ }).click();
    await expect(page).toHaveURL(/\/pay\/return\//);
    await expect(page.getByTestId("payment-outcome")).toHaveAttribute("data-state", "paid");
    await page.goto("/dossier/plan");
    await expect(rows.first()).toHaveAttribute("data-status", "paid");
    await expect(rows.first()).toContainText("alsnog betaald");
    await expect(page.getByTestId("plan-moved")).toHaveCount(0);
    await expectNoOverflow(page);
    await page.screenshot({ path: `screenshots/${info.project.name}-plan-paid-late-nojs-nl.png`, fullPage: true });
  });
});
