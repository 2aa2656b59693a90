//! Validation of subject mapping destinations (stream `subject_transform`, source and mirror
//! `subject_transforms`, `republish`), after nats-server's `ValidateMapping`: tokens of the
//! destination are literals, `*`/`>`, legacy `$N` references or `{{function(args)}}`
//! placeholders whose wildcard indexes must exist in the source.
//!
//! This checks the shape only; applying a transform is the stream's business.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

const INVALID: &str = "invalid mapping destination";

fn err(what: &str, token: &str) -> String {
    format!("{INVALID}: {what} in {token}")
}

/// Checks that `dest` is a valid mapping destination for `src`; the error text is
/// nats-server's (`invalid mapping destination: unknown function in {{foo(1)}}`).
/// An empty `dest` means "no transform" and is valid.
pub fn validate_mapping(src: &str, dest: &str) -> Result<(), String> {
    if dest.is_empty() {
        return Ok(());
    }
    let src_wildcards = if src.is_empty() {
        0
    } else {
        src.split('.').filter(|t| *t == "*").count()
    };
    let mut after_fwc = false;
    for token in dest.split('.') {
        // Placeholders may contain spaces (`{{ wildcard(1) }}`); other tokens may not.
        let spaced = !token.contains("{{") && token.contains([' ', '\t', '\n', '\r', '\x0c']);
        if token.is_empty() || after_fwc || spaced {
            return Err(err("invalid transform", token));
        }
        if token == ">" {
            after_fwc = true;
        }
        for index in placeholder_indexes(token)? {
            if index < 1 || index > src_wildcards {
                return Err(err("wildcard index out of range", token));
            }
        }
    }
    Ok(())
}

/// The source wildcard indexes a destination token refers to (none for a literal).
fn placeholder_indexes(token: &str) -> Result<Vec<usize>, String> {
    if let Some(digits) = token.strip_prefix('$') {
        return match digits.parse::<usize>() {
            Ok(index) => Ok(alloc::vec![index]),
            Err(_) => Ok(Vec::new()),
        };
    }
    let Some(inner) = token
        .strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .filter(|_| token.len() > 4)
    else {
        return Ok(Vec::new());
    };
    let inner = inner.trim();
    let (name, args) = inner
        .strip_suffix(')')
        .and_then(|t| t.split_once('('))
        .ok_or_else(|| err("unknown function", token))?;
    let args: Vec<&str> = args
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    let int = |a: &str| {
        a.parse::<usize>()
            .map_err(|_| err("function argument(s) cannot be parsed", token))
    };
    let count = |n: usize| match args.len() {
        k if k < n => Err(err("not enough arguments passed to the function", token)),
        k if k > n => Err(err("too many arguments passed to the function", token)),
        _ => Ok(()),
    };
    match name.trim().to_ascii_lowercase().as_str() {
        "wildcard" => {
            count(1)?;
            Ok(alloc::vec![int(args[0])?])
        }
        "partition" => {
            if args.is_empty() {
                return Err(err("not enough arguments passed to the function", token));
            }
            int(args[0])?;
            args[1..].iter().map(|a| int(a)).collect()
        }
        "splitfromleft" | "splitfromright" | "slicefromleft" | "slicefromright" | "left"
        | "right" => {
            count(2)?;
            int(args[1])?;
            Ok(alloc::vec![int(args[0])?])
        }
        "split" => {
            count(2)?;
            Ok(alloc::vec![int(args[0])?])
        }
        "random" => {
            count(1)?;
            int(args[0])?;
            Ok(Vec::new())
        }
        _ => Err(err("unknown function", token)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_destinations_clients_use() {
        for (src, dest) in [
            ("", ""),
            ("foo.>", ""),
            ("$KV.src.>", "$KV.dst.>"),
            ("foo.*.*", "bar.{{wildcard(2)}}.{{ Wildcard(1) }}"),
            ("foo.*", "bar.$1"),
            ("orders.*", "orders.{{partition(3,1)}}.{{wildcard(1)}}"),
            ("a.*", "b.{{splitfromleft(1,2)}}.{{split(1,-)}}"),
            ("a.*", "b.{{random(10)}}"),
            ("a", "b.c{{x}}"),
        ] {
            assert_eq!(validate_mapping(src, dest), Ok(()), "{src} -> {dest}");
        }
    }

    #[test]
    fn refuses_bad_destinations_with_server_texts() {
        assert_eq!(
            validate_mapping("foo.*", "bar.{{wildcard(2)}}"),
            Err(String::from(
                "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}"
            ))
        );
        assert_eq!(
            validate_mapping("foo.*", "bar.{{nope(1)}}"),
            Err(String::from(
                "invalid mapping destination: unknown function in {{nope(1)}}"
            ))
        );
        for dest in [
            "bar..x",
            "bar.>.x",
            "{{wildcard()}}",
            "{{wildcard(x)}}",
            "{{left(1)}}",
        ] {
            assert!(validate_mapping("foo.*", dest).is_err(), "{dest}");
        }
        assert!(validate_mapping("foo", "bar.$1").is_err());
    }
}
