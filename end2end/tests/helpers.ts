import { expect, Page, test } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";

// The demo dossiers `cargo xtask test` seeds (import/src/demo.rs).
export const DEMO = {
  consumer: { number: "ISB-2000-000001", secret: "DEMA-ENER-GY26" },
  business: { number: "ISB-2000-000002", secret: "DEMB-BEDR-YF26" },
  partlyPaid: { number: "ISB-2000-000003", secret: "DEMC-TERM-YN26" },
  missedInstalment: { number: "ISB-2000-000004", secret: "DEMD-REGE-MX26" },
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

/** A dossier of `end2end/fixtures/dossiers.csv` with the code its import made (CSV from
 *  `debiteurportaal import --secrets-out`), for specs that change a dossier's arrangements. */
export function fixture(number: string): { number: string; secret: string } {
  const path = process.env.E2E_SECRETS_CSV;
  if (!path) throw new Error("E2E_SECRETS_CSV is not set (run through cargo xtask test)");
  const [, ...rows] = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const row = rows.map((r) => r.split(",")).find((r) => r[0] === number);
  if (!row) throw new Error(`no imported code for ${number}`);
  return { number, secret: row[1] };
}

/** Nothing is wider than the phone screen. Measured against the viewport the test set, not
 *  `window.innerWidth`: a mobile browser widens its layout viewport to fit wide content, which
 *  hid a 32 px overflow of the plan page from the old check. */
export async function expectNoOverflow(page: Page) {
  const width = page.viewportSize()?.width ?? 360;
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

/** The demo staff accounts `--demo` creates (server/src/staff.rs), with their authenticator keys. */
export const STAFF = {
  agent: { username: "demo-staff", password: "demo-staff-password", key: "DEMOSTAFFDEMOSTAFFDEMOSTAFFDEMOS" },
  admin: { username: "demo-admin", password: "demo-admin-password", key: "DEMOADMINDEMOADMINDEMOADMINDEMOA" },
};

/** RFC 4648 base32 → bytes. */
function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The TOTP code (RFC 6238: HMAC-SHA1, 6 digits, 30 s) an authenticator app shows at `at`. */
export function totp(key: string, at: number = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", base32(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

/** Signs a staff member in: password, then the app's code. A code is accepted once and only
 *  a later step than the last one used, so one account signs in about once per 30-second
 *  step: tests running side by side with the same account try the next step's code (still
 *  within the allowed skew), and if that is taken too, wait for a new step. */
export async function staffSignIn(page: Page, who: { username: string; password: string; key: string }) {
  await accountSignIn(page, who, "/staff", /\/staff\/corrections/);
}

/** The demo debt counsellor `--demo` creates (municipal debt help). */
export const COUNSELLOR = {
  username: "demo-counsellor",
  password: "demo-counsellor-password",
  key: "DEMOCOUNSELLORDEMOCOUNSELLORDEMO",
};

/** Signs a debt counsellor in at `/counsellor` (the staff routine; their home is their list
 *  of dossiers). */
export async function counsellorSignIn(page: Page, who: { username: string; password: string; key: string }) {
  await accountSignIn(page, who, "/counsellor", /\/counsellor\/dossiers/);
}

async function accountSignIn(
  page: Page,
  who: { username: string; password: string; key: string },
  desk: string,
  home: RegExp,
) {
  // Room for waiting a few steps.
  test.info().setTimeout(test.info().timeout + 180_000);
  await page.goto(desk);
  await page.locator("#username").fill(who.username);
  await page.locator("#password").fill(who.password);
  await page.locator("main form button[type=submit]").click();
  await expect(page).toHaveURL(new RegExp(`${desk}/two-factor`));
  for (let round = 0; round < 6; round++) {
    for (const ahead of [0, 30_000]) {
      await page.locator("#code").fill(totp(who.key, Date.now() + ahead));
      await page.locator("main form button[type=submit]").click();
      await page.waitForLoadState();
      if (home.test(page.url())) return;
    }
    await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  }
  throw new Error(`${who.username}: no code accepted`);
}

/** No serious or critical WCAG 2.x A/AA violation (axe runs in the page: JavaScript on, and a
 *  page from a context of its own). */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious).toEqual([]);
}
