//! Body and header templates of `rill pub` and `rill reply`, with the names the `nats` CLI
//! accepts: `{{Count}}` (also `Cnt`, the 1-based message number), `{{Unix}}`, `{{UnixNano}}`,
//! `{{TimeStamp}}` (RFC 3339, local time), `{{Time}}` (`3:04PM`), `{{ID}}` (a unique id),
//! `{{Random min max}}` (random letters and digits, `min` to `max` of them) and, for replies,
//! `{{Request}}` (the request's body). A leading dot is accepted (`{{.Count}}`).
//!
//! A template is parsed once ([`Template::parse`]) and rendered per message with a
//! [`Vars`] carrying the counter and the time, so rendering is a pure function apart from
//! `ID` and `Random`.

use thiserror::Error;

use crate::cli::format::time::{kitchen_in, rfc3339_in};
use crate::cli::format::Zone;

/// Why a template did not parse.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateError {
    /// `{{` without `}}`.
    #[error("unclosed {{{{ in template")]
    Unclosed,
    /// A name the templates do not know.
    #[error("unknown template function {0:?} (known: Count, Unix, UnixNano, TimeStamp, Time, ID, Random, Request)")]
    Unknown(String),
    /// `Random` without two numbers `min <= max`.
    #[error("{{{{Random min max}}}} needs two numbers, min not above max: {0:?}")]
    BadRandom(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Count,
    Unix,
    UnixNano,
    TimeStamp,
    Time,
    Id,
    Random(usize, usize),
    Request,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

/// What one rendering sees.
#[derive(Debug, Clone, Copy)]
pub struct Vars<'a> {
    /// 1-based message number.
    pub count: u64,
    /// Now, Unix nanoseconds.
    pub now_nanos: i64,
    /// The request body (`reply` only).
    pub request: &'a str,
    /// Zone of `{{TimeStamp}}` and `{{Time}}` (the local one outside tests).
    pub zone: &'a Zone,
}

fn action(text: &str) -> Result<Part, TemplateError> {
    let mut words = text.split_whitespace();
    let name = words.next().unwrap_or("");
    let name = name.strip_prefix('.').unwrap_or(name);
    Ok(match name {
        "Count" | "Cnt" => Part::Count,
        "Unix" => Part::Unix,
        "UnixNano" => Part::UnixNano,
        "TimeStamp" => Part::TimeStamp,
        "Time" => Part::Time,
        "ID" => Part::Id,
        "Request" => Part::Request,
        "Random" => {
            let nums: Vec<usize> = words.filter_map(|w| w.parse().ok()).collect();
            match nums.as_slice() {
                [min, max] if min <= max => Part::Random(*min, *max),
                _ => return Err(TemplateError::BadRandom(text.trim().to_string())),
            }
        }
        other => return Err(TemplateError::Unknown(other.to_string())),
    })
}

fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    // Without OS randomness the "random" text is merely predictable, never wrong.
    let _ = getrandom::fill(&mut buf);
    u64::from_le_bytes(buf)
}

const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `len` random letters and digits.
fn random_text(len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHANUMERIC[(random_u64() % ALPHANUMERIC.len() as u64) as usize]))
        .collect()
}

impl Template {
    /// Parses `text`; text without `{{` is one literal part.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or(TemplateError::Unclosed)?;
            parts.push(action(&after[..end])?);
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// A template that renders `text` as it is (`--no-templates`).
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Text(text.to_string())],
        }
    }

    /// Renders with `vars`.
    pub fn render(&self, vars: Vars<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Count => out.push_str(&vars.count.to_string()),
                Part::Unix => out.push_str(&(vars.now_nanos / 1_000_000_000).to_string()),
                Part::UnixNano => out.push_str(&vars.now_nanos.to_string()),
                Part::TimeStamp => out.push_str(&rfc3339_in(vars.now_nanos, vars.zone)),
                Part::Time => out.push_str(&kitchen_in(vars.now_nanos, vars.zone)),
                Part::Id => out.push_str(&random_text(22)),
                Part::Random(min, max) => {
                    let span = (max - min) as u64 + 1;
                    out.push_str(&random_text(min + (random_u64() % span) as usize));
                }
                Part::Request => out.push_str(vars.request),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_681_000_238_000_000_000;
    static UTC: Zone = Zone::utc();

    fn vars(count: u64) -> Vars<'static> {
        Vars {
            count,
            now_nanos: NOW,
            request: "ping",
            zone: &UTC,
        }
    }

    #[test]
    fn renders_the_seeds_publication_body() {
        let t = Template::parse("publication #{{Count}} @ {{TimeStamp}}").expect("parses");
        assert_eq!(t.render(vars(27)), "publication #27 @ 2023-04-09T00:30:38Z");
    }

    #[test]
    fn every_name_renders() {
        let t = Template::parse("{{.Cnt}} {{Unix}} {{UnixNano}} {{ Time }} {{Request}}")
            .expect("parses");
        assert_eq!(
            t.render(vars(3)),
            format!("3 1681000238 {NOW} 12:30AM ping")
        );
        let id = Template::parse("{{ID}}").expect("parses").render(vars(1));
        assert_eq!(id.len(), 22);
        let r = Template::parse("{{Random 3 5}}")
            .expect("parses")
            .render(vars(1));
        assert!((3..=5).contains(&r.len()), "{r}");
        assert!(r.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn bad_templates_are_refused() {
        assert_eq!(Template::parse("a {{Count"), Err(TemplateError::Unclosed));
        assert_eq!(
            Template::parse("{{Nope}}"),
            Err(TemplateError::Unknown("Nope".into()))
        );
        assert!(matches!(
            Template::parse("{{Random 5 3}}"),
            Err(TemplateError::BadRandom(_))
        ));
        let plain = Template::parse("no actions").expect("parses");
        assert_eq!(plain.render(vars(1)), "no actions");
    }
}
