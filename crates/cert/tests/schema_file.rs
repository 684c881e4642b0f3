//! `docs/schema/certificate-v1.schema.json` against the Rust model: the example validates,
//! the schema names exactly the fields the model serialises, every object is closed and
//! lists every field as required, and documents the model refuses are refused by the schema
//! too. The small validator below covers the keywords the schema uses except `pattern` and
//! `format`, whose rules the Rust validation enforces (tested in `validate.rs`).

use std::collections::BTreeSet;

use ardoise_cert::payload::Certificate;
use serde_json::{json, Value};

const SCHEMA: &str = include_str!("../../../docs/schema/certificate-v1.schema.json");

/// Fields older certificates lack (the model reads them with defaults), as dotted paths.
const ADDED_LATER: [&str; 11] = [
    "host_reset",
    "disposition",
    "qc",
    "verification.sample_plan",
    "verification.evidence",
    "host.storage",
    "media.namespaces",
    "host.hardware",
    "host.machine_session",
    "disposition.suggestion",
    "suggested_disposition",
];

fn schema() -> Value {
    serde_json::from_str(SCHEMA).expect("schema is JSON")
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/$defs/").expect("local ref");
            resolve(root, &root["$defs"][name])
        }
        None => node,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_u64() || v.is_i64(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        other => panic!("type {other} not handled"),
    }
}

