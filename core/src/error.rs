//! Protocol errors, each carrying the exact text nats-server sends in `-ERR '<text>'`.

use alloc::string::String;

/// An error on the client protocol. [`ProtoError::is_fatal`] says whether the connection closes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// An operation name the server does not know, or a frame that breaks the grammar.
    #[error("Unknown Protocol Operation")]
    UnknownOperation,
    /// A control line longer than `max_control_line`.
    #[error("maximum control line exceeded")]
    MaxControlLineExceeded,
    /// A payload larger than `max_payload`.
    #[error("Maximum Payload Violation")]
    MaxPayloadViolation,
    /// Arguments of an operation are malformed (wrong count, bad size...).
    #[error("Protocol Violation: {0}")]
    BadArguments(&'static str),
    /// A SUB with an invalid subject or queue name (non-fatal).
    #[error("Invalid Subject")]
    InvalidSubject,
    /// A PUB to a subject with wildcards or bad tokens, in pedantic mode (non-fatal).
    #[error("Invalid Publish Subject")]
    InvalidPublishSubject,
    /// Failed or missing authentication.
    #[error("Authorization Violation")]
    AuthorizationViolation,
    /// No CONNECT within the authentication timeout.
    #[error("Authentication Timeout")]
    AuthenticationTimeout,
    /// Too many unanswered PINGs.
    #[error("Stale Connection")]
    StaleConnection,
    /// CONNECT `protocol` other than 0 or 1.
    #[error("invalid client protocol")]
    InvalidClientProtocol,
    /// CONNECT JSON that does not parse.
    #[error("Invalid Connect: {0}")]
    InvalidConnect(String),
    /// `no_responders` asked for without `headers`.
    #[error("no responders requires headers support")]
    NoRespondersRequiresHeaders,
    /// HPUB on a connection that did not negotiate headers.
    #[error("message headers not supported")]
    HeadersNotSupported,
    /// The server is at `max_connections`.
    #[error("maximum connections exceeded")]
    MaxConnectionsExceeded,
    /// The connection is at `max_subscriptions` (non-fatal).
    #[error("maximum subscriptions exceeded")]
    MaxSubscriptionsExceeded,
    /// Publishing to a reserved subject (non-fatal).
    #[error("Permissions Violation for Publish to \"{0}\"")]
    PublishPermission(String),
}

impl ProtoError {
    /// Whether the server closes the connection after sending this error.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            ProtoError::InvalidSubject
                | ProtoError::InvalidPublishSubject
                | ProtoError::MaxSubscriptionsExceeded
                | ProtoError::PublishPermission(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn texts_match_nats_server() {
        assert_eq!(
            ProtoError::UnknownOperation.to_string(),
            "Unknown Protocol Operation"
        );
        assert_eq!(
            ProtoError::MaxControlLineExceeded.to_string(),
            "maximum control line exceeded"
        );
        assert_eq!(
            ProtoError::MaxPayloadViolation.to_string(),
            "Maximum Payload Violation"
        );
        assert_eq!(
            ProtoError::AuthorizationViolation.to_string(),
            "Authorization Violation"
        );
        assert_eq!(ProtoError::StaleConnection.to_string(), "Stale Connection");
        assert!(!ProtoError::InvalidSubject.is_fatal());
        assert!(ProtoError::MaxPayloadViolation.is_fatal());
    }
}
