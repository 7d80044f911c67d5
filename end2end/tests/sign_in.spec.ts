import { test, expect } from "@playwright/test";

// The demo dossiers `cargo xtask test` seeds (import/src/demo.rs).
const DOSSIER = "ISB-2000-000001";
const SECRET = "DEMA-ENER-GY26";

test("a debtor signs in on a phone and signs out again", async ({ page }, info) => {
  await page.goto("/");
  await page.getByLabel("Dossiernummer").fill(DOSSIER.toLowerCase());
  await page.getByLabel("Persoonlijke code").fill(SECRET.replaceAll("-", " "));
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).toHaveURL(/\/dossier$/);
  await expect(page.getByTestId("dossier-number")).toHaveText(DOSSIER);
  await page.screenshot({ path: `screenshots/${info.project.name}-dossier-nl.png`, fullPage: true });
  await page.getByRole("button", { name: "Uitloggen" }).click();
  await expect(page).toHaveURL(/\/$/);
  // The session is gone: the dossier page sends us back.
  await page.goto("/dossier");
  await expect(page).toHaveURL(/\/$/);
});

test("a wrong code is explained next to the form and keeps the number", async ({ page }, info) => {
  await page.goto("/");
  await page.getByLabel("Dossiernummer").fill("ISB-2000-000002");
  await page.getByLabel("Persoonlijke code").fill("AAAA-BBBB-CCCC");
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page.getByRole("alert")).toContainText("horen niet bij elkaar");
  await expect(page.getByLabel("Dossiernummer")).toHaveValue("ISB-2000-000002");
  await page.screenshot({ path: `screenshots/${info.project.name}-signin-error-nl.png`, fullPage: true });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in works as a plain form post", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("Dossiernummer").fill(DOSSIER);
    await page.getByLabel("Persoonlijke code").fill(SECRET);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await expect(page).toHaveURL(/\/dossier$/);
    await expect(page.getByTestId("dossier-number")).toHaveText(DOSSIER);
  });

  test("a malformed number is flagged on its field", async ({ page }) => {
    await page.goto("/");
    await page.getByLabel("Dossiernummer").fill("12345");
    await page.getByLabel("Persoonlijke code").fill(SECRET);
    await page.getByRole("button", { name: "Inloggen" }).click();
    await expect(page.locator("#dossier-error")).toBeVisible();
    await expect(page.getByLabel("Dossiernummer")).toHaveAttribute("aria-invalid", "true");
  });
});

test("the islands hydrate under the page's Content-Security-Policy without a violation", async ({ page }) => {
  // Record every policy violation from the first script on.
  await page.addInitScript(() => {
    (window as any).__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as any).__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  const response = await page.goto("/");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toContain("'nonce-");
  expect(csp).not.toContain("unsafe-inline");
  await page.waitForLoadState("networkidle");
  // Only a hydrated island can reveal the code: the button exists without JavaScript, but
  // does nothing there.
  const code = page.getByLabel("Persoonlijke code");
  await expect(code).toHaveAttribute("type", "password");
  await page.getByRole("button", { name: "Code tonen" }).click();
  await expect(code).toHaveAttribute("type", "text");
  expect(await page.evaluate(() => (window as any).__csp)).toEqual([]);
  expect(problems).toEqual([]);
});
