import { test, expect } from "@playwright/test";
import {
  COUNSELLOR,
  STAFF,
  counsellorSignIn,
  expectAccessible,
  expectNoOverflow,
  fixture,
  signIn,
  staffSignIn,
  totp,
} from "./helpers";

// A debt counsellor's access (issue 21) on a 360 px phone: the debtor makes a code, the
// counsellor makes an account with it, sets up the second step, acts for the debtor, and the
// debtor sees every view and ends the access in one click. And without JavaScript: a municipal
// counsellor asks staff, who grant it with a note. Dossiers of their own
// (end2end/fixtures/dossiers.csv).

const phone = { viewport: { width: 360, height: 780 } };

test("a debtor lets a counsellor in, sees what they did and ends it", async ({ browser }, info) => {
  const shot = (name: string) => `screenshots/${info.project.name}-counsellor-${name}.png`;
  const who = fixture("ISB-2026-900007");
  const debtor = await (await browser.newContext(phone)).newPage();
  await signIn(debtor, who);
  await debtor.getByTestId("access-link").click();
  await expect(debtor).toHaveURL(/\/dossier\/access$/);
  await expect(debtor.getByTestId("no-grants")).toBeVisible();
  // A malformed address is told by its field.
  await debtor.getByLabel("E-mailadres van uw hulpverlener (niet verplicht)").fill("geen-adres");
  await debtor.getByTestId("invite").click();
  await expect(debtor.locator("#email-error")).toBeVisible();
  await debtor.getByLabel("E-mailadres van uw hulpverlener (niet verplicht)").fill("");
  await debtor.getByLabel(/ook mijn persoonsgegevens zien/).check();
  await debtor.getByLabel("Organisatie (niet verplicht)").fill("Schuldhulp Noord");
  await debtor.getByTestId("invite").click();
  const code = (await debtor.getByTestId("invitation-code").innerText()).trim();
  expect(code).toMatch(/^[2-9A-Z]{4}(-[2-9A-Z]{4}){3}$/);
  await expect(debtor.getByTestId("invitation")).toContainText("Schuldhulp Noord");
  await expectNoOverflow(debtor);
  await expectAccessible(debtor);
  await debtor.screenshot({ path: shot("code-nl"), fullPage: true });

  // The counsellor makes an account with the code, then signs in and sets up the app.
  const counsellor = await (await browser.newContext(phone)).newPage();
  await counsellor.goto("/counsellor/join");
  await expectAccessible(counsellor);
  const username = `hulp-${Date.now()}`;
  const password = "hulpverlener-wachtwoord";
  await counsellor.locator("#code").fill(code.toLowerCase());
  await counsellor.getByLabel("Uw naam").fill("Noor Helper");
  await counsellor.getByLabel("Organisatie (niet verplicht)").fill("Schuldhulp Noord");
  await counsellor.getByLabel("Uw e-mailadres op het werk").fill("noor@schuldhulp-noord.example");
  await counsellor.getByLabel("Gebruikersnaam").fill(username);
  await counsellor.getByLabel("Wachtwoord (minstens 12 tekens)").fill(password);
  await counsellor.screenshot({ path: shot("join-nl"), fullPage: true });
  await counsellor.getByTestId("join").click();
  await expect(counsellor).toHaveURL(/\/counsellor\?joined=1/);
  await counsellor.locator("#username").fill(username);
  await counsellor.locator("#password").fill(password);
  await counsellor.locator("main form button[type=submit]").click();
  await expect(counsellor).toHaveURL(/\/counsellor\/two-factor/);
  const key = (await counsellor.getByTestId("totp-secret").innerText()).trim();
  await expectNoOverflow(counsellor);
  await counsellor.locator("#code").fill(totp(key));
  await counsellor.locator("main form button[type=submit]").click();
  await expect(counsellor).toHaveURL(/\/counsellor\/dossiers/);
  await expect(counsellor.getByTestId("counsellor-dossier")).toContainText(who.number);
  await expectNoOverflow(counsellor);
  await expectAccessible(counsellor);
  await counsellor.screenshot({ path: shot("home-nl"), fullPage: true });

  // Acting for the debtor: the overview says who they are; the plan and personal data open.
  await counsellor.getByRole("button", { name: `Open ${who.number}` }).click();
  await expect(counsellor).toHaveURL(/\/dossier$/);
  await expect(counsellor.getByTestId("acting-banner")).toContainText("Noor Helper (Schuldhulp Noord)");
  await expect(counsellor.getByTestId("messages-link")).toHaveCount(0);
  await expectNoOverflow(counsellor);
  await expectAccessible(counsellor);
  await counsellor.screenshot({ path: shot("acting-nl"), fullPage: true });
  await counsellor.goto("/dossier/plan");
  await expect(counsellor.locator("main h1").first()).toBeVisible();
  await counsellor.goto("/dossier/data");
  await expect(counsellor).toHaveURL(/\/dossier\/data$/);
  await counsellor.goto("/dossier/messages");
  await expect(counsellor).toHaveURL(/\/dossier$/);

  // The debtor sees who and what, and ends it in one click.
  await debtor.goto("/dossier/access");
  await expect(debtor.getByTestId("grant")).toContainText("Noor Helper");
  const activity = debtor.getByTestId("counsellor-activity");
  await expect(activity).toContainText("bekeek het overzicht van de vordering");
  await expect(activity).toContainText("bekeek uw persoonsgegevens");
  await expectNoOverflow(debtor);
  await debtor.screenshot({ path: shot("activity-nl"), fullPage: true });
  await debtor.getByTestId("revoke").click();
  await expect(debtor.locator("p.notice[role=status]")).toContainText("De toegang is ingetrokken");
  await expect(debtor.getByTestId("no-grants")).toBeVisible();
  await counsellor.goto("/dossier");
  await expect(counsellor).not.toHaveURL(/\/dossier$/);
  for (const p of [debtor, counsellor]) await p.context().close();
});

