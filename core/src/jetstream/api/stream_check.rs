//! Stream config defaults and validation, following nats-server's `checkStreamCfg`,
//! `configUpdateCheck` and the create handler, with its exact refusal texts (mostly 10052).
//!
//! Not checked here (they need state outside one config): overlap with other streams (use
//! [`StreamConfig::overlaps_with`] → 10065), account limits, mirror/source cycles across
//! streams, and consumers against new `consumer_limits`.

use super::catalogue::ErrorId;
use super::error::ApiError;
use super::stream::{DiscardPolicy, PersistMode, RetentionPolicy, StorageType, StreamConfig};
use super::time::{Nanos, NANOS_PER_SEC};
use super::{is_valid_name, NAME_LEN_MAX};
use crate::subject::{is_subset, is_valid_subject, overlaps};
use alloc::format;

/// Default `duplicate_window`: two minutes.
pub const DUPLICATE_WINDOW_DEFAULT: Nanos = 120 * NANOS_PER_SEC;
/// Smallest `max_age` and `duplicate_window` accepted: 100 ms.
pub const AGE_MIN: Nanos = NANOS_PER_SEC / 10;
/// Most replicas a stream may have.
pub const REPLICAS_MAX: i64 = 5;
/// Longest description, bytes.
pub const DESCRIPTION_LEN_MAX: usize = 4 * 1024;
/// Most bytes of metadata keys plus values.
pub const METADATA_LEN_MAX: usize = 128 * 1024;

/// A 10052 refusal with `msg` as the description.
fn bad(msg: impl core::fmt::Display) -> ApiError {
    ApiError::invalid_config(msg)
}

/// `-1` for "unlimited" when zero or below -1; in pedantic mode below -1 is refused.
fn unlimited(value: &mut i64, field: &str, pedantic: bool) -> Result<(), ApiError> {
    if *value == 0 || *value < -1 {
        if pedantic && *value < -1 {
            return Err(ApiError::pedantic(format!("{field} must be set to -1")));
        }
        *value = -1;
    }
    Ok(())
}

impl StreamConfig {
    /// Applies nats-server's defaults and checks (non-pedantic); `clustered` says whether
    /// replicas above 1 can be served (else 10074).
    pub fn normalize(self, clustered: bool) -> Result<StreamConfig, ApiError> {
        self.normalize_with(clustered, false)
    }

    /// [`StreamConfig::normalize`], refusing silent fixups with 10157 when `pedantic`.
    pub fn normalize_with(
        mut self,
        clustered: bool,
        pedantic: bool,
    ) -> Result<StreamConfig, ApiError> {
        if !is_valid_name(&self.name) {
            return Err(bad(
                "stream name is required and can not contain '.', '*', '>', '\\', '/'",
            ));
        }
        if self.name.len() > NAME_LEN_MAX {
            return Err(bad(format!(
                "stream name is too long, maximum allowed is {NAME_LEN_MAX}"
            )));
        }
        if self.description.len() > DESCRIPTION_LEN_MAX {
            return Err(bad(format!(
                "stream description is too long, maximum allowed is {DESCRIPTION_LEN_MAX}"
            )));
        }
        let metadata_len: usize = self.metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
        if metadata_len > METADATA_LEN_MAX {
            return Err(bad(format!(
                "stream metadata exceeds maximum size of {METADATA_LEN_MAX} bytes"
            )));
        }
        if self.num_replicas == 0 {
            self.num_replicas = 1;
        }
        if self.num_replicas > REPLICAS_MAX {
            return Err(bad(format!("maximum replicas is {REPLICAS_MAX}")));
        }
        if self.num_replicas < 0 {
            return Err(ErrorId::ReplicasCountCannotBeNegative.into());
        }
        unlimited(&mut self.max_msgs, "max_msgs", pedantic)?;
        unlimited(
            &mut self.max_msgs_per_subject,
            "max_msgs_per_subject",
            pedantic,
        )?;
        unlimited(&mut self.max_bytes, "max_bytes", pedantic)?;
        let mut max_msg_size = i64::from(self.max_msg_size);
        unlimited(&mut max_msg_size, "max_msg_size", pedantic)?;
        self.max_msg_size = max_msg_size as i32; // -1 or the original i32 value.
        unlimited(&mut self.max_consumers, "max_consumers", pedantic)?;
        self.check_ages(pedantic)?;
        self.check_features(pedantic)?;
        self.check_mirror_and_sources()?;
        self.check_subjects()?;
        self.check_transforms(pedantic)?;
        if self
            .placement
            .as_ref()
            .is_some_and(|p| *p == Default::default())
        {
            self.placement = None;
        }
        if self
            .placement
            .as_ref()
            .is_some_and(|p| !p.preferred.is_empty())
        {
            return Err(bad("preferred server not permitted in placement"));
        }
        if !clustered && self.num_replicas > 1 {
            return Err(ErrorId::StreamReplicasNotSupported.into());
        }
        Ok(self)
    }

