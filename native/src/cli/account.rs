//! `rill account info`: the connection and the account's JetStream usage and limits, from
//! the server's INFO and `$JS.API.INFO`, laid out as the `nats` CLI prints them.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use async_nats::{RequestErrorKind, ServerInfo};
use rill_core::jetstream::api::{AccountInfo, AccountLimits};

use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::duration::format_duration;
use crate::cli::format::json::print_json;
use crate::cli::format::{format_size, format_size_or_unlimited, or_unlimited, Fields};

/// The JetStream account information request subject.
pub const INFO_SUBJECT: &str = "$JS.API.INFO";

/// Asks `$JS.API.INFO`; returns the parsed answer and the raw JSON.
pub async fn fetch_account_info(
    client: &async_nats::Client,
    timeout: Duration,
) -> anyhow::Result<(AccountInfo, serde_json::Value)> {
    let request = async_nats::Request::new().timeout(Some(timeout));
    let reply = match client.send_request(INFO_SUBJECT, request).await {
        Ok(r) => r,
        Err(e) if e.kind() == RequestErrorKind::NoResponders => {
            bail!("JetStream is not available: no responders on {INFO_SUBJECT}")
        }
        Err(e) if e.kind() == RequestErrorKind::TimedOut => {
            bail!(
                "JetStream did not answer within {}",
                format_duration(timeout)
            )
        }
        Err(e) => bail!("JetStream request failed: {e}"),
    };
    let raw: serde_json::Value =
        serde_json::from_slice(&reply.payload).context("invalid JetStream reply")?;
    if let Some(err) = raw.get("error") {
        let text = err
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or("unknown error");
        let code = err.get("err_code").and_then(|c| c.as_u64()).unwrap_or(0);
        bail!("JetStream error: {text} (err_code {code})");
    }
    let info: AccountInfo =
        serde_json::from_value(raw.clone()).map_err(|e| anyhow!("invalid account info: {e}"))?;
    Ok((info, raw))
}

fn limits_fields(page: &mut Fields, used: &AccountInfo, limits: &AccountLimits) {
    page.field(
        "Memory",
        format!(
            "{} of {}",
            format_size(used.memory),
            format_size_or_unlimited(limits.max_memory)
        ),
    );
    page.field(
        "Memory Per Stream",
        format_size_or_unlimited(limits.memory_max_stream_bytes),
    );
    page.field(
        "Storage",
        format!(
            "{} of {}",
            format_size(used.storage),
            format_size_or_unlimited(limits.max_storage)
        ),
    );
    page.field(
        "Storage Per Stream",
        format_size_or_unlimited(limits.storage_max_stream_bytes),
    );
    page.field(
        "Streams",
        format!("{} of {}", used.streams, or_unlimited(limits.max_streams)),
    );
    page.field(
        "Consumers",
        format!(
            "{} of {}",
            used.consumers,
            or_unlimited(limits.max_consumers)
        ),
    );
    page.field("Maximum Ack Pending", or_unlimited(limits.max_ack_pending));
    page.field("Max Bytes Required", limits.max_bytes_required);
}

/// The `account info` page.
pub fn page(url: &str, server: &ServerInfo, rtt: Duration, js: &AccountInfo) -> String {
    let mut page = Fields::new();
    page.text("Account Information").blank();
    page.field("Connected URL", url)
        .field("Connected Server ID", &server.server_id)
        .field("Connected Server Name", &server.server_name)
        .field("Connected Server Version", &server.version)
        .field("Client ID", server.client_id)
        .field("Client IP", &server.client_ip)
        .field("RTT", format_duration(rtt))
        .field("Headers Supported", server.headers)
        .field("Maximum Payload", format_size(server.max_payload as u64))
        .field(
            "TLS Connection",
            if server.tls_required { "yes" } else { "no" },
        );
    page.section("JetStream Account Information");
    if !js.domain.is_empty() {
        page.field("Domain", &js.domain);
    }
    page.field("API Level", js.api.level)
        .field("API Requests", js.api.total)
        .field("API Errors", js.api.errors);
    page.section("Account Usage");
    page.field("Storage", format_size(js.storage))
        .field("Memory", format_size(js.memory))
        .field("Streams", js.streams)
        .field("Consumers", js.consumers);
    page.section("Account Limits");
    limits_fields(&mut page, js, &js.limits);
    for (tier, usage) in &js.tiers {
        page.section(&format!("Tier {tier}"));
        let used = AccountInfo {
            memory: usage.memory,
            storage: usage.storage,
            streams: usage.streams,
            consumers: usage.consumers,
            ..AccountInfo::default()
        };
        limits_fields(&mut page, &used, &usage.limits);
    }
    page.render()
}

/// Runs `rill account info`.
pub async fn run_info(json: bool, conn: ConnectArgs) -> anyhow::Result<()> {
    let resolved = conn.resolve()?;
    let client = resolved.connect().await?;
    let (info, raw) = fetch_account_info(&client, resolved.timeout).await?;
    if json {
        return print_json(&raw);
    }
    let rtt = round_trip(&client, resolved.timeout).await?;
    let url = resolved.servers.join(",");
    print!("{}", page(&url, &client.server_info(), rtt, &info));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_shows_usage_and_unlimited_limits() {
        let js = AccountInfo {
            streams: 1,
            storage: 2048,
            ..AccountInfo::default()
        };
        let server = ServerInfo {
            max_payload: 1 << 20,
            ..ServerInfo::default()
        };
        let text = page("nats://h:4222", &server, Duration::from_millis(1), &js);
        assert!(text.starts_with("Account Information\n\n"), "{text}");
        assert!(text.contains("Storage: 2.0 KiB\n"), "{text}");
        assert!(text.contains("Streams: 1 of unlimited\n"), "{text}");
        assert!(text.contains("Memory Per Stream: unlimited\n"), "{text}");
    }
}
