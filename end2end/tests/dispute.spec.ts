import { test, expect } from "@playwright/test";
import { DEMO, STAFF, expectNoOverflow, signIn, staffSignIn } from "./helpers";

// The business dossier: the dispute is filed and rejected on the same day, so no day of
// interest is paused and the figures other specs check on this dossier do not move.
test("a debtor disputes an invoice with proof on a phone, staff acknowledge and answer, the debtor sees it", async ({ browser }, info) => {
  const debtor = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await signIn(debtor, DEMO.business);
  await debtor.getByTestId("disputes-link").click();
  await expect(debtor).toHaveURL(/\/dossier\/disputes$/);
  await expectNoOverflow(debtor);

  // A file that is no PDF is refused next to the field; the typed text stays.
  const explanation = `Factuur VD/2026/0412 is al betaald (e2e ${Date.now()}).`;
  await debtor.getByLabel("Waar gaat het over?").selectOption({ label: "Factuur VD/2026/0412" });
  await debtor.getByLabel("Ik heb al betaald").check();
  await debtor.getByLabel("Uw uitleg").fill(explanation);
  await debtor.getByLabel(/Bijlagen/).setInputFiles({
    name: "betaling.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("<html><script>alert(1)</script></html>"),
  });
  await debtor.getByTestId("submit-dispute").click();
  await expect(debtor.getByTestId("files-error")).toContainText("is geen PDF, JPG of PNG");
  await expect(debtor.getByLabel("Uw uitleg")).toHaveValue(explanation);

  // With a real PDF it is filed and shown as received.
  await debtor.getByLabel("Waar gaat het over?").selectOption({ label: "Factuur VD/2026/0412" });
  await debtor.getByLabel("Ik heb al betaald").check();
  await debtor.getByLabel(/Bijlagen/).setInputFiles({
    name: "betaalbewijs.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"),
  });
  await debtor.getByTestId("submit-dispute").click();
  await expect(debtor.getByTestId("dispute-filed")).toBeVisible();
  const item = debtor.getByTestId("dispute-item").filter({ hasText: explanation });
  await expect(item).toHaveAttribute("data-status", "open");
  await expect(item.getByRole("link", { name: "betaalbewijs.pdf" })).toBeVisible();
  await expectNoOverflow(debtor);
  await debtor.screenshot({ path: `screenshots/${info.project.name}-dispute-filed-nl.png`, fullPage: true });

  // Staff acknowledge and answer.
  const staff = await browser.newPage({ viewport: { width: 360, height: 780 } });
  await staffSignIn(staff, STAFF.agent);
  await staff.getByRole("link", { name: "Bezwaren en klachten" }).click();
  await expect(staff).toHaveURL(/\/staff\/disputes/);
  const card = staff.getByTestId("dispute-card").filter({ hasText: explanation });
  await expect(card).toBeVisible();
  await expectNoOverflow(staff);
  await card.getByLabel(/Bericht bij de bevestiging/).fill("Wij zoeken uw betaling op.");
  await card.getByTestId("ack-dispute").click();
  await expect(staff.getByTestId("dispute-done")).toContainText("Ontvangst bevestigd");
  const again = staff.getByTestId("dispute-card").filter({ hasText: explanation });
  await again.getByLabel(/Ongegrond/).check();
  await again.getByLabel("Uw antwoord met redenen").fill("Wij vinden geen betaling op deze factuur.");
  await again.getByTestId("decide-dispute").click();
  await expect(staff.getByTestId("dispute-done")).toContainText("Besluit vastgelegd");
  await staff.screenshot({ path: `screenshots/${info.project.name}-staff-disputes-nl.png`, fullPage: true });

  // The debtor sees the acknowledgement and the answer.
  await debtor.goto("/dossier/disputes");
  const decided = debtor.getByTestId("dispute-item").filter({ hasText: explanation });
  await expect(decided).toHaveAttribute("data-status", "decided");
  await expect(decided).toContainText("Wij zoeken uw betaling op.");
  await expect(decided.getByTestId("dispute-answer")).toContainText("Wij vinden geen betaling op deze factuur.");
  await expectNoOverflow(debtor);
});
