//! Both languages have every text, with the same placeholders: a key missing in one of
//! `locales/{nl,en}.json`, or a `{{ name }}` that only one of them fills in, fails here.

use serde_json::Value;
use std::collections::BTreeMap;

/// Every text in a locale file by its dotted key.
fn texts(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("locale file"))
        .expect("locale JSON");
    let mut out = BTreeMap::new();
    flatten("", &json, &mut out);
    out
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => panic!("{prefix}: not a text: {other}"),
    }
}

/// The `{{ name }}` placeholders of a text, sorted.
fn placeholders(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(name, _)| name.trim().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn dutch_and_english_have_the_same_keys() {
    let nl = texts("nl");
    let en = texts("en");
    let only_nl: Vec<_> = nl.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !nl.contains_key(*k)).collect();
    assert!(
        only_nl.is_empty() && only_en.is_empty(),
        "missing in en: {only_nl:?}; missing in nl: {only_en:?}"
    );
    assert!(nl.len() > 100, "the locale files were read");
}

#[test]
fn both_languages_fill_in_the_same_placeholders_and_no_text_is_blank() {
    let nl = texts("nl");
    let en = texts("en");
    for (key, dutch) in &nl {
        let english = &en[key];
        assert_eq!(
            placeholders(dutch),
            placeholders(english),
            "{key}: placeholders differ between nl and en"
        );
        assert!(
            !dutch.trim().is_empty() && !english.trim().is_empty(),
            "{key} is blank"
        );
    }
}

#[test]
fn placeholders_are_found() {
    assert_eq!(
        placeholders("Betaal {{ amount }} vóór {{date}}, {{ amount }}"),
        ["amount", "date"]
    );
}
