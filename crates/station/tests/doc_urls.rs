//! Every registry URL the docs tell a workshop to write (boot options, ardoise.toml, the
//! provisioning command) is one the station accepts: normalised, then checked with the
//! certificate's own rule.

use std::path::Path;

use ardoise_cert::validate::{check_registry_url, normalize_registry_url};

/// The URLs written after `ardoise.registry=`, `--registry `, `url = "` and `registry_url = "`.
fn registry_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in [
        "ardoise.registry=",
        "--registry ",
        "url = \"",
        "registry_url = \"",
    ] {
        for (i, _) in text.match_indices(prefix) {
            let rest = &text[i + prefix.len()..];
            let url: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'`|)]".contains(*c))
                .collect();
            if url.contains("://") {
                out.push(url);
            }
        }
    }
    out
}

#[test]
fn every_registry_url_in_the_docs_is_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.push(root.join("README.md"));
    files.push(root.join("image/data/ardoise.toml"));
    files.push(root.join("image/data/boot.cfg"));
    let mut seen = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for url in registry_urls(&text) {
            seen += 1;
            let normal = normalize_registry_url(&url);
            assert_eq!(
                check_registry_url(&normal),
                Ok(()),
                "{}: {url:?} would be refused by the station",
                f.display()
            );
        }
    }
    assert!(seen >= 3, "the docs show registry URLs ({seen} found)");
}

#[test]
fn the_extraction_finds_urls_in_every_form() {
    let t = "ardoise.registry=https://a.example/ --registry http://b.example \
             url = \"https://c.example\" registry_url = \"http://d.example/x\"";
    assert_eq!(
        registry_urls(t),
        [
            "https://a.example/",
            "http://b.example",
            "https://c.example",
            "http://d.example/x"
        ]
    );
}