test("without JavaScript a municipal counsellor asks staff, who grant it with a note", async ({ browser }, info) => {
  const shot = (name: string) => `screenshots/${info.project.name}-counsellor-${name}.png`;
  const who = fixture("ISB-2026-900008");
  const counsellor = await (await browser.newContext({ ...phone, javaScriptEnabled: false })).newPage();
  await counsellorSignIn(counsellor, COUNSELLOR);
  // The reason is required: told by its field, the number kept.
  await counsellor.getByLabel("Dossiernummer").fill(who.number);
  await counsellor.getByTestId("request").click();
  await expect(counsellor.locator("#reason-error")).toBeVisible();
  await expect(counsellor.getByLabel("Dossiernummer")).toHaveValue(who.number);
  await counsellor.getByLabel("Waarom vraagt u toegang?").fill("Intake schuldhulp Demodam, cliënt is akkoord");
  await counsellor.getByTestId("request").click();
  await expect(counsellor.locator("p.notice[role=status]")).toContainText("Uw verzoek is ontvangen");
  await expect(counsellor.getByTestId("access-request")).toContainText(who.number);
  await expectNoOverflow(counsellor);
  await counsellor.screenshot({ path: shot("request-nojs-nl"), fullPage: true });

  const staff = await (await browser.newContext(phone)).newPage();
  await staffSignIn(staff, STAFF.admin);
  await staff.goto("/staff/counsellors");
  const item = staff.locator(`[data-testid=access-request-review][data-dossier="${who.number}"]`);
  await expect(item).toContainText("Intake schuldhulp Demodam");
  await item.getByRole("button", { name: "Toestaan" }).click();
  await expect(staff.locator(".field-error")).toContainText("Schrijf een toelichting");
  await staff
    .locator(`[data-testid=access-request-review][data-dossier="${who.number}"] textarea`)
    .fill("Gemeente Demodam bevestigde de intake telefonisch");
  await staff
    .locator(`[data-testid=access-request-review][data-dossier="${who.number}"]`)
    .getByRole("button", { name: "Toestaan" })
    .click();
  await expect(staff.locator("p.notice[role=status]")).toContainText("Toegang is gegeven");
  await expectNoOverflow(staff);
  await expectAccessible(staff);
  await staff.screenshot({ path: shot("staff-nl"), fullPage: true });

  await counsellor.goto("/counsellor/dossiers");
  await counsellor.getByRole("button", { name: `Open ${who.number}` }).click();
  await expect(counsellor.getByTestId("acting-banner")).toContainText("Schuldhulp Demodam");
  await counsellor.goto("/dossier/data");
  await expect(counsellor).toHaveURL(/\/dossier$/);

  const debtor = await (await browser.newContext({ ...phone, javaScriptEnabled: false })).newPage();
  await signIn(debtor, who);
  await debtor.goto("/dossier/access");
  await expect(debtor.getByTestId("grant")).toContainText("Op verzoek van de gemeente");
  await expect(debtor.getByTestId("counsellor-activity")).toContainText("vroeg ons om toegang");
  await expectNoOverflow(debtor);
  await debtor.screenshot({ path: shot("debtor-nojs-nl"), fullPage: true });
  for (const p of [counsellor, staff, debtor]) await p.context().close();
});
