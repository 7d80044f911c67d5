//! The secrets of new dossiers, handed to the letter run.

use std::io::Write;

use domain::{DossierNumber, Secret};

/// A new dossier's secret: printed once on its letter, stored only as an argon2id hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSecret {
    /// The dossier.
    pub dossier: DossierNumber,
    /// Its secret (`Debug` does not show it).
    pub secret: Secret,
}

/// Writes `secrets` as CSV for the mail merge: a header `dossier_number,secret`, then one line
/// per dossier with the secret in its grouped display form (`ABCD-EFGH-JKMN`).
///
/// The output holds sign-in secrets in the clear: write it only where the letter run reads it,
/// and delete it after the letters are printed.
pub fn write_secrets_csv(writer: impl Write, secrets: &[NewSecret]) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(["dossier_number", "secret"])?;
    for new in secrets {
        csv.write_record([new.dossier.to_string(), new.secret.to_string()])?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_written_in_display_form() {
        let secrets = [NewSecret {
            dossier: "ISB-2026-000001".parse().unwrap(),
            secret: "ABCDEFGHJKMN".parse().unwrap(),
        }];
        let mut out = Vec::new();
        write_secrets_csv(&mut out, &secrets).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "dossier_number,secret\nISB-2026-000001,ABCD-EFGH-JKMN\n"
        );
        assert!(!format!("{:?}", secrets[0]).contains("ABCD"));
    }
}
