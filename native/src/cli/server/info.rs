//! `rill server info [ID]`: the connected server's INFO as an information page.

use anyhow::bail;
use async_nats::ServerInfo;

use crate::cli::connect::ConnectArgs;
use crate::cli::format::json::print_json;
use crate::cli::format::{format_size, Fields};

fn yes_no(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// The information page for `info`.
pub fn page(info: &ServerInfo) -> String {
    let mut page = Fields::new();
    page.text(format!(
        "Server information for {} ({})",
        info.server_name, info.server_id
    ));
    page.section("Process Details");
    page.field("Version", &info.version);
    if !info.go.is_empty() {
        page.field("Go Version", &info.go);
    }
    page.field("Host", format!("{}:{}", info.host, info.port));
    page.field("Protocol Level", info.proto);
    page.field("Headers Supported", yes_no(info.headers));
    page.field("Maximum Payload", format_size(info.max_payload as u64));
    page.field("JetStream", yes_no(info.jetstream));
    if let Some(domain) = info.domain.as_deref().filter(|d| !d.is_empty()) {
        page.field("JetStream Domain", domain);
    }
    page.field("Auth Required", yes_no(info.auth_required));
    page.field("TLS Required", yes_no(info.tls_required));
    page.field("Lame Duck Mode", yes_no(info.lame_duck_mode));
    if let Some(cluster) = info.cluster.as_deref().filter(|c| !c.is_empty()) {
        page.section("Cluster");
        page.field("Name", cluster);
        for url in &info.connect_urls {
            page.field("Connect URL", url);
        }
    }
    page.section("Connection");
    page.field("Client ID", info.client_id);
    page.field("Client IP", &info.client_ip);
    page.render()
}

/// The INFO fields as JSON, with nats-server's names.
pub fn info_json(info: &ServerInfo) -> serde_json::Value {
    serde_json::json!({
        "server_id": info.server_id,
        "server_name": info.server_name,
        "host": info.host,
        "port": info.port,
        "version": info.version,
        "go": info.go,
        "proto": info.proto,
        "headers": info.headers,
        "max_payload": info.max_payload,
        "jetstream": info.jetstream,
        "domain": info.domain,
        "cluster": info.cluster,
        "connect_urls": info.connect_urls,
        "auth_required": info.auth_required,
        "tls_required": info.tls_required,
        "lame_duck_mode": info.lame_duck_mode,
        "client_id": info.client_id,
        "client_ip": info.client_ip,
    })
}

/// Runs `rill server info`.
pub async fn run(id: Option<String>, json: bool, conn: ConnectArgs) -> anyhow::Result<()> {
    let client = conn.connect().await?;
    let info = client.server_info();
    if let Some(id) = id {
        if id != info.server_id && id != info.server_name {
            bail!(
                "server {id:?} is not the connected server ({}): rill server info can only describe the server it is connected to",
                info.server_name
            );
        }
    }
    if json {
        return print_json(&info_json(&info));
    }
    print!("{}", page(&info));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_the_server_and_its_limits() {
        let info = ServerInfo {
            server_id: "NABC".into(),
            server_name: "n1".into(),
            host: "0.0.0.0".into(),
            port: 4222,
            version: "2.10.0".into(),
            max_payload: 1 << 20,
            proto: 1,
            headers: true,
            jetstream: true,
            ..ServerInfo::default()
        };
        let text = page(&info);
        assert!(text.starts_with("Server information for n1 (NABC)\n\nProcess Details:\n\n"));
        assert!(text.contains("  Maximum Payload: 1.0 MiB\n"), "{text}");
        assert!(text.contains("        JetStream: true\n"), "{text}");
    }
}
