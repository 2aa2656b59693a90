//! The meta group's state: which streams exist, with which configuration, on which servers.
//!
//! Every JetStream server of a cluster applies the same [`MetaCommand`]s in the same order
//! (the meta Raft log), so every server agrees on the [`Assignments`]. A server that finds
//! itself among a stream's peers opens the stream and joins its Raft group; one that drops out
//! of the peers closes it and removes its copy. The meta leader checks a request against the
//! applied state before proposing; [`Assignments::apply`] still refuses a command that no
//! longer fits (two creates of one name racing), so every server refuses it alike.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::jetstream::api::StreamConfig;
use crate::jetstream::store::UnixNanos;

/// Where a stream lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamAssignment {
    /// The configuration.
    pub config: StreamConfig,
    /// Creation time.
    pub created: UnixNanos,
    /// Name of the stream's Raft group (unique for this incarnation of the stream).
    pub group: String,
    /// Server names holding a replica.
    pub peers: Vec<String>,
    /// Where to send the create response: the first leader of the new group answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// A change to the meta state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MetaCommand {
    /// Creates a stream.
    AddStream(StreamAssignment),
    /// Replaces a stream's configuration (same group and peers).
    UpdateStream {
        /// The new configuration.
        config: StreamConfig,
        /// Where to send the update response (the stream leader answers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply: Option<String>,
    },
    /// Deletes a stream everywhere.
    DeleteStream {
        /// Stream name.
        name: String,
    },
    /// Moves a stream to another set of servers (peer removal, replica changes).
    SetPeers {
        /// Stream name.
        name: String,
        /// The new replica set.
        peers: Vec<String>,
    },
    /// A server leaves the cluster for good (`$JS.API.SERVER.REMOVE`).
    RemoveServer {
        /// Server name.
        name: String,
    },
}

/// What applying a command changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaChange {
    /// The stream was created.
    Added(String),
    /// The stream's configuration changed.
    Updated(String),
    /// The stream was deleted; its group's name.
    Deleted(String, String),
    /// The stream's replica set changed: the old peers.
    Moved(String, Vec<String>),
    /// A server was removed.
    ServerRemoved(String),
    /// The command did not apply (the state changed since the leader checked it).
    Refused(MetaRefusal),
}

/// Why a command did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaRefusal {
    /// A stream of that name exists.
    StreamExists,
    /// No stream of that name.
    StreamNotFound,
}

/// The replicated meta state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignments {
    /// Streams by name.
    pub streams: BTreeMap<String, StreamAssignment>,
    /// Servers removed from the cluster (never placed on again).
    pub removed: BTreeSet<String>,
}

impl Assignments {
    /// Applies one command.
    pub fn apply(&mut self, cmd: MetaCommand) -> MetaChange {
        match cmd {
            MetaCommand::AddStream(a) => {
                let name = a.config.name.clone();
                if self.streams.contains_key(&name) {
                    return MetaChange::Refused(MetaRefusal::StreamExists);
                }
                self.streams.insert(name.clone(), a);
                MetaChange::Added(name)
            }
            MetaCommand::UpdateStream { config, reply } => match self.streams.get_mut(&config.name)
            {
                None => MetaChange::Refused(MetaRefusal::StreamNotFound),
                Some(a) => {
                    let name = config.name.clone();
                    a.config = config;
                    a.reply = reply;
                    MetaChange::Updated(name)
                }
            },
            MetaCommand::DeleteStream { name } => match self.streams.remove(&name) {
                None => MetaChange::Refused(MetaRefusal::StreamNotFound),
                Some(a) => MetaChange::Deleted(name, a.group),
            },
            MetaCommand::SetPeers { name, peers } => match self.streams.get_mut(&name) {
                None => MetaChange::Refused(MetaRefusal::StreamNotFound),
                Some(a) => {
                    let old = core::mem::replace(&mut a.peers, peers);
                    a.reply = None;
                    MetaChange::Moved(name, old)
                }
            },
            MetaCommand::RemoveServer { name } => {
                self.removed.insert(name.clone());
                MetaChange::ServerRemoved(name)
            }
        }
    }

    /// Streams with a replica on `server`.
    pub fn streams_on<'a>(&'a self, server: &'a str) -> impl Iterator<Item = &'a StreamAssignment> {
        self.streams
            .values()
            .filter(move |a| a.peers.iter().any(|p| p == server))
    }

    /// How many streams each server holds (servers holding none are absent).
    pub fn load(&self) -> BTreeMap<&str, usize> {
        let mut m = BTreeMap::new();
        for a in self.streams.values() {
            for p in &a.peers {
                *m.entry(p.as_str()).or_insert(0) += 1;
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignment(name: &str, peers: &[&str]) -> StreamAssignment {
        StreamAssignment {
            config: StreamConfig {
                name: name.into(),
                ..Default::default()
            },
            created: 1,
            group: alloc::format!("S-{name}"),
            peers: peers.iter().map(|p| String::from(*p)).collect(),
            reply: None,
        }
    }

    #[test]
    fn a_second_create_of_one_name_is_refused() {
        let mut m = Assignments::default();
        assert_eq!(
            m.apply(MetaCommand::AddStream(assignment("A", &["n1"]))),
            MetaChange::Added("A".into())
        );
        assert_eq!(
            m.apply(MetaCommand::AddStream(assignment("A", &["n2"]))),
            MetaChange::Refused(MetaRefusal::StreamExists)
        );
        assert_eq!(m.streams["A"].peers, ["n1"]);
    }

    #[test]
    fn delete_and_move_report_what_changed() {
        let mut m = Assignments::default();
        m.apply(MetaCommand::AddStream(assignment("A", &["n1", "n2", "n3"])));
        let moved = m.apply(MetaCommand::SetPeers {
            name: "A".into(),
            peers: alloc::vec!["n1".into(), "n2".into(), "n4".into()],
        });
        assert_eq!(
            moved,
            MetaChange::Moved(
                "A".into(),
                alloc::vec!["n1".into(), "n2".into(), "n3".into()]
            )
        );
        assert_eq!(m.load().get("n4"), Some(&1));
        assert_eq!(m.streams_on("n3").count(), 0);
        assert_eq!(
            m.apply(MetaCommand::DeleteStream { name: "A".into() }),
            MetaChange::Deleted("A".into(), "S-A".into())
        );
        assert_eq!(
            m.apply(MetaCommand::DeleteStream { name: "A".into() }),
            MetaChange::Refused(MetaRefusal::StreamNotFound)
        );
    }

    #[test]
    fn commands_survive_json() {
        let cmd = MetaCommand::AddStream(assignment("A", &["n1"]));
        let s = serde_json::to_string(&cmd).unwrap();
        assert_eq!(serde_json::from_str::<MetaCommand>(&s).unwrap(), cmd);
    }
}
