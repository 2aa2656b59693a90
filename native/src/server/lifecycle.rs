//! Living until told to stop: pid and ports files, signals, graceful shutdown, lame duck.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tracing::{info, warn};

use super::client::CloseKind;
use super::state::Shared;
use super::{log_banner, Server};
use crate::options::ServerOptions;

/// Longest wait for clients to flush during a graceful shutdown.
const SHUTDOWN_FLUSH_MAX: Duration = Duration::from_secs(2);

/// Files written at start and removed at exit.
struct RunFiles(Vec<PathBuf>);

impl Drop for RunFiles {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn write_run_files(server: &Server) -> anyhow::Result<RunFiles> {
    let opts = &server.shared.opts;
    let pid = std::process::id();
    let mut files = RunFiles(Vec::new());
    if let Some(p) = &opts.pid_file {
        std::fs::write(p, pid.to_string())?;
        files.0.push(p.clone());
    }
    if let Some(dir) = &opts.ports_file_dir {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "rill-server".into());
        let path = dir.join(format!("{exe}_{pid}.ports"));
        let mut ports = serde_json::json!({
            "nats": [format!("nats://{}", server.client_addr)],
        });
        if let Some(h) = server.http_addr {
            ports["monitoring"] = serde_json::json!([format!("http://{h}")]);
        }
        std::fs::write(&path, ports.to_string())?;
        files.0.push(path);
    }
    Ok(files)
}

/// Starts a server with `opts` and runs it until SIGINT/SIGTERM (or lame duck completes).
pub async fn run(opts: ServerOptions) -> anyhow::Result<()> {
    let server = Server::start(opts).await?;
    let _files = write_run_files(&server)?;
    // Handlers first: a signal sent as soon as "Server is ready" is logged must be caught.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    let mut hup = signal(SignalKind::hangup())?;
    log_banner(&server);
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => warn!("configuration reload is not supported yet; restart the server to apply changes"),
            _ = usr2.recv() => {
                lame_duck(&server.shared).await;
                break;
            }
        }
    }
    info!("Initiating Shutdown...");
    shutdown(&server.shared).await;
    info!("Server Exiting..");
    Ok(())
}

/// Stops accepting, closes every client after flushing what is queued.
async fn shutdown(shared: &Arc<Shared>) {
    let _ = shared.shutdown.send(true);
    if let Some(cluster) = &shared.cluster {
        for route in cluster.routes() {
            route.conn.close(CloseKind::ServerShutdown);
        }
    }
    let clients = shared.client_list();
    for c in &clients {
        c.close(CloseKind::ServerShutdown);
    }
    let deadline = tokio::time::Instant::now() + SHUTDOWN_FLUSH_MAX;
    while !shared.client_list().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Lame duck mode: stop accepting, tell clients to move (`INFO` with `ldm`), wait the grace
/// period, then close clients spread over the lame duck duration.
async fn lame_duck(shared: &Arc<Shared>) {
    let opts = &shared.opts;
    info!("Entering lame duck mode, stop accepting new clients");
    shared.lame_duck.store(true, Ordering::Release);
    let _ = shared.shutdown.send(true);
    let mut info = shared.info.clone();
    info.ldm = true;
    let mut frame = b"INFO ".to_vec();
    frame.extend_from_slice(&serde_json::to_vec(&info).unwrap_or_default());
    frame.extend_from_slice(b"\r\n");
    for c in shared.client_list() {
        if c.enqueue(frame.len(), |b| b.extend_from_slice(&frame))
            .is_ok()
        {
            c.flush.notify_one();
        }
    }
    if let Some(cluster) = &shared.cluster {
        cluster.announce_lame_duck(shared);
    }
    let grace = opts.lame_duck_grace_period.min(opts.lame_duck_duration);
    info!("Waiting {:?} before closing clients", grace);
    tokio::time::sleep(grace).await;
    let clients = shared.client_list();
    if clients.is_empty() {
        return;
    }
    let spread = opts.lame_duck_duration.saturating_sub(grace);
    let step = spread / u32::try_from(clients.len()).unwrap_or(u32::MAX).max(1);
    info!(
        "Closing {} existing clients over {:?}",
        clients.len(),
        spread
    );
    for c in clients {
        c.close(CloseKind::ServerShutdown);
        tokio::time::sleep(step.min(Duration::from_secs(1))).await;
    }
}
