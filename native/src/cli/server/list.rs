//! `rill server list`: the "Server Overview" table.
//!
//! Without system-account requests Rill can only list the server it is connected to (from its
//! INFO); cluster peers it advertises in `connect_urls` are listed by URL.

use serde_json::json;

use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::duration::format_duration;
use crate::cli::format::json::print_json;
use crate::cli::format::Table;

/// Runs `rill server list`.
pub async fn run(json: bool, conn: ConnectArgs) -> anyhow::Result<()> {
    let resolved = conn.resolve()?;
    let client = resolved.connect().await?;
    let info = client.server_info();
    let rtt = round_trip(&client, resolved.timeout).await?;
    let cluster = info.cluster.clone().unwrap_or_default();
    if json {
        return print_json(&json!([{
            "name": info.server_name,
            "id": info.server_id,
            "cluster": cluster,
            "host": info.host,
            "port": info.port,
            "version": info.version,
            "jetstream": info.jetstream,
            "rtt_ns": rtt.as_nanos() as u64,
            "connect_urls": info.connect_urls,
        }]));
    }
    let mut table =
        Table::new(["Name", "Cluster", "Host", "Version", "JS", "RTT"]).title("Server Overview");
    table.row([
        info.server_name.clone(),
        cluster,
        format!("{}:{}", info.host, info.port),
        info.version.clone(),
        if info.jetstream { "yes" } else { "no" }.to_string(),
        format_duration(rtt),
    ]);
    print!("{}", table.render());
    for url in &info.connect_urls {
        println!("Also advertised: {url}");
    }
    Ok(())
}
