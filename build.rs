//! Generates the low-level client from `openapi/plugin-integrations.json`
//! with progenitor and writes it, pretty-printed, to `$OUT_DIR/generated.rs`.
//!
//! The hand-written types in `src/` replace the spec's schemas of the same
//! meaning, so the generated client carries them directly (see `REPLACED`).

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::{env, fs};

use openapiv3::{OpenAPI, ReferenceOr};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};

const SPEC: &str = "openapi/plugin-integrations.json";

/// Spec schemas served by hand-written types: (schema name, Rust path, traits
/// the hand-written type implements beyond the derives typify expects).
const REPLACED: &[(&str, &str, &[TypeImpl])] = &[
    ("ConnectionState", "crate::ConnectionState", &[]),
    ("Connection", "crate::Connection", &[]),
    ("Integration", "crate::Integration", &[]),
    ("NewIntegration", "crate::NewIntegration", &[]),
    ("IntegrationUpdate", "crate::IntegrationUpdate", &[]),
    ("IntegrationStatus", "crate::IntegrationStatus", &[]),
    ("ButtonDefaults", "crate::InitialButton", &[]),
    ("ActionEndpoint", "crate::Action", &[]),
    ("CallbackHeaders", "crate::CallbackHeaders", &[]),
];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    if let Err(message) = run() {
        // A plain exit keeps cargo's output to the message instead of a
        // panic backtrace from the build script.
        eprintln!("error: cannot generate the client from {SPEC}: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let text = fs::read_to_string(SPEC).map_err(|error| format!("cannot read the file: {error}"))?;
    let spec: OpenAPI =
        serde_json::from_str(&text).map_err(|error| format!("not a valid OpenAPI 3.0 document: {error}"))?;

    let mut code = match generate(&spec) {
        Ok(code) => code,
        Err(whole) => return Err(explain_failure(&spec, whole)),
    };
    code.push_str(&operation_table(&spec));

    let out = Path::new(&env::var("OUT_DIR").map_err(|error| error.to_string())?).join("generated.rs");
    fs::write(&out, code).map_err(|error| format!("cannot write {}: {error}", out.display()))
}

/// Emits `OPERATIONS`, every operation's snake-case id (as progenitor passes
/// it to the hooks), method and path template, and a lookup function.
fn operation_table(spec: &OpenAPI) -> String {
    let mut rows = String::new();
    for (path, method, operation) in spec.operations() {
        let id = operation.operation_id.as_deref().unwrap_or_default();
        rows.push_str(&format!(
            "    ({:?}, {:?}, {:?}),\n",
            snake_case(id),
            method.to_uppercase(),
            path
        ));
    }
    format!(
        "\n/// Every operation of the spec: (operation id in snake case, method, path template).\n\
         pub const OPERATIONS: &[(&str, &str, &str)] = &[\n{rows}];\n\n\
         /// The path template of an operation, such as `/plugin-integrations/{{id}}`,\n\
         /// or the operation id itself when the spec has no such operation.\n\
         pub fn path_template(operation: &str) -> &str {{\n\
         \x20   OPERATIONS\n\
         \x20       .iter()\n\
         \x20       .find(|(id, _, _)| *id == operation)\n\
         \x20       .map_or(operation, |(_, _, path)| path)\n\
         }}\n"
    )
}

fn snake_case(camel: &str) -> String {
    let mut snake = String::with_capacity(camel.len() + 4);
    for character in camel.chars() {
        if character.is_ascii_uppercase() {
            if !snake.is_empty() {
                snake.push('_');
            }
            snake.push(character.to_ascii_lowercase());
        } else {
            snake.push(character);
        }
    }
    snake
}

fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote_path("crate::transport::Transport"));
    for (schema, rust_path, impls) in REPLACED {
        settings.with_replacement(schema, rust_path, impls.iter().cloned());
    }
    settings
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a Rust path is a valid token stream")
}

/// Runs progenitor on `spec` and returns pretty-printed Rust source.
///
/// progenitor 0.15 panics on some specs (for example one status group that
/// mixes a JSON body with an empty one), so a panic is caught and returned
/// as an error like any other generation failure.
fn generate(spec: &OpenAPI) -> Result<String, String> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut generator = Generator::new(&settings());
        generator.generate_tokens(spec).map_err(|error| error.to_string())
    }));
    panic::set_hook(previous_hook);

    let tokens = match result {
        Ok(tokens) => tokens?,
        Err(payload) => return Err(panic_message(payload.as_ref())),
    };
    let file = syn::parse2::<syn::File>(tokens)
        .map_err(|error| format!("generated code does not parse: {error}"))?;
    Ok(prettyplease::unparse(&file))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("progenitor panicked: {text}")
}

/// Finds the operations that fail on their own, so the message names them
/// instead of only repeating progenitor's error for the whole document.
fn explain_failure(spec: &OpenAPI, whole: String) -> String {
    let mut culprits = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            let mut single = spec.clone();
            let mut only = item.clone();
            for (other, _) in item.iter() {
                if other != method {
                    clear_method(&mut only, other);
                }
            }
            single.paths.paths.clear();
            single.paths.paths.insert(path.clone(), ReferenceOr::Item(only));
            if let Err(error) = generate(&single) {
                let id = operation.operation_id.as_deref().unwrap_or("(no operationId)");
                culprits.push(format!(
                    "operation {id} ({} {path}): {error}",
                    method.to_uppercase()
                ));
            }
        }
    }

    if culprits.is_empty() {
        whole
    } else {
        culprits.join("; ")
    }
}

fn clear_method(item: &mut openapiv3::PathItem, method: &str) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        "trace" => &mut item.trace,
        _ => return,
    };
    *slot = None;
}
