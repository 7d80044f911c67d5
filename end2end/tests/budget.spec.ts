import { test, expect, Page } from "@playwright/test";
import { STAFF, expectAccessible, expectNoOverflow, fixture, signIn, staffSignIn } from "./helpers";

const NO_JS = fixture("ISB-2026-900005");
const WITH_JS = fixture("ISB-2026-900004");

// The income and expenses statement with a plan below the rules (issue 21), on a 360 px phone.
// Each test has its own imported dossier (end2end/fixtures/dossiers.csv): the second puts a
// plan in review, which would block other specs' plans on a shared demo dossier.

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");


test("without JavaScript: bad figures are refused next to each field, too little left points to free debt help", async ({ browser }, info) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 780 } });
  const page = await context.newPage();
  await signIn(page, NO_JS);
  // The GET preview of the plan page offers the statement when the plan breaks the rules.
  await page.goto("/dossier/plan?amount=10");
  await page.getByTestId("budget-link").getByRole("link").click();
  await expect(page).toHaveURL(/\/dossier\/plan\/budget\?months=&amount=10/);
  await expect(page.getByLabel("Of: bedrag per maand")).toHaveValue("10");
  await expectNoOverflow(page);

  // Letters and a negative amount: each refused at its field, everything typed kept.
  const reason = `Ik heb minder inkomen (e2e ${Date.now()}).`;
  await page.getByLabel("Alleenstaand", { exact: true }).check();
  await page.getByLabel("Netto inkomen").fill("veel");
  await page.getByLabel("Huur of hypotheek").fill("-700");
  await page.getByLabel("Waarom heeft u deze regeling nodig?").fill(reason);
  await page.getByLabel(/Bewijs/).setInputFiles({ name: "loonstrook.pdf", mimeType: "application/pdf", buffer: Buffer.from("<html></html>") });
  await page.getByTestId("submit-budget").click();
  await expect(page.getByTestId("net_income-error")).toContainText("Dit is geen bedrag");
  await expect(page.getByTestId("housing-error")).toContainText("niet negatief");
  await expect(page.getByTestId("files-error")).toContainText("loonstrook.pdf is geen PDF, JPG of PNG");
  await expect(page.getByLabel("Netto inkomen")).toHaveValue("veel");
  await expect(page.getByLabel("Waarom heeft u deze regeling nodig?")).toHaveValue(reason);
  await expect(page.getByLabel("Alleenstaand", { exact: true })).toBeChecked();
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-budget-errors-nojs-nl.png`, fullPage: true });

  // Fixed costs above the income: no plan at all, and where to find free help.
  await page.getByLabel("Netto inkomen").fill("1000,00");
  await page.getByLabel("Huur of hypotheek").fill("1100,00");
  await page.getByTestId("submit-budget").click();
  await expect(page.getByTestId("budget-verdict")).toContainText("wij vragen u nu geen betaling");
  const help = page.getByTestId("debt-help");
  await expect(help).toContainText("geldfit.nl");
  await expect(help).toContainText("0800-8115");
  await expect(help).toContainText("gemeente");
  await expect(page.getByTestId("budget-lines")).toContainText("Over na vaste lasten");
  await expect(page.getByLabel("Huur of hypotheek")).toHaveValue("1100,00");
  await expectNoOverflow(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-budget-debt-help-nojs-nl.png`, fullPage: true });

  // Nothing was proposed: the plan page still offers the picker.
  await page.goto("/dossier/plan");
  await expect(page.getByLabel("Aantal maanden")).toBeVisible();
  await context.close();
});

test("with JavaScript: the statement goes with the plan, staff see its lines and file", async ({ browser }, info) => {
  // Contexts of their own (axe needs a page from a context).
  const page = await (await browser.newContext({ viewport: { width: 360, height: 780 } })).newPage();
  await signIn(page, WITH_JS);
  await page.goto("/dossier/plan");
  // The live preview (WebAssembly) shows the link as soon as the amount breaks the rules.
  await page.getByLabel("Of: bedrag per maand").fill("10");
  await expect(page.getByTestId("plan-breaches")).toBeVisible();
  await page.getByTestId("budget-link").getByRole("link").click();
  await expect(page).toHaveURL(/\/dossier\/plan\/budget/);
  await expect(page.getByLabel("Of: bedrag per maand")).toHaveValue("10");

  // Too little left for €10.00: refused with the most we may ask.
  await page.getByLabel("Alleenstaand", { exact: true }).check();
  await page.getByLabel("Netto inkomen").fill("1800,00");
  await page.getByLabel("Huur of hypotheek").fill("1795,00");
  await page.getByLabel("Waarom heeft u deze regeling nodig?").fill("Weinig over na de huur.");
  await page.getByTestId("submit-budget").click();
  await expect(page.getByTestId("budget-form-error")).toContainText("niet vragen meer te betalen dan € 5,00 per maand");
  await expect(page.getByTestId("debt-help")).toBeVisible();

  // Real figures and a payslip: sent, and shown line by line.
  await page.getByLabel("Huur of hypotheek").fill("700,00");
  await page.getByLabel("Zorgverzekering").fill("50");
  await page.getByLabel(/Bewijs/).setInputFiles({ name: "loonstrook.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.getByTestId("submit-budget").click();
  await expect(page.getByTestId("budget-in-play")).toBeVisible();
  await expect(page.getByTestId("budget-lines")).toContainText("€ 1.800,00");
  await expect(page.getByTestId("budget-protected")).toContainText("Beslagvrije voet");
  await expect(page.getByTestId("budget-source")).toContainText("Bron");
  await expect(page.getByTestId("budget-capacity")).toContainText("Hoogstens per maand");
  await expect(page.getByRole("link", { name: "loonstrook.pdf" })).toBeVisible();
  await expectNoOverflow(page);
  await expectAccessible(page);
  await page.screenshot({ path: `screenshots/${info.project.name}-budget-sent-nl.png`, fullPage: true });
  await page.goto("/dossier/plan");
  await expect(page.getByTestId("plan-status")).toHaveAttribute("data-status", "needs_review");
  await expect(page.getByTestId("plan-statement")).toBeVisible();

  // In English too.
  await page.getByRole("link", { name: "English" }).click();
  await page.goto("/dossier/plan/budget");
  await expect(page.getByTestId("budget-verdict")).toContainText("we cannot ask you to pay more than");
  await expectNoOverflow(page);

  // Staff see the statement with the review.
  const staff = await (await browser.newContext({ viewport: { width: 360, height: 780 } })).newPage();
  await staffSignIn(staff, STAFF.admin);
  await staff.goto("/staff/plans");
  const item = staff.locator(`[data-testid=plan-review][data-dossier="${WITH_JS.number}"]`);
  await expect(item.getByTestId("plan-budget")).toContainText("€ 1.800,00");
  await expect(item.getByRole("link", { name: "loonstrook.pdf" })).toBeVisible();
  await expectNoOverflow(staff);
  await expectAccessible(staff);
  await staff.screenshot({ path: `screenshots/${info.project.name}-staff-plan-budget-nl.png`, fullPage: true });
});
