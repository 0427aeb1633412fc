//! The crate's layers (README "Code map"): each layer uses only the layers above it. Checked on
//! the sources, so a new `use` that points downwards fails here instead of in review.

use std::path::{Path, PathBuf};

/// (directory under src/, module paths it must not name).
const RULES: &[(&str, &[&str])] = &[
    (
        "formats",
        &[
            "crate::analysis",
            "crate::render",
            "crate::serial",
            "crate::cli",
            "crate::testkit",
        ],
    ),
    (
        "analysis",
        &[
            "crate::render",
            "crate::serial",
            "crate::cli",
            "crate::testkit",
        ],
    ),
    ("render", &["crate::serial", "crate::cli", "crate::testkit"]),
    (
        "serial",
        &["crate::analysis", "crate::render", "crate::cli"],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Code lines naming `path` (comments and doc comments do not count; test modules do not
/// either: everything from `#[cfg(test)]` on).
fn offending_lines(text: &str, path: &str) -> Vec<usize> {
    let mut hits = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let code = t.split("//").next().unwrap_or("");
        if code.contains(&format!("{path}::")) || code.contains(&format!("{path};")) {
            hits.push(i + 1);
        }
    }
    hits
}

#[test]
fn each_layer_uses_only_the_layers_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    for (layer, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources under src/{layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read source");
            for path in *forbidden {
                for line in offending_lines(&text, path) {
                    bad.push(format!("{}:{line} names {path}", f.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "layer rule broken:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_a_downward_use_and_ignores_comments_and_tests() {
    let text = "//! see crate::analysis::x\nuse crate::analysis::inspect;\n\
                let a = 1; // crate::analysis::y\n#[cfg(test)]\nuse crate::analysis::z;\n";
    assert_eq!(offending_lines(text, "crate::analysis"), vec![2]);
}
