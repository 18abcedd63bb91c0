//! The header's comments are the C API's documentation: each function's comment must say
//! who owns what, which errors it returns and what threads may do.

const HEADER: &str = include_str!("../../../include/contactkit.h");

/// Each function declared in the header, with the comment above it.
fn documented_functions() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in HEADER.split("/**").skip(1) {
        let Some((doc, rest)) = chunk.split_once("*/") else {
            continue;
        };
        let declaration = rest.trim_start().split(';').next().unwrap_or_default();
        if declaration.starts_with("typedef") || declaration.starts_with('#') {
            continue;
        }
        let Some(open) = declaration.find('(') else {
            continue;
        };
        let name = declaration[..open].rsplit([' ', '*']).next().unwrap_or_default();
        if name.starts_with("contactkit_") {
            out.push((name.to_owned(), doc.to_lowercase()));
        }
    }
    out
}

#[test]
fn every_function_comment_states_ownership_errors_and_threads() {
    let functions = documented_functions();
    assert!(functions.len() > 40, "found only {} functions", functions.len());
    for (name, doc) in &functions {
        for word in ["ownership", "errors", "threads"] {
            assert!(doc.contains(word), "the comment of {name} does not say `{word}`");
        }
    }
}

#[test]
fn every_function_with_pointer_arguments_states_its_safety_contract() {
    for (name, doc) in documented_functions() {
        let takes_pointers = HEADER
            .split_once(&format!("{name}("))
            .and_then(|(_, rest)| rest.split_once(')'))
            .is_some_and(|(args, _)| args.contains('*'));
        assert!(
            !takes_pointers || doc.contains("# safety"),
            "{name} has no # Safety section"
        );
    }
}
