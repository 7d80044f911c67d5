import { expect, Page } from "@playwright/test";
import { readFileSync } from "node:fs";

// The demo dossiers `cargo xtask test` seeds (import/src/demo.rs).
export const DEMO = {
  consumer: { number: "ISB-2000-000001", secret: "DEMA-ENER-GY26" },
  business: { number: "ISB-2000-000002", secret: "DEMB-BEDR-YF26" },
  partlyPaid: { number: "ISB-2000-000003", secret: "DEMC-TERM-YN26" },
};

export async function signIn(page: Page, who: { number: string; secret: string }) {
  await page.goto("/");
  await page.getByLabel("Dossiernummer").fill(who.number);
  await page.getByLabel("Persoonlijke code").fill(who.secret);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).toHaveURL(/\/dossier$/);
}

/** "€ 1.234,56" or "-€ 12,00" → cents. */
export function cents(text: string): number {
  const negative = /[-−]/.test(text);
  const digits = text.replace(/[^0-9,]/g, "").replace(",", ".");
  const value = Math.round(parseFloat(digits) * 100);
  return negative ? -value : value;
}

/** The signed link the letter run printed for `number` (CSV from `debiteurportaal letters`). */
export function letterLink(number: string): string {
  const path = process.env.E2E_LETTERS_CSV;
  if (!path) throw new Error("E2E_LETTERS_CSV is not set (run through cargo xtask test)");
  const [header, ...rows] = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const columns = header.split(",");
  const row = rows.map((r) => r.split(",")).find((r) => r[columns.indexOf("dossier_number")] === number);
  if (!row) throw new Error(`no letter for ${number}`);
  return row[columns.indexOf("link")];
}

/** Nothing is wider than the phone screen. */
export async function expectNoOverflow(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}
