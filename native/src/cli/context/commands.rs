//! The `rill context` subcommands.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::json;

use super::store::{ContextSettings, ContextStore};
use super::{ContextCmd, ContextFields};
use crate::cli::connect::{split_servers, ConnectArgs, DEFAULT_URL};
use crate::cli::format::json::print_json;
use crate::cli::format::{Fields, Style, Table};

/// How long `context save` waits for its connection check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs one context command.
pub async fn run(cmd: ContextCmd) -> anyhow::Result<()> {
    let store = ContextStore::from_env()?;
    match cmd {
        ContextCmd::Save {
            name,
            fields,
            select,
        } => save(&store, &name, &fields, select).await,
        ContextCmd::Ls { json } => list(&store, json),
        ContextCmd::Select { name } => {
            let Some(name) = name else {
                bail!(
                    "context select needs a NAME (known: {})",
                    store.names().join(", ")
                );
            };
            store.select(&name)?;
            print!("{}", block(&store, &name, &store.load(&name)?, None));
            Ok(())
        }
        ContextCmd::Info { name, json } => info(&store, name, json),
        ContextCmd::Edit { name, fields } => edit(&store, &name, &fields),
        ContextCmd::Rm { name, force } => remove(&store, &name, force),
    }
}

/// Copies the flags that were given into `s`; returns whether any was.
fn apply(fields: &ContextFields, s: &mut ContextSettings) -> bool {
    let mut changed = false;
    let mut set = |value: &Option<String>, slot: &mut String| {
        if let Some(v) = value {
            slot.clone_from(v);
            changed = true;
        }
    };
    set(&fields.server, &mut s.url);
    set(&fields.description, &mut s.description);
    set(&fields.user, &mut s.user);
    set(&fields.password, &mut s.password);
    set(&fields.token, &mut s.token);
    set(&fields.creds, &mut s.creds);
    set(&fields.nkey, &mut s.nkey);
    set(&fields.tlscert, &mut s.cert);
    set(&fields.tlskey, &mut s.key);
    set(&fields.tlsca, &mut s.ca);
    set(&fields.js_domain, &mut s.jetstream_domain);
    changed
}

/// The block `context save`/`info` print, with `Connection:` when a check ran.
fn block(
    store: &ContextStore,
    name: &str,
    s: &ContextSettings,
    connection: Option<&str>,
) -> String {
    let mut page = Fields::new();
    page.text(format!("NATS Configuration Context {name:?}"))
        .blank();
    let url = if s.url.is_empty() {
        DEFAULT_URL
    } else {
        &s.url
    };
    page.field("Description", &s.description)
        .field("Server URLs", url);
    let mask = "*********";
    let optional = [
        ("Username", s.user.as_str()),
        ("Password", if s.password.is_empty() { "" } else { mask }),
        ("Token", if s.token.is_empty() { "" } else { mask }),
        ("Credentials", s.creds.as_str()),
        ("NKey", s.nkey.as_str()),
        ("Certificate", s.cert.as_str()),
        ("Key", s.key.as_str()),
        ("CA", s.ca.as_str()),
        ("JetStream Domain", s.jetstream_domain.as_str()),
    ];
    for (label, value) in optional {
        if !value.is_empty() {
            page.field(label, value);
        }
    }
    if let Ok(path) = store.path(name) {
        page.field("Path", path.display());
    }
    if let Some(conn) = connection {
        page.field("Connection", conn);
    }
    // The seed prints this block flush left: "Description: ...".
    page.render()
        .lines()
        .map(|l| format!("{}\n", l.trim_start()))
        .collect()
}

async fn check_connection(name: &str) -> Result<(), String> {
    let args = ConnectArgs {
        context: Some(name.to_string()),
        timeout: Some(format!("{}s", CHECK_TIMEOUT.as_secs())),
        ..ConnectArgs::default()
    };
    match args.connect().await {
        Ok(client) => {
            drop(client);
            Ok(())
        }
        Err(e) => Err(format!("{e:#}")),
    }
}

