//! Every parser of outside input, fed arbitrary and near-miss text: it never panics, a
//! refusal always has a message to show, and what it accepts reads back to the same value.
//! (QR-link paths and session tokens are fuzzed in `auth`, exchange calls in `paynl`,
//! import files in `import`.)

use std::fmt::Display;
use std::str::FromStr;

use domain::{DossierNumber, Email, Iban, KvkNumber, Money, Phone, Postcode, Secret, VatNumber};
use proptest::prelude::*;

/// Text people (or attackers) type: anything printable, or pieces of the right alphabet.
fn typed(alphabet: &'static str) -> BoxedStrategy<String> {
    prop_oneof![
        "\\PC{0,40}",
        proptest::string::string_regex(&format!("[{alphabet}]{{0,40}}")).unwrap(),
        any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
}

/// Parsing never panics; an error explains itself; an accepted value's canonical text
/// parses back to the same value.
fn check<T, E>(input: &str) -> Result<(), TestCaseError>
where
    T: FromStr<Err = E> + Display + PartialEq + std::fmt::Debug,
    E: Display,
{
    match input.parse::<T>() {
        Ok(value) => {
            let again: Result<T, E> = value.to_string().parse();
            prop_assert!(again.is_ok(), "{input:?} → {value} does not parse again");
            prop_assert_eq!(again.ok(), Some(value));
        }
        Err(e) => prop_assert!(
            !e.to_string().trim().is_empty(),
            "empty error for {input:?}"
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn money_amounts(input in typed("0-9.,€ +\\-eE")) {
        match Money::parse(&input) {
            Ok(m) => prop_assert!(m.cents() >= 0, "{input:?} gave a negative amount"),
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }

    #[test]
    fn dossier_numbers(input in typed("ISBisb0-9\\- ")) {
        check::<DossierNumber, _>(&input)?;
    }

    #[test]
    fn secrets(input in typed("A-Za-z0-9\\- ")) {
        // A secret's Display masks it; its canonical form is `expose`.
        match input.parse::<Secret>() {
            Ok(secret) => {
                let again: Secret = secret.expose().parse().expect("canonical form parses");
                prop_assert_eq!(again.expose(), secret.expose());
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }

    #[test]
    fn emails(input in typed("a-z0-9@.+_\\- ")) {
        check::<Email, _>(&input)?;
    }

    #[test]
    fn postcodes(input in typed("0-9A-Za-z ")) {
        check::<Postcode, _>(&input)?;
    }

    #[test]
    fn phone_numbers(input in typed("0-9+()\\- ")) {
        check::<Phone, _>(&input)?;
    }

    #[test]
    fn kvk_numbers(input in typed("0-9 ")) {
        check::<KvkNumber, _>(&input)?;
    }

    #[test]
    fn vat_numbers(input in typed("NLnlBb0-9. ")) {
        check::<VatNumber, _>(&input)?;
    }

    #[test]
    fn ibans(input in typed("A-Za-z0-9 ")) {
        check::<Iban, _>(&input)?;
    }
}
