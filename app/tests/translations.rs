//! Every text exists in every language: a key missing in one file is a bug a debtor would see.

use serde_json::Value;
use std::collections::BTreeSet;

fn keys(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                keys(&path, v, out);
            }
        }
        Value::String(s) => {
            assert!(!s.trim().is_empty(), "empty translation for {prefix}");
            out.insert(prefix.to_owned());
        }
        other => panic!("{prefix}: unexpected translation value {other}"),
    }
}

fn load(lang: &str) -> BTreeSet<String> {
    let path = format!("{}/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = BTreeSet::new();
    keys("", &json, &mut out);
    out
}

#[test]
fn dutch_and_english_have_the_same_keys() {
    let nl = load("nl");
    let en = load("en");
    let only_nl: Vec<_> = nl.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&nl).collect();
    assert!(
        only_nl.is_empty() && only_en.is_empty(),
        "missing in en: {only_nl:?}; missing in nl: {only_en:?}"
    );
    assert!(
        nl.contains("signin.submit"),
        "the sign-in texts are in the files"
    );
}
