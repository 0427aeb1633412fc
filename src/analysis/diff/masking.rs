//! Secrets in a diff: which strings of either input are secret, and how a report is masked
//! before it is shown (values of class `secret`, secret strings inside line diffs and free text,
//! secret keys of JSON files, files that are secret as a whole).

use super::model::DiffReport;
use crate::analysis::diff::policy as c;
use crate::analysis::diff::policy as names;
use crate::analysis::inspect::InspectReport;
use crate::report::{Class, ConfigItem, MASK};
use serde_json::Value;
use std::collections::BTreeSet;

impl DiffReport {
    /// A copy with every secret masked: values of class `secret`, and secret strings (and
    /// secret JSON keys) inside line diffs.
    pub fn masked(&self) -> Self {
        let mut r = self.clone();
        for ch in &mut r.changes {
            if ch.class == Some(Class::Secret) {
                for v in [&mut ch.a, &mut ch.b].into_iter().flatten() {
                    *v = ConfigItem::new("", v.clone(), Class::Secret, None)
                        .masked()
                        .value;
                }
            }
            if let Some(ld) = &mut ch.lines {
                for l in ld.hunks.iter_mut().flat_map(|h| h.lines.iter_mut()) {
                    if let Some(m) = l.masked.take() {
                        l.text = m;
                    }
                    l.text = mask_text(&l.text, &self.secrets);
                }
            }
            for v in [&mut ch.a, &mut ch.b].into_iter().flatten() {
                mask_value(v, &self.secrets);
            }
        }
        r.secrets.clear();
        r
    }
}

/// Replace every secret string in `s` with [`MASK`].
pub(super) fn mask_text(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    for sec in secrets {
        if out.contains(sec.as_str()) {
            out = out.replace(sec.as_str(), MASK);
        }
    }
    out
}

fn mask_value(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => {
            *s = mask_text(s, secrets);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_value(x, secrets)),
        Value::Object(o) => o.values_mut().for_each(|x| mask_value(x, secrets)),
        _ => {}
    }
}

/// Secret strings of both inputs, longest first (so a longer secret is masked before a part of it).
pub(super) fn collect_secrets(ra: &InspectReport, rb: &InspectReport) -> Vec<String> {
    let mut set = BTreeSet::new();
    for it in ra
        .config
        .iter()
        .chain(&rb.config)
        .flat_map(|s| &s.items)
        .filter(|i| i.class == Class::Secret)
    {
        add_secret_strings(&it.value, &mut set);
    }
    let mut v: Vec<String> = set.into_iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

/// Every string of a secret value (arrays of passwords included), also as it appears in JSON.
fn add_secret_strings(v: &Value, set: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if s.chars().count() >= c::MIN_SECRET_LEN && s != MASK => {
            set.insert(s.clone());
            if let Ok(j) = serde_json::to_string(s) {
                let inner = j.trim_matches('"').to_string();
                if inner != *s {
                    set.insert(inner);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| add_secret_strings(x, set)),
        Value::Object(o) => o.values().for_each(|x| add_secret_strings(x, set)),
        _ => {}
    }
}
pub(super) fn is_secret_file(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    names::SECRET_FILES.contains(&base.as_str())
        || names::SECRET_FILE_SUFFIXES
            .iter()
            .any(|s| base.ends_with(s))
}

/// Mask secret values of a parsed JSON document in place (keys classified as Mongoose OS does).
pub(super) fn mask_json(v: &mut Value, path: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let secret = crate::analysis::profile::REGISTRY
                    .iter()
                    .any(|x| x.secret_key(&p));
                match x {
                    Value::String(s) if secret && !s.is_empty() => *s = MASK.to_string(),
                    Value::Number(_) if secret => *x = Value::String(MASK.to_string()),
                    _ => mask_json(x, &p),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_json(x, path)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_masking_by_key() {
        let mut v: Value =
            serde_json::from_str(r#"{"wifi":{"sta":{"ssid":"x","pass":"hunter22"}},"n":1}"#)
                .unwrap();
        mask_json(&mut v, "");
        assert_eq!(v["wifi"]["sta"]["pass"], MASK);
        assert_eq!(v["wifi"]["sta"]["ssid"], "x");
        assert_eq!(v["n"], 1);
    }
}
