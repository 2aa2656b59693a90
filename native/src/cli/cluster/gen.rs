//! `rill cluster gen`: configuration files for a cluster on real machines, one per node, and
//! a systemd unit like the seed's `natsd.service`, plus the steps to install them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::layout::{
    check_cluster_name, check_host, check_node_count, Layout, LayoutError, Node, SystemUser,
};

/// `rill cluster gen --hosts h1,h2,h3 [flags]`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenArgs {
    /// Number of nodes (odd, 3 to 11); defaults to the number of hosts.
    #[arg(long)]
    pub nodes: Option<usize>,
    /// The machines, one per node: host names or IPv4 addresses, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub hosts: Vec<String>,
    /// Cluster name.
    #[arg(long, default_value = "C1")]
    pub name: String,
    /// Directory the files are written to (created if missing).
    #[arg(long, default_value = "rill-cluster")]
    pub out: PathBuf,
    /// Client port on every machine.
    #[arg(long, default_value_t = 4222, value_parser = clap::value_parser!(u16).range(1..))]
    pub client_port: u16,
    /// Route (cluster) port on every machine.
    #[arg(long, default_value_t = 6222, value_parser = clap::value_parser!(u16).range(1..))]
    pub cluster_port: u16,
    /// HTTP monitoring port on every machine.
    #[arg(long, default_value_t = 8222, value_parser = clap::value_parser!(u16).range(1..))]
    pub http_port: u16,
    /// JetStream store directory on every machine.
    #[arg(long, default_value = "/data/rill-storage")]
    pub store_dir: String,
    /// The server binary on every machine (the unit's ExecStart).
    #[arg(long, default_value = "/usr/bin/rill-server")]
    pub bin: String,
    /// Where each machine's configuration is installed (the unit's --config).
    #[arg(long, default_value = "/etc/rill/rill.conf")]
    pub config_path: String,
    /// Add a system-account user (needed by `rill server report jetstream`).
    #[arg(long, requires = "sys_password")]
    pub sys_user: Option<String>,
    /// The system user's password, stored as a bcrypt hash (a `$2a$...` hash is kept as given).
    #[arg(long, requires = "sys_user")]
    pub sys_password: Option<String>,
    /// Overwrite files that already exist.
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// The unit's file name.
pub const UNIT_FILE: &str = "rill.service";

/// bcrypt cost of the stored system password (nats-server's `mkpasswd` default).
const BCRYPT_COST: u32 = 11;

/// The password as the config stores it: a bcrypt hash (`$2a$11$...`, as in the seed).
pub fn hashed_password(password: &str) -> anyhow::Result<String> {
    if crate::server::auth::is_bcrypt(password) {
        return Ok(password.to_string());
    }
    let parts = bcrypt::hash_with_result(password, BCRYPT_COST)
        .map_err(|e| anyhow::anyhow!("cannot hash the system password: {e}"))?;
    Ok(parts.format_for_version(bcrypt::Version::TwoA))
}

/// Builds the layout `gen` writes, refusing what would not make a working cluster. The system
/// password is stored as given; [`run`] hashes it.
pub fn layout(a: &GenArgs) -> Result<Layout, LayoutError> {
    let n = a.nodes.unwrap_or(a.hosts.len());
    check_node_count(n)?;
    if n != a.hosts.len() {
        return Err(LayoutError::HostCount {
            nodes: n,
            hosts: a.hosts.len(),
        });
    }
    check_cluster_name(&a.name)?;
    for (i, host) in a.hosts.iter().enumerate() {
        check_host(host)?;
        if a.hosts[..i].contains(host) {
            return Err(LayoutError::DuplicateHost(host.clone()));
        }
    }
    for (i, p) in [a.client_port, a.cluster_port, a.http_port]
        .iter()
        .enumerate()
    {
        if [a.client_port, a.cluster_port, a.http_port][..i].contains(p) {
            return Err(LayoutError::PortClash(*p));
        }
    }
    let nodes = a
        .hosts
        .iter()
        .map(|host| Node {
            name: host.clone(),
            host: host.clone(),
            bind: "0.0.0.0".into(),
            client_port: a.client_port,
            cluster_port: a.cluster_port,
            http_port: a.http_port,
            store_dir: a.store_dir.clone(),
        })
        .collect();
    Ok(Layout {
        name: a.name.clone(),
        nodes,
        jetstream: true,
        system_user: a
            .sys_user
            .clone()
            .zip(a.sys_password.clone())
            .map(|(user, password)| SystemUser { user, password }),
        generated_by: "rill cluster gen",
    })
}

/// The systemd unit, shaped like the seed's `natsd.service`.
pub fn unit(bin: &str, config_path: &str, cluster: &str) -> String {
    format!(
        "[Unit]\n\
         Description=Rill server, cluster {cluster}\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={bin} --config {config_path}\n\
         Restart=always\n\
         RestartSec=10\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n"
    )
}

