//! The parts of stream config validation about mirrors, sources, subject transforms and
//! republish (nats-server `checkStreamCfg`), as far as one config can be checked on its own.

use super::catalogue::ErrorId;
use super::error::ApiError;
use super::mapping::validate_mapping;
use super::stream::{StreamConfig, StreamSource};
use super::{is_valid_name, API_PREFIX};
use crate::subject::{is_subset, is_valid_literal_subject, is_valid_subject, overlaps};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// nats-server's `ErrBadSubject` text.
const BAD_SUBJECT: &str = "invalid subject";

/// Whether a sourcing consumer (`consumer` of a mirror or source) is usable.
fn consumer_ok(src: &StreamSource) -> bool {
    src.consumer.as_ref().is_none_or(|c| {
        is_valid_name(&c.name)
            && is_valid_literal_subject(c.deliver_subject.as_bytes())
            && src.opt_start_seq == 0
            && src.opt_start_time.is_none()
            && src.filter_subject.is_empty()
    })
}

impl StreamSource {
    /// nats-server's index name of a source (`composeIName`): `<name> <filters> <dests>`,
    /// `>` for an empty filter or destination, several joined by form feeds. It names the
    /// source in `Nats-Stream-Source` headers (with the origin sequence after the name).
    pub fn index_name(&self) -> String {
        source_identity(self)
    }
}

/// Compiles a transform as nats-server's `ValidateMapping` finally does.
fn compiles(tr: &super::stream::SubjectTransform) -> Result<(), crate::transform::TransformError> {
    crate::transform::Transform::new(&tr.src, &tr.dest).map(|_| ())
}

/// The identity nats-server uses to find duplicate sources (`composeIName`).
fn source_identity(src: &StreamSource) -> String {
    let mut id = src.name.clone();
    if let Some(ext) = &src.external {
        id.push(':');
        id.push_str(&ext.api);
    }
    let or_all = |s: &str| String::from(if s.is_empty() { ">" } else { s });
    let (from, to) = if src.subject_transforms.is_empty() {
        (or_all(&src.filter_subject), String::from(">"))
    } else {
        let from: Vec<String> = src
            .subject_transforms
            .iter()
            .map(|t| or_all(&t.src))
            .collect();
        let to: Vec<String> = src
            .subject_transforms
            .iter()
            .map(|t| or_all(&t.dest))
            .collect();
        (from.join("\x0c"), to.join("\x0c"))
    };
    format!("{id} {from} {to}")
}

impl StreamConfig {
    pub(super) fn check_mirror_and_sources(&self) -> Result<(), ApiError> {
        let mut api_prefixes = Vec::new();
        let mut deliver_prefixes = Vec::new();
        if let Some(m) = &self.mirror {
            let refused = [
                (self.first_seq > 0, ErrorId::MirrorWithFirstSeq),
                (!self.subjects.is_empty(), ErrorId::MirrorWithSubjects),
                (!self.sources.is_empty(), ErrorId::MirrorWithSources),
                (self.allow_msg_counter, ErrorId::MirrorWithCounters),
                (self.allow_atomic, ErrorId::MirrorWithAtomicPublish),
                (self.allow_batched, ErrorId::MirrorWithBatchPublish),
                (self.allow_msg_schedules, ErrorId::MirrorWithMsgSchedules),
                (!consumer_ok(m), ErrorId::MirrorDurableConsumerCfgInvalid),
                (
                    !m.filter_subject.is_empty() && !m.subject_transforms.is_empty(),
                    ErrorId::MirrorMultipleFiltersNotAllowed,
                ),
            ];
            if let Some((_, id)) = refused.iter().find(|(bad, _)| *bad) {
                return Err((*id).into());
            }
            if self.subject_delete_marker_ttl > 0 {
                return Err(ApiError::invalid_config(
                    "subject delete markers forbidden on mirrors",
                ));
            }
            for (i, tr) in m.subject_transforms.iter().enumerate() {
                if !tr.src.is_empty() && !is_valid_subject(tr.src.as_bytes()) {
                    let msg = format!("{BAD_SUBJECT} {}", tr.src);
                    return Err(ApiError::with_err(ErrorId::MirrorInvalidSubjectFilter, msg));
                }
                validate_mapping(&tr.src, &tr.dest).map_err(|e| {
                    ApiError::with_err(ErrorId::MirrorInvalidTransformDestination, e)
                })?;
                compiles(tr).map_err(|e| {
                    ApiError::with_err(ErrorId::MirrorInvalidTransformDestination, e)
                })?;
                let collides = |(j, other): (usize, &super::stream::SubjectTransform)| {
                    i != j && overlaps(tr.src.as_bytes(), other.src.as_bytes())
                };
                if m.subject_transforms.iter().enumerate().any(collides) {
                    return Err(ErrorId::MirrorOverlappingSubjectFilters.into());
                }
            }
            match &m.external {
                None if !is_valid_name(&m.name) => {
                    return Err(ErrorId::MirrorInvalidStreamName.into())
                }
                None => {}
                Some(ext) => {
                    deliver_prefixes.push(ext.deliver.as_str());
                    api_prefixes.push(ext.api.as_str());
                }
            }
        }
        if !self.sources.is_empty() && self.allow_msg_schedules {
            return Err(ErrorId::SourceWithMsgSchedules.into());
        }
        let mut identities = Vec::new();
        let mut consumers = Vec::new();
        for src in &self.sources {
            self.check_source(src, &mut identities, &mut consumers)?;
            if let Some(ext) = &src.external {
                deliver_prefixes.push(ext.deliver.as_str());
                api_prefixes.push(ext.api.as_str());
            }
        }
        for prefix in deliver_prefixes.into_iter().filter(|p| !p.is_empty()) {
            if !is_valid_literal_subject(prefix.as_bytes()) {
                return Err(ApiError::with_args(
                    ErrorId::StreamInvalidExternalDeliverySubj,
                    &[("prefix", prefix)],
                ));
            }
        }
        for prefix in api_prefixes.into_iter().filter(|p| !p.is_empty()) {
            if !is_valid_literal_subject(prefix.as_bytes()) {
                return Err(ApiError::invalid_config(format!(
                    "stream external api prefix {prefix:?} must be a valid subject without wildcards"
                )));
            }
            if overlaps(prefix.as_bytes(), API_PREFIX.as_bytes()) {
                return Err(ApiError::with_args(
                    ErrorId::StreamExternalApiOverlap,
                    &[("prefix", prefix), ("subject", API_PREFIX)],
                ));
            }
        }
        Ok(())
    }

