import { test, expect } from "@playwright/test";
import { expectNoOverflow } from "./helpers";

test("the start page renders in Dutch and hydrates", async ({ page }, info) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  await page.goto("/");
  await expect(page).toHaveTitle(/Inloggen/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Inloggen op uw dossier");
  const secret = page.getByLabel("Persoonlijke code");
  await expect(secret).toHaveAttribute("type", "password");

  // Only the WASM makes this button do anything: if hydration never happens, this fails.
  const toggle = page.getByRole("button", { name: "Code tonen" });
  await expect(async () => {
    await toggle.click();
    await expect(secret).toHaveAttribute("type", "text", { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Code verbergen" })).toHaveAttribute("aria-pressed", "true");

  await expectNoOverflow(page);

  await page.screenshot({ path: `screenshots/${info.project.name}-start-nl.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test("the language switch shows the same page in English and is remembered", async ({ page }, info) => {
  await page.goto("/?dossier=ISB-2000-000001");
  await page.getByRole("link", { name: "English" }).click();
  await expect(page).toHaveURL(/\/\?dossier=ISB-2000-000001$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in to your dossier");
  await expect(page.getByLabel("Dossier number")).toHaveValue("ISB-2000-000001");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.screenshot({ path: `screenshots/${info.project.name}-start-en.png`, fullPage: true });
  // The choice is remembered on the next visit.
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in to your dossier");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the page and the language switch still work", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByLabel("Dossiernummer")).toBeVisible();
    await expect(page.getByLabel("Persoonlijke code")).toBeVisible();
    await page.getByRole("link", { name: "English" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in to your dossier");
  });
});
