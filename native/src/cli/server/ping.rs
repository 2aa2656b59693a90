//! `rill server ping [--count N]`: round trips through the connected server.

use std::time::Duration;

use serde_json::json;

use crate::cli::connect::{round_trip, ConnectArgs};
use crate::cli::format::json::print_json;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The statistics line under the pings: `3 replies max: 1.23 min: 0.45 avg: 0.80` (ms).
pub fn statistics(rtts: &[Duration]) -> String {
    let max = rtts.iter().max().copied().unwrap_or_default();
    let min = rtts.iter().min().copied().unwrap_or_default();
    let avg = if rtts.is_empty() {
        0.0
    } else {
        rtts.iter().map(|d| ms(*d)).sum::<f64>() / rtts.len() as f64
    };
    format!(
        "{} replies max: {:.2} min: {:.2} avg: {:.2}",
        rtts.len(),
        ms(max),
        ms(min),
        avg
    )
}

/// Runs `rill server ping`.
pub async fn run(count: u64, json: bool, conn: ConnectArgs) -> anyhow::Result<()> {
    let resolved = conn.resolve()?;
    let client = resolved.connect().await?;
    let name = client.server_info().server_name;
    let mut rtts = Vec::new();
    for _ in 0..count {
        let rtt = round_trip(&client, resolved.timeout).await?;
        if !json {
            println!("{name:<40} rtt={:.2}ms", ms(rtt));
        }
        rtts.push(rtt);
    }
    if json {
        let list: Vec<_> = rtts.iter().map(|d| d.as_nanos() as u64).collect();
        return print_json(&json!({"server": name, "rtt_ns": list}));
    }
    println!();
    println!("---- ping statistics ----");
    println!("{}", statistics(&rtts));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_in_milliseconds() {
        let rtts = [Duration::from_micros(450), Duration::from_micros(1230)];
        assert_eq!(statistics(&rtts), "2 replies max: 1.23 min: 0.45 avg: 0.84");
        assert_eq!(statistics(&[]), "0 replies max: 0.00 min: 0.00 avg: 0.00");
    }
}