    fn check_ages(&mut self, pedantic: bool) -> Result<(), ApiError> {
        if self.max_age < 0 {
            return Err(bad("max age can not be negative"));
        }
        if self.max_age != 0 && self.max_age < AGE_MIN {
            return Err(bad("max age needs to be >= 100ms"));
        }
        if self.duplicate_window == 0 && self.mirror.is_none() && self.sources.is_empty() {
            if self.max_age != 0 && self.max_age < DUPLICATE_WINDOW_DEFAULT {
                if pedantic {
                    return Err(ApiError::pedantic(
                        "duplicate window cannot be bigger than max age",
                    ));
                }
                self.duplicate_window = self.max_age;
            } else {
                self.duplicate_window = DUPLICATE_WINDOW_DEFAULT;
            }
        }
        if self.duplicate_window < 0 {
            return Err(bad("duplicates window can not be negative"));
        }
        if self.max_age != 0 && self.duplicate_window > self.max_age {
            return Err(bad("duplicates window can not be larger then max age"));
        }
        if self.duplicate_window > 0 && self.duplicate_window < AGE_MIN {
            return Err(bad("duplicates window needs to be >= 100ms"));
        }
        Ok(())
    }

    fn check_features(&mut self, pedantic: bool) -> Result<(), ApiError> {
        if self.deny_purge && self.allow_rollup_hdrs {
            return Err(bad("roll-ups require the purge permission"));
        }
        if self.allow_msg_counter {
            if self.discard == DiscardPolicy::New {
                return Err(bad("counter stream cannot use discard new"));
            }
            if self.allow_msg_ttl {
                return Err(bad("counter stream cannot use message TTLs"));
            }
            if self.allow_msg_schedules {
                return Err(bad("counter stream cannot use message schedules"));
            }
            if self.retention != RetentionPolicy::Limits {
                return Err(bad("counter stream can only use limits retention"));
            }
        }
        if self.discard_new_per_subject {
            if self.discard != DiscardPolicy::New {
                return Err(bad(
                    "discard new per subject requires discard new policy to be set",
                ));
            }
            if self.max_msgs_per_subject <= 0 {
                return Err(bad(
                    "discard new per subject requires max msgs per subject > 0",
                ));
            }
        }
        if self.subject_delete_marker_ttl > 0 {
            if self.subject_delete_marker_ttl < NANOS_PER_SEC {
                return Err(bad("subject delete marker TTL must be at least 1 second"));
            }
            if !self.allow_msg_ttl {
                if pedantic {
                    return Err(bad(
                        "subject delete marker cannot be set if message TTLs are disabled",
                    ));
                }
                self.allow_msg_ttl = true;
            }
            if !self.allow_rollup_hdrs {
                if pedantic {
                    return Err(bad(
                        "subject delete marker cannot be set if roll-ups are disabled",
                    ));
                }
                (self.allow_rollup_hdrs, self.deny_purge) = (true, false);
            }
        } else if self.subject_delete_marker_ttl < 0 {
            return Err(bad("subject delete marker TTL must not be negative"));
        }
        if self.allow_msg_schedules {
            if self.discard == DiscardPolicy::New {
                return Err(bad("message scheduling cannot use discard new"));
            }
            if !self.allow_rollup_hdrs {
                if pedantic {
                    return Err(bad(
                        "message scheduling cannot be set if roll-ups are disabled",
                    ));
                }
                (self.allow_rollup_hdrs, self.deny_purge) = (true, false);
            }
        }
        if self.persist_mode == PersistMode::Async {
            if self.storage != StorageType::File {
                return Err(bad("async persist mode is only supported on file storage"));
            }
            if self.num_replicas > 1 {
                return Err(bad(
                    "async persist mode is not supported on replicated streams",
                ));
            }
            if self.allow_atomic {
                return Err(bad(
                    "async persist mode is not supported with atomic batch publish",
                ));
            }
        }
        Ok(())
    }

