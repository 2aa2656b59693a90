//! `-H key:value` flags: parsed into headers, values may use templates.

use anyhow::{anyhow, Context as _};

use super::template::{Template, Vars};

/// Header flags parsed once, rendered per message.
#[derive(Debug, Clone, Default)]
pub struct HeaderTemplates {
    items: Vec<(String, Template)>,
}

impl HeaderTemplates {
    /// Parses `key:value` strings; the value is a template.
    pub fn parse(flags: &[String]) -> anyhow::Result<HeaderTemplates> {
        let mut items = Vec::new();
        for flag in flags {
            let (key, value) = flag
                .split_once(':')
                .ok_or_else(|| anyhow!("invalid header {flag:?}: expected key:value"))?;
            let key = key.trim();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(anyhow!("invalid header name in {flag:?}"));
            }
            let template =
                Template::parse(value.trim()).with_context(|| format!("header {key}"))?;
            items.push((key.to_string(), template));
        }
        Ok(HeaderTemplates { items })
    }

    /// Whether no headers were given.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The headers for one message.
    pub fn render(&self, vars: Vars<'_>) -> async_nats::HeaderMap {
        let mut map = async_nats::HeaderMap::new();
        for (key, template) in &self.items {
            map.append(key.as_str(), template.render(vars).as_str());
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders_key_value_flags() {
        let h = HeaderTemplates::parse(&["a: x{{Count}}".into(), "b:y".into()]).expect("parses");
        let map = h.render(Vars {
            count: 4,
            now_nanos: 0,
            request: "",
            zone: &crate::cli::format::Zone::utc(),
        });
        assert_eq!(map.get("a").map(|v| v.as_str()), Some("x4"));
        assert_eq!(map.get("b").map(|v| v.as_str()), Some("y"));
        assert!(HeaderTemplates::parse(&["novalue".into()]).is_err());
        assert!(HeaderTemplates::parse(&[" :v".into()]).is_err());
    }
}