/// The install steps printed after the files are written.
pub fn instructions(a: &GenArgs, layout: &Layout, out: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Wrote the configuration of cluster {} ({} nodes) to {}:\n",
        layout.name,
        layout.nodes.len(),
        out.display()
    );
    for (i, node) in layout.nodes.iter().enumerate() {
        let _ = writeln!(s, "  n{}.conf       for {}", i + 1, node.host);
    }
    let _ = writeln!(s, "  {UNIT_FILE}  systemd unit for every machine\n");
    let _ = writeln!(
        s,
        "On each machine (nK.conf is the one for that machine):\n"
    );
    let _ = writeln!(s, "  install -D -m 0644 nK.conf {}", a.config_path);
    let _ = writeln!(
        s,
        "  install -D -m 0644 {UNIT_FILE} /etc/systemd/system/{UNIT_FILE}"
    );
    let _ = writeln!(s, "  mkdir -p {}", a.store_dir);
    let _ = writeln!(s, "  {} --config {} -t", a.bin, a.config_path);
    let _ = writeln!(
        s,
        "  systemctl daemon-reload && systemctl enable --now rill\n"
    );
    let _ = writeln!(
        s,
        "Open TCP ports {} (clients), {} (routes between the nodes) and {} (monitoring).",
        a.client_port, a.cluster_port, a.http_port
    );
    let _ = writeln!(s, "Then, from a client machine:\n");
    let _ = writeln!(
        s,
        "  rill context save {} --server {} --select",
        layout.name,
        layout.server_list()
    );
    s
}

/// Every file `gen` writes: (file name, contents).
pub fn files(a: &GenArgs, layout: &Layout) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = (0..layout.nodes.len())
        .filter_map(|i| Some((format!("n{}.conf", i + 1), layout.config(i)?)))
        .collect();
    out.push((
        UNIT_FILE.to_string(),
        unit(&a.bin, &a.config_path, &layout.name),
    ));
    out
}

/// Runs `rill cluster gen`.
pub fn run(a: GenArgs) -> anyhow::Result<()> {
    let mut layout = layout(&a)?;
    if let Some(sys) = &mut layout.system_user {
        sys.password = hashed_password(&sys.password)?;
    }
    let files = files(&a, &layout);
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create the output directory {}", a.out.display()))?;
    if !a.force {
        let existing: Vec<&str> = files
            .iter()
            .filter(|(name, _)| a.out.join(name).exists())
            .map(|(name, _)| name.as_str())
            .collect();
        if !existing.is_empty() {
            bail!(
                "{} already has {}: refusing to overwrite without --force",
                a.out.display(),
                existing.join(", ")
            );
        }
    }
    for (name, text) in &files {
        let path = a.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    print!("{}", instructions(&a, &layout, &a.out));
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        gen: GenArgs,
    }

    fn args(argv: &[&str]) -> GenArgs {
        let mut all = vec!["gen"];
        all.extend_from_slice(argv);
        Cli::parse_from(all).gen
    }

    #[test]
    fn unit_is_shaped_like_the_seeds() {
        let expected = "\
[Unit]
Description=Rill server, cluster C1
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=/usr/bin/rill-server --config /etc/rill/rill.conf
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
";
        assert_eq!(
            unit("/usr/bin/rill-server", "/etc/rill/rill.conf", "C1"),
            expected
        );
    }

    #[test]
    fn hosts_must_match_the_node_count() {
        let a = args(&["--nodes", "3", "--hosts", "a,b"]);
        assert_eq!(
            layout(&a),
            Err(LayoutError::HostCount { nodes: 3, hosts: 2 })
        );
        let a = args(&["--hosts", "a,b"]);
        assert_eq!(layout(&a), Err(LayoutError::NodesOutOfRange(2)));
        let a = args(&["--hosts", "a,b,c,d"]);
        assert_eq!(layout(&a), Err(LayoutError::EvenNodes(4)));
        let a = args(&["--hosts", "a,b,a"]);
        assert_eq!(layout(&a), Err(LayoutError::DuplicateHost("a".into())));
        let a = args(&["--hosts", "a,b,c", "--http-port", "4222"]);
        assert_eq!(layout(&a), Err(LayoutError::PortClash(4222)));
        let a = args(&["--hosts", "a,b,c d"]);
        assert_eq!(layout(&a), Err(LayoutError::BadHost("c d".into())));
    }

    #[test]
    fn files_are_one_config_per_host_and_the_unit() {
        let a = args(&["--hosts", "h1,h2,h3", "--name", "prod"]);
        let l = layout(&a).expect("valid");
        let names: Vec<String> = files(&a, &l).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["n1.conf", "n2.conf", "n3.conf", "rill.service"]);
        assert_eq!(l.nodes[2].name, "h3");
        let text = instructions(&a, &l, Path::new("out"));
        assert!(text.contains(
            "rill context save prod --server nats://h1:4222,nats://h2:4222,nats://h3:4222 --select"
        ));
    }

    #[test]
    fn system_passwords_are_stored_as_bcrypt_hashes() {
        let hashed = hashed_password("s3cret").expect("hash");
        assert!(hashed.starts_with("$2a$11$"), "{hashed}");
        assert!(bcrypt::verify("s3cret", &hashed).unwrap_or(false));
        let seed = "$2a$11$GUizXsS82Y.dll.uZXDic.qMDePF2IT6d3t5iWIs.rQ3lY1p6mDKC";
        assert_eq!(hashed_password(seed).expect("kept"), seed);
    }
}