    fn check_source(
        &self,
        src: &StreamSource,
        identities: &mut Vec<String>,
        consumers: &mut Vec<String>,
    ) -> Result<(), ApiError> {
        if !is_valid_name(&src.name) {
            return Err(ErrorId::SourceInvalidStreamName.into());
        }
        let identity = source_identity(src);
        if identities.contains(&identity) {
            return Err(ErrorId::SourceDuplicateDetected.into());
        }
        identities.push(identity);
        if !src.filter_subject.is_empty() && !src.subject_transforms.is_empty() {
            return Err(ErrorId::SourceMultipleFiltersNotAllowed.into());
        }
        for tr in &src.subject_transforms {
            if !tr.src.is_empty() && !is_valid_subject(tr.src.as_bytes()) {
                let msg = format!("{BAD_SUBJECT} {}", tr.src);
                return Err(ApiError::with_err(ErrorId::SourceInvalidSubjectFilter, msg));
            }
            validate_mapping(&tr.src, &tr.dest)
                .map_err(|e| ApiError::with_err(ErrorId::SourceInvalidTransformDestination, e))?;
            compiles(tr)
                .map_err(|e| ApiError::with_err(ErrorId::SourceInvalidTransformDestination, e))?;
        }
        for (i, a) in src.subject_transforms.iter().enumerate() {
            for (j, b) in src.subject_transforms.iter().enumerate() {
                if i != j && is_subset(a.src.as_bytes(), b.src.as_bytes()) {
                    return Err(ErrorId::SourceOverlappingSubjectFilters.into());
                }
            }
        }
        if let Some(c) = &src.consumer {
            if !consumer_ok(src) {
                return Err(ErrorId::SourceDurableConsumerCfgInvalid.into());
            }
            let key = format!("{} {}", src.name, c.name);
            if consumers.contains(&key) {
                return Err(ErrorId::SourceDurableConsumerDuplicateDetected.into());
            }
            consumers.push(key);
        }
        Ok(())
    }

    pub(super) fn check_transforms(&mut self, pedantic: bool) -> Result<(), ApiError> {
        if let Some(tr) = &self.subject_transform {
            if !tr.src.is_empty() && !is_valid_subject(tr.src.as_bytes()) {
                let msg = format!("{BAD_SUBJECT} {}", tr.src);
                return Err(ApiError::with_err(
                    ErrorId::StreamTransformInvalidSource,
                    msg,
                ));
            }
            validate_mapping(&tr.src, &tr.dest)
                .map_err(|e| ApiError::with_err(ErrorId::StreamTransformInvalidDestination, e))?;
            compiles(tr)
                .map_err(|e| ApiError::with_err(ErrorId::StreamTransformInvalidDestination, e))?;
        }
        let Some(rp) = self.republish.as_mut() else {
            return Ok(());
        };
        if rp.src.is_empty() {
            if pedantic {
                return Err(ApiError::pedantic("republish source can not be empty"));
            }
            rp.src = String::from(">");
        }
        if let Some(tr) = &self.subject_transform {
            if rp.dest == ">"
                && rp.src == ">"
                && self.subjects.len() == 1
                && tr.src == self.subjects[0]
            {
                if pedantic {
                    return Err(ApiError::pedantic(
                        "implicit republish based on subject transform",
                    ));
                }
                (rp.src, rp.dest) = (tr.dest.clone(), tr.dest.clone());
            }
        }
        if self
            .subjects
            .iter()
            .any(|s| overlaps(rp.dest.as_bytes(), s.as_bytes()))
        {
            return Err(ApiError::invalid_config(
                "stream configuration for republish destination forms a cycle",
            ));
        }
        let valid = is_valid_subject(rp.src.as_bytes())
            && is_valid_subject(rp.dest.as_bytes())
            && validate_mapping(&rp.src, &rp.dest).is_ok();
        if !valid {
            return Err(ApiError::invalid_config(format!(
                "stream configuration for republish with transform from '{}' to '{}' not valid",
                rp.src, rp.dest
            )));
        }
        Ok(())
    }
}
