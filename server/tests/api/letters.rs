//! The letter run: links, QR codes and secrets that work when a debtor uses them.

use crate::common;

use common::{client, dossier_with_secret, session_cookie, sign_in_form, start};
use server::letters::{CSV_NAME, LetterRun, run};
use std::collections::HashMap;

fn read_csv(dir: &std::path::Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(dir.join(CSV_NAME)).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .map(str::to_owned)
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_letter_run_gives_new_dossiers_a_secret_and_every_dossier_a_working_link() {
    let app = start().await;
    dossier_with_secret(&app.store, "ISB-2026-000001", "ABCD-EFGH-JKMN").await;
    // A dossier without a secret yet (as after an import before the first letter).
    let fresh = app
        .store
        .upsert_dossier(
            &store::NewDossier {
                number: "ISB-2026-000002".into(),
                creditor_id: domain::CreditorId::new("webshop"),
                status: store::DossierStatus::Open,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("dossier")
        .into_inner();
    assert!(fresh.secret_hash.is_none());

    let out = tempfile::tempdir().expect("out");
    let letters = LetterRun {
        dossiers: None,
        out: out.path().to_owned(),
        rotate_secret: false,
        valid_days: 90,
        overwrite: false,
    };
    let report = run(&app.services, &app.base, &letters)
        .await
        .expect("letters");
    assert_eq!((report.letters, report.new_secrets), (2, 1));
    let rows = read_csv(out.path());
    assert_eq!(rows.len(), 2);
    let old = rows
        .iter()
        .find(|r| r["dossier_number"] == "ISB-2026-000001")
        .expect("row");
    let new = rows
        .iter()
        .find(|r| r["dossier_number"] == "ISB-2026-000002")
        .expect("row");
    assert_eq!(old["secret"], "", "an existing secret is not reissued");
    assert_eq!(new["secret"].len(), 14, "grouped secret: {}", new["secret"]);
    let png = std::fs::read(out.path().join(&new["qr_png"])).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
    let svg = std::fs::read_to_string(out.path().join(&new["qr_svg"])).expect("svg");
    assert!(svg.contains("<svg"));

    // The printed secret signs in; the printed link opens a pay-only session.
    let signed = sign_in_form(&app, "ISB-2026-000002", &new["secret"]).await;
    assert!(session_cookie(&signed).is_some(), "new secret works");
    let opened = client().get(&new["link"]).send().await.expect("link");
    assert_eq!(opened.headers()["location"], "/dossier");
    assert!(session_cookie(&opened).is_some());

    // Codes, names and addresses: readable by the owner only, and a second run into the same
    // folder stops rather than overwrite the first (whose codes may not be printed yet).
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    let csv_path = out.path().join(server::letters::CSV_NAME);
    assert_eq!(mode(&csv_path), 0o600);
    assert_eq!(mode(&out.path().join(&new["qr_png"])), 0o600);
    let first = std::fs::read(&csv_path).expect("csv");
    let again = run(&app.services, &app.base, &letters).await;
    assert!(again.is_err(), "refused without --overwrite");
    assert_eq!(
        std::fs::read(&csv_path).expect("csv"),
        first,
        "the first run's file kept"
    );
}

#[tokio::test]
async fn rotating_secrets_retires_the_old_code_and_its_sessions() {
    let app = start().await;
    dossier_with_secret(&app.store, "ISB-2026-000001", "ABCD-EFGH-JKMN").await;
    let before = session_cookie(&sign_in_form(&app, "ISB-2026-000001", "ABCD-EFGH-JKMN").await)
        .expect("signed in");
    let out = tempfile::tempdir().expect("out");
    let letters = LetterRun {
        dossiers: Some(vec!["isb 2026 000001".into(), "ISB-2026-999999".into()]),
        out: out.path().to_owned(),
        rotate_secret: true,
        valid_days: 90,
        overwrite: false,
    };
    let report = run(&app.services, &app.base, &letters)
        .await
        .expect("letters");
    assert_eq!(report.new_secrets, 1);
    assert_eq!(report.unknown, vec!["ISB-2026-999999".to_owned()]);
    let rows = read_csv(out.path());
    let old = sign_in_form(&app, "ISB-2026-000001", "ABCD-EFGH-JKMN").await;
    assert!(session_cookie(&old).is_none(), "old code no longer works");
    let new = sign_in_form(&app, "ISB-2026-000001", &rows[0]["secret"]).await;
    assert!(session_cookie(&new).is_some());
    let summary = common::summary(&app, Some(&before)).await;
    assert_ne!(summary.status(), 200, "the session from the old code ended");
}