    fn check_subjects(&mut self) -> Result<(), ApiError> {
        if self.subjects.is_empty() {
            if self.mirror.is_none() && self.sources.is_empty() {
                self.subjects.push(self.name.clone());
            }
            return Ok(());
        }
        if self.mirror.is_some() {
            return Err(ErrorId::MirrorWithSubjects.into());
        }
        for (i, subj) in self.subjects.iter().enumerate() {
            let s = subj.as_bytes();
            if !is_valid_subject(s) {
                return Err(bad("invalid subject"));
            }
            if self.subjects[..i].contains(subj) {
                return Err(bad("duplicate subjects detected"));
            }
            if subj == ">" {
                if !self.no_ack {
                    return Err(bad("capturing all subjects requires no-ack to be true"));
                }
                if self.num_replicas != 1 {
                    return Err(bad("capturing all subjects requires replicas of 1"));
                }
            }
            if !self.no_ack {
                let api = [&b"$JS.>"[..], b"$JSC.>", b"$NRG.>"];
                if api.iter().any(|ns| overlaps(s, ns)) && !is_subset(s, b"$JS.EVENT.>") {
                    return Err(bad(
                        "subjects that overlap with jetstream api require no-ack to be true",
                    ));
                }
                if overlaps(s, b"$SYS.>") && !is_subset(s, b"$SYS.ACCOUNT.>") {
                    return Err(bad(
                        "subjects that overlap with system api require no-ack to be true",
                    ));
                }
            }
            if let Some(other) = self.subjects[i + 1..]
                .iter()
                .find(|t| overlaps(t.as_bytes(), s))
            {
                return Err(bad(format!("subject {subj:?} overlaps with {other:?}")));
            }
        }
        Ok(())
    }

    /// Whether any subject of `self` can match a message some subject of `other` matches
    /// (creating or updating `self` while `other` exists is then 10065).
    pub fn overlaps_with(&self, other: &StreamConfig) -> bool {
        self.subjects.iter().any(|a| {
            other
                .subjects
                .iter()
                .any(|b| overlaps(a.as_bytes(), b.as_bytes()))
        })
    }

    /// The checks `STREAM.CREATE.<name>` makes before [`StreamConfig::normalize`]:
    /// name in the subject (10056), path separators (10128), sealed, mirror_direct.
    pub fn check_create_request(&self, subject_name: &str) -> Result<(), ApiError> {
        if subject_name != self.name {
            return Err(ErrorId::StreamMismatch.into());
        }
        if subject_name.contains(['\\', '/']) {
            return Err(ErrorId::StreamNameContainsPathSeparators.into());
        }
        if self.sealed {
            return Err(ApiError::invalid_config(
                "stream configuration for create can not be sealed",
            ));
        }
        if self.mirror_direct && self.mirror.is_none() {
            return Err(ApiError::invalid_config(
                "stream has no mirror but does have mirror direct",
            ));
        }
        Ok(())
    }

    /// What `STREAM.UPDATE` may change (nats-server `configUpdateCheck`): `old` is the current
    /// config, `new` the normalized requested one.
    pub fn update_check(old: &StreamConfig, new: &StreamConfig) -> Result<(), ApiError> {
        if new.name != old.name {
            return Err(bad("stream configuration name must match original"));
        }
        if new.storage != old.storage {
            return Err(bad(
                "stream configuration update can not change storage type",
            ));
        }
        let wq = RetentionPolicy::WorkQueue;
        if new.retention != old.retention && (old.retention == wq || new.retention == wq) {
            return Err(bad(
                "stream configuration update can not change retention policy to/from workqueue",
            ));
        }
        if old.sealed && !new.sealed {
            return Err(bad(
                "stream configuration update can not unseal a sealed stream",
            ));
        }
        if old.deny_delete && !new.deny_delete {
            return Err(bad(
                "stream configuration update can not cancel deny message deletes",
            ));
        }
        if old.deny_purge && !new.deny_purge {
            return Err(bad("stream configuration update can not cancel deny purge"));
        }
        // Removing the mirror promotes it to a normal stream; changing it is refused.
        if new.mirror.is_some() && new.mirror != old.mirror {
            return Err(ErrorId::StreamMirrorNotUpdatable.into());
        }
        if old.allow_msg_ttl && !new.allow_msg_ttl {
            return Err(bad("message TTL status can not be disabled"));
        }
        if new.allow_msg_counter != old.allow_msg_counter {
            return Err(bad(
                "stream configuration update can not change message counter setting",
            ));
        }
        if old.allow_msg_schedules && !new.allow_msg_schedules {
            return Err(bad("message schedules can not be disabled"));
        }
        if old.persist_mode != new.persist_mode {
            return Err(bad(
                "stream configuration update can not change persist mode",
            ));
        }
        Ok(())
    }

    /// The whole `STREAM.UPDATE` path: normalize `new`, check it against `old`, then apply
    /// what sealing forces (no max age, discard new, deny delete and purge, no rollups).
    pub fn apply_update(
        old: &StreamConfig,
        new: StreamConfig,
        clustered: bool,
        pedantic: bool,
    ) -> Result<StreamConfig, ApiError> {
        let mut cfg = new.normalize_with(clustered, pedantic)?;
        StreamConfig::update_check(old, &cfg)?;
        if cfg.sealed {
            cfg.max_age = 0;
            cfg.discard = DiscardPolicy::New;
            (cfg.deny_delete, cfg.deny_purge, cfg.allow_rollup_hdrs) = (true, true, false);
        }
        Ok(cfg)
    }
}