async fn save(
    store: &ContextStore,
    name: &str,
    fields: &ContextFields,
    select: bool,
) -> anyhow::Result<()> {
    let mut settings = if store.exists(name) {
        store.load(name)?
    } else {
        ContextSettings::default()
    };
    apply(fields, &mut settings);
    if settings.url.is_empty() {
        settings.url = DEFAULT_URL.to_string();
    }
    if split_servers(&settings.url).is_empty() {
        bail!("--server: no server URL given");
    }
    store.save(name, &settings)?;
    if select {
        store.select(name)?;
    }
    let style = Style::detect(false);
    let status = match check_connection(name).await {
        Ok(()) => style.green("OK"),
        Err(e) => style.red(&e),
    };
    print!("{}", block(store, name, &settings, Some(&status)));
    Ok(())
}

fn list(store: &ContextStore, json: bool) -> anyhow::Result<()> {
    let names = store.names();
    let selected = store.selected();
    let loaded: Vec<(String, ContextSettings)> = names
        .into_iter()
        .map(|n| {
            let s = store.load(&n).unwrap_or_default();
            (n, s)
        })
        .collect();
    if json {
        let items: Vec<_> = loaded
            .iter()
            .map(|(n, s)| {
                json!({
                    "name": n,
                    "description": s.description,
                    "url": s.url,
                    "selected": selected.as_deref() == Some(n.as_str()),
                })
            })
            .collect();
        return print_json(&items);
    }
    if loaded.is_empty() {
        println!("No known contexts");
        return Ok(());
    }
    let mut table = Table::new(["Name", "Description"]).title("Known Contexts");
    for (n, s) in &loaded {
        let star = if selected.as_deref() == Some(n.as_str()) {
            "*"
        } else {
            ""
        };
        table.row([format!("{n}{star}"), s.description.clone()]);
    }
    print!("{}", table.render());
    Ok(())
}

fn info(store: &ContextStore, name: Option<String>, json: bool) -> anyhow::Result<()> {
    let name = match name.or_else(|| store.selected()) {
        Some(n) => n,
        None => bail!("no context selected: give a NAME"),
    };
    let settings = store.load(&name)?;
    if json {
        let mut value = serde_json::to_value(&settings).context("cannot encode context")?;
        if let Some(map) = value.as_object_mut() {
            map.insert("name".into(), json!(name));
        }
        return print_json(&value);
    }
    print!("{}", block(store, &name, &settings, None));
    Ok(())
}

fn edit(store: &ContextStore, name: &str, fields: &ContextFields) -> anyhow::Result<()> {
    let mut settings = store.load(name)?;
    if apply(fields, &mut settings) {
        store.save(name, &settings)?;
    } else {
        let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        let editor = std::env::var("EDITOR")
            .ok()
            .filter(|e| !e.trim().is_empty());
        let (true, Some(editor)) = (interactive, editor) else {
            bail!("nothing to change: give flags such as --server or --description (an editor opens only on a terminal with $EDITOR set)");
        };
        let path = store.path(name)?;
        let status = std::process::Command::new(&editor)
            .arg(&path)
            .status()
            .with_context(|| format!("cannot run $EDITOR {editor:?}"))?;
        if !status.success() {
            bail!("{editor} exited with {status}");
        }
        settings = store
            .load(name)
            .context("the edited context is not valid")?;
    }
    print!("{}", block(store, name, &settings, None));
    Ok(())
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    print!("? {question} [y/N] ");
    std::io::stdout()
        .flush()
        .context("cannot write the question")?;
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("cannot read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn remove(store: &ContextStore, name: &str, force: bool) -> anyhow::Result<()> {
    store.load(name)?;
    if store.selected().as_deref() == Some(name) && store.names().len() > 1 {
        bail!("cannot remove the selected context {name:?}: select another one first");
    }
    if !force {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to remove {name:?} without confirmation: pass --force");
        }
        if !confirm(&format!("Really delete context {name:?}"))? {
            bail!("not removed");
        }
    }
    store.remove(name)?;
    println!("Removed context {name:?}");
    Ok(())
}
