//! `--json` output: one pretty-printed JSON document on stdout, two-space indented as the
//! `nats` CLI writes it, never coloured.

use anyhow::Context;
use serde::Serialize;

/// Renders `value` as indented JSON followed by a newline.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value).context("cannot encode JSON")?;
    text.push('\n');
    Ok(text)
}

/// Prints `value` as indented JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    print!("{}", to_json(value)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_two_space_indented_with_a_final_newline() {
        let value = serde_json::json!({"name": "local", "selected": true});
        assert_eq!(
            to_json(&value).expect("encodes"),
            "{\n  \"name\": \"local\",\n  \"selected\": true\n}\n"
        );
    }
}
