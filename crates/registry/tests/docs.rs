//! The documentation follows the code: every API route is in docs/openapi.yaml and
//! docs/registry.md, every refusal code of the parser is in both, and the OpenAPI file has no
//! route the server lacks.

use std::collections::BTreeSet;

const HTTP_RS: &str = include_str!("../src/http.rs");
const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");
const REGISTRY_MD: &str = include_str!("../../../docs/registry.md");

fn routes_in_code() -> BTreeSet<String> {
    // `.route("PATH", …)`, on one line or (as rustfmt wraps long ones) the next.
    HTTP_RS
        .split(".route(")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"'))
        .map(|l| l.split('"').next().unwrap().to_string())
        .collect()
}

fn routes_in_openapi() -> BTreeSet<String> {
    OPENAPI
        .lines()
        .filter(|l| l.starts_with("  /") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':').to_string())
        .collect()
}

#[test]
fn openapi_lists_exactly_the_api_routes() {
    let code = routes_in_code();
    assert!(code.len() > 10, "{code:?}");
    assert_eq!(routes_in_openapi(), code);
}

#[test]
fn registry_md_mentions_every_route_and_refusal() {
    for r in routes_in_code() {
        assert!(
            REGISTRY_MD.contains(&r),
            "docs/registry.md does not mention {r}"
        );
    }
    for (status, code) in ardoise_registry::submit::REJECTION_CODES {
        assert!(
            REGISTRY_MD.contains(&format!("| {status} | `{code}`")),
            "docs/registry.md lacks the row for {status} {code}"
        );
        assert!(OPENAPI.contains(code), "openapi.yaml lacks {code}");
    }
}