/// Validates `v` against `node`; pushes "path: problem" strings.
fn validate(root: &Value, node: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let node = resolve(root, node);
    if let Some(any) = node.get("anyOf").and_then(Value::as_array) {
        if !any.iter().any(|alt| {
            let mut e = Vec::new();
            validate(root, alt, v, path, &mut e);
            e.is_empty()
        }) {
            errs.push(format!("{path}: matches no alternative"));
        }
        return;
    }
    if let Some(c) = node.get("const") {
        if c != v {
            errs.push(format!("{path}: must be {c}"));
        }
    }
    if let Some(e) = node.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!("{path}: {v} not in enum"));
        }
    }
    if let Some(t) = node.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("bad type keyword"),
        };
        if !ok {
            errs.push(format!("{path}: wrong type ({v})"));
            return;
        }
    }
    if let Some(n) = v.as_u64().or_else(|| v.as_i64().map(|i| i as u64)) {
        if v.is_i64() && v.as_i64().unwrap() < 0 {
            if let Some(min) = node.get("minimum").and_then(Value::as_i64) {
                if v.as_i64().unwrap() < min {
                    errs.push(format!("{path}: below minimum"));
                }
            }
        } else {
            if let Some(min) = node.get("minimum").and_then(Value::as_u64) {
                if n < min {
                    errs.push(format!("{path}: below minimum"));
                }
            }
            if let Some(max) = node.get("maximum").and_then(Value::as_u64) {
                if n > max {
                    errs.push(format!("{path}: above maximum"));
                }
            }
        }
    }
    if let (Some(s), Some(min)) = (v.as_str(), node.get("minLength").and_then(Value::as_u64)) {
        if (s.chars().count() as u64) < min {
            errs.push(format!("{path}: too short"));
        }
    }
    if let (Some(s), Some(max)) = (v.as_str(), node.get("maxLength").and_then(Value::as_u64)) {
        if (s.chars().count() as u64) > max {
            errs.push(format!("{path}: too long"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = node["properties"].as_object();
        if let Some(req) = node.get("required").and_then(Value::as_array) {
            for r in req {
                if !obj.contains_key(r.as_str().unwrap()) {
                    errs.push(format!("{path}.{}: missing", r.as_str().unwrap()));
                }
            }
        }
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => validate(root, sub, val, &format!("{path}.{k}"), errs),
                None => {
                    if node.get("additionalProperties") == Some(&Value::Bool(false)) {
                        errs.push(format!("{path}.{k}: unknown field"));
                    }
                }
            }
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(max) = node.get("maxItems").and_then(Value::as_u64) {
            if items.len() as u64 > max {
                errs.push(format!("{path}: too many items"));
            }
        }
        if let Some(item_schema) = node.get("items") {
            for (i, it) in items.iter().enumerate() {
                validate(root, item_schema, it, &format!("{path}[{i}]"), errs);
            }
        }
    }
}

fn check(doc: &Value) -> Vec<String> {
    let root = schema();
    let mut errs = Vec::new();
    validate(&root, &root, doc, "", &mut errs);
    errs
}

/// The example with every array holding at least one element, so every path appears.
fn full_example() -> Value {
    let mut c = Certificate::example();
    c.issuer.key_id = "ab".repeat(32);
    let mut v = serde_json::to_value(&c).unwrap();
    v["outcome"]["status"] = json!("erased_with_exceptions");
    v["outcome"]["exceptions"] = json!([{"code": "hpa-not-removed", "detail": "drive frozen"}]);
    // Written only when no disposition is recorded; here so that its paths appear.
    v["suggested_disposition"] = v["disposition"]["suggestion"].clone();
    v["media"]["namespaces"] = json!([
        {"nsid": 1, "device": "/dev/nvme0n1", "capacity_bytes": 256060514304u64,
         "nguid": "002538b7f1b2c3d4e5f60718293a4b5c", "eui64": null},
        {"nsid": 2, "device": "/dev/nvme0n2", "capacity_bytes": 1073741824, "nguid": null,
         "eui64": "002538b781b2c3d5"}
    ]);
    v
}

#[test]
fn the_example_validates() {
    assert_eq!(check(&full_example()), Vec::<String>::new());
    for mut c in [Certificate::example(), Certificate::example_overwrite()] {
        c.issuer.key_id = "cd".repeat(32);
        assert_eq!(
            check(&serde_json::to_value(&c).unwrap()),
            Vec::<String>::new()
        );
    }
}

fn schema_paths(root: &Value, node: &Value, path: String, out: &mut BTreeSet<String>) {
    let node = resolve(root, node);
    if let Some(any) = node.get("anyOf").and_then(Value::as_array) {
        for alt in any {
            schema_paths(root, alt, path.clone(), out);
        }
        return;
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        let req: BTreeSet<&str> = node["required"]
            .as_array()
            .expect("objects list required fields")
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let mut all: BTreeSet<&str> = props.keys().map(String::as_str).collect();
        // Added after the first certificates: optional for readers, always written.
        let here = path.trim_start_matches('.');
        for f in ADDED_LATER {
            let (parent, field) = f.rsplit_once('.').unwrap_or(("", f));
            if parent == here {
                assert!(all.remove(field), "{f} not in the schema");
            }
        }
        assert_eq!(req, all, "{path}: every field must be required");
        assert_eq!(
            node.get("additionalProperties"),
            Some(&Value::Bool(false)),
            "{path}: objects must be closed"
        );
        for (k, sub) in props {
            let p = format!("{path}.{k}");
            out.insert(p.clone());
            schema_paths(root, sub, p, out);
        }
    }
    if let Some(items) = node.get("items") {
        schema_paths(root, items, format!("{path}[]"), out);
    }
}

fn value_paths(v: &Value, path: String, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, sub) in m {
                let p = format!("{path}.{k}");
                out.insert(p.clone());
                value_paths(sub, p, out);
            }
        }
        Value::Array(items) => {
            for it in items {
                value_paths(it, format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_schema_names_exactly_the_model_fields() {
    let root = schema();
    let mut from_schema = BTreeSet::new();
    schema_paths(&root, &root, String::new(), &mut from_schema);
    let mut from_model = BTreeSet::new();
    value_paths(&full_example(), String::new(), &mut from_model);
    let only_schema: Vec<_> = from_schema.difference(&from_model).collect();
    let only_model: Vec<_> = from_model.difference(&from_schema).collect();
    assert!(
        only_schema.is_empty() && only_model.is_empty(),
        "schema and model differ:\n only in schema: {only_schema:#?}\n only in model: {only_model:#?}"
    );
    assert!(from_schema.len() > 120, "{} paths", from_schema.len());
}

#[test]
fn documents_the_model_refuses_are_refused_by_the_schema() {
    let mut base = full_example();
    // `suggested_disposition` stands only without a disposition (the mutation below).
    base.as_object_mut()
        .unwrap()
        .remove("suggested_disposition");
    let accepted = ardoise_cert::validate::parse_payload(&serde_json::to_vec(&base).unwrap());
    assert!(accepted.is_ok(), "the base must be valid: {accepted:?}");
    type Mutation = (&'static str, Box<dyn Fn(&mut Value)>);
    let mutations: Vec<Mutation> = vec![
        (
            "unknown field",
            Box::new(|v| v["media"]["colour"] = json!("blue")),
        ),
        (
            "missing nullable field",
            Box::new(|v| {
                v["issuer"].as_object_mut().unwrap().remove("siret");
            }),
        ),
        (
            "wrong type",
            Box::new(|v| v["media"]["lba_count"] = json!("many")),
        ),
        (
            "negative",
            Box::new(|v| v["sanitization"]["bytes_written"] = json!(-1)),
        ),
        (
            "bad enum",
            Box::new(|v| v["outcome"]["status"] = json!("mostly")),
        ),
        (
            "bad level",
            Box::new(|v| v["sanitization"]["level_achieved"] = json!("destroy")),
        ),
        (
            "bad schema id",
            Box::new(|v| v["schema"] = json!("ardoise/erasure-certificate/v2")),
        ),
        (
            "null where required",
            Box::new(|v| v["media"]["model"] = Value::Null),
        ),
        (
            "u8 overflow",
            Box::new(|v| v["media"]["health"]["percentage_used"] = json!(300)),
        ),
        (
            "unknown disposition",
            Box::new(|v| v["disposition"]["destination"] = json!("landfill")),
        ),
        (
            "qc rate above 100 %",
            Box::new(|v| v["qc"]["rate_ppm"] = json!(1_000_001)),
        ),
        (
            "unknown qc rule",
            Box::new(|v| v["qc"]["rule"] = json!("operator-choice")),
        ),
        (
            "host reset without attester",
            Box::new(|v| {
                v["host_reset"]
                    .as_object_mut()
                    .unwrap()
                    .remove("attested_by");
            }),
        ),
        (
            "unknown controller issue",
            Box::new(|v| v["host"]["storage"]["controllers"][0]["issue"] = json!("haunted")),
        ),
        (
            "controller without address",
            Box::new(|v| {
                v["host"]["storage"]["controllers"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("address");
            }),
        ),
        (
            "host reset item not boolean",
            Box::new(|v| v["host_reset"]["tpm_cleared"] = json!("yes")),
        ),
        (
            "battery capacity unit unknown",
            Box::new(|v| v["host"]["hardware"]["batteries"][0]["unit"] = json!("wh")),
        ),
        (
            "x86-64 level out of range",
            Box::new(|v| v["host"]["hardware"]["cpu"]["x86_64_level"] = json!(9)),
        ),
        (
            "suggestion reason without detail",
            Box::new(|v| {
                v["disposition"]["suggestion"]["reasons"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("detail");
            }),
        ),
        (
            "suggested disposition without reasons' details",
            Box::new(|v| {
                let mut grade = v["disposition"]["suggestion"].clone();
                grade["reasons"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("detail");
                v["disposition"] = Value::Null;
                v["suggested_disposition"] = grade;
            }),
        ),
        (
            "workshop id too long",
            Box::new(|v| v["issuer"]["workshop_id"] = json!("a".repeat(65))),
        ),
        (
            "namespace without device",
            Box::new(|v| v["media"]["namespaces"][0]["device"] = json!("")),
        ),
        (
            "unknown suggested destination",
            Box::new(|v| v["disposition"]["suggestion"]["destination"] = json!("landfill")),
        ),
    ];
    for (name, m) in mutations {
        let mut v = base.clone();
        m(&mut v);
        assert!(!check(&v).is_empty(), "schema accepted: {name}");
        let bytes = serde_json::to_vec(&v).unwrap();
        assert!(
            ardoise_cert::validate::parse_payload(&bytes).is_err(),
            "model accepted: {name}"
        );
    }
}

#[test]
fn certificates_from_before_the_added_fields_validate() {
    let mut v = full_example();
    // Nested fields first: `disposition.suggestion` before `disposition`.
    for f in ADDED_LATER.iter().rev() {
        let (parent, field) = f.rsplit_once('.').unwrap_or(("", f));
        let node = if parent.is_empty() {
            &mut v
        } else {
            &mut v[parent]
        };
        node.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(check(&v), Vec::<String>::new());
    assert!(ardoise_cert::validate::parse_payload(&serde_json::to_vec(&v).unwrap()).is_ok());
}
