//! The JetStream error catalogue: every `err_code` nats-server can send, with its HTTP-like
//! `code`, the Go constant it is known by and its description template (from nats-server's
//! `server/errors.json`, as listed in the spec digest §2.11).
//!
//! One table, one line per error: [`ErrorId`] names an entry, [`CATALOGUE`] holds them in
//! `err_code` order (the codes are contiguous, so lookup is an index). Descriptions keep
//! their placeholders (`{err}`, `{seq}`, ...); [`ApiError::with_args`](super::ApiError::with_args)
//! fills them.

/// The first `err_code` of the catalogue; entries follow contiguously.
pub const FIRST_ERR_CODE: u16 = 10002;

/// One error of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// Which error this is.
    pub id: ErrorId,
    /// The JetStream error code clients match on (`err_code`).
    pub err_code: u16,
    /// The HTTP-like status (`code`).
    pub code: u16,
    /// nats-server's Go constant, for cross-reference.
    pub constant: &'static str,
    /// The description template, placeholders in braces.
    pub description: &'static str,
}

macro_rules! catalogue {
    ($($variant:ident = $err_code:literal, $code:literal, $constant:literal, $description:literal;)*) => {
        /// A JetStream API error, named after nats-server's constant without the `JS` prefix and
        /// `Err`/`F` suffixes; the discriminant is the `err_code`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        #[non_exhaustive]
        pub enum ErrorId {
            $(
                #[doc = concat!("`", $constant, "` (", $code, "): ", $description)]
                $variant = $err_code,
            )*
        }

        /// Every error, in `err_code` order.
        pub const CATALOGUE: &[CatalogueEntry] = &[
            $(CatalogueEntry {
                id: ErrorId::$variant,
                err_code: $err_code,
                code: $code,
                constant: $constant,
                description: $description,
            },)*
        ];
    };
}

impl ErrorId {
    /// This error's catalogue entry.
    pub fn entry(self) -> &'static CatalogueEntry {
        // Every discriminant is an index into CATALOGUE (checked by the catalogue test).
        &CATALOGUE[usize::from(self as u16 - FIRST_ERR_CODE)]
    }

    /// The error with this `err_code`, if the catalogue has one.
    pub fn from_err_code(err_code: u16) -> Option<ErrorId> {
        let index = usize::from(err_code.checked_sub(FIRST_ERR_CODE)?);
        CATALOGUE.get(index).map(|e| e.id)
    }

    /// The `err_code` clients match on.
    pub fn err_code(self) -> u16 {
        self as u16
    }

    /// The HTTP-like `code`.
    pub fn code(self) -> u16 {
        self.entry().code
    }

    /// The description template (placeholders unfilled).
    pub fn description(self) -> &'static str {
        self.entry().description
    }
}

#[rustfmt::skip]
catalogue! {
    AccountResourcesExceeded = 10002, 400, "JSAccountResourcesExceededErr", "resource limits exceeded for account";
    BadRequest = 10003, 400, "JSBadRequestErr", "bad request";
    ClusterIncomplete = 10004, 503, "JSClusterIncompleteErr", "incomplete results";
    ClusterNoPeers = 10005, 400, "JSClusterNoPeersErrF", "{err}";
    ClusterNotActive = 10006, 500, "JSClusterNotActiveErr", "JetStream not in clustered mode";
    ClusterNotAssigned = 10007, 500, "JSClusterNotAssignedErr", "JetStream cluster not assigned to this server";
    ClusterNotAvail = 10008, 503, "JSClusterNotAvailErr", "JetStream system temporarily unavailable";
    ClusterNotLeader = 10009, 500, "JSClusterNotLeaderErr", "JetStream cluster can not handle request";
    ClusterRequired = 10010, 503, "JSClusterRequiredErr", "JetStream clustering support required";
    ClusterTags = 10011, 400, "JSClusterTagsErr", "tags placement not supported for operation";
    ConsumerCreate = 10012, 500, "JSConsumerCreateErrF", "{err}";
    ConsumerNameExist = 10013, 400, "JSConsumerNameExistErr", "consumer name already in use";
    ConsumerNotFound = 10014, 404, "JSConsumerNotFoundErr", "consumer not found";
    SnapshotDeliverSubjectInvalid = 10015, 400, "JSSnapshotDeliverSubjectInvalidErr", "deliver subject not valid";
    ConsumerDurableNameNotInSubject = 10016, 400, "JSConsumerDurableNameNotInSubjectErr", "consumer expected to be durable but no durable name set in subject";
    ConsumerDurableNameNotMatchSubject = 10017, 400, "JSConsumerDurableNameNotMatchSubjectErr", "consumer name in subject does not match durable name in request";
    ConsumerDurableNameNotSet = 10018, 400, "JSConsumerDurableNameNotSetErr", "consumer expected to be durable but a durable name was not set";
    ConsumerEphemeralWithDurableInSubject = 10019, 400, "JSConsumerEphemeralWithDurableInSubjectErr", "consumer expected to be ephemeral but detected a durable name set in subject";
    ConsumerEphemeralWithDurableName = 10020, 400, "JSConsumerEphemeralWithDurableNameErr", "consumer expected to be ephemeral but a durable name was set in request";
    StreamExternalApiOverlap = 10021, 400, "JSStreamExternalApiOverlapErrF", "stream external api prefix {prefix} must not overlap with {subject}";
    StreamExternalDelPrefixOverlaps = 10022, 400, "JSStreamExternalDelPrefixOverlapsErrF", "stream external delivery prefix {prefix} overlaps with stream subject {subject}";
    InsufficientResources = 10023, 503, "JSInsufficientResourcesErr", "insufficient resources";
    StreamInvalidExternalDeliverySubj = 10024, 400, "JSStreamInvalidExternalDeliverySubjErrF", "stream external delivery prefix {prefix} must not contain wildcards";
    InvalidJSON = 10025, 400, "JSInvalidJSONErr", "invalid JSON: {err}";
    MaximumConsumersLimit = 10026, 400, "JSMaximumConsumersLimitErr", "maximum consumers limit reached";
    MaximumStreamsLimit = 10027, 400, "JSMaximumStreamsLimitErr", "maximum number of streams reached";
    MemoryResourcesExceeded = 10028, 500, "JSMemoryResourcesExceededErr", "insufficient memory resources available";
    MirrorConsumerSetupFailed = 10029, 500, "JSMirrorConsumerSetupFailedErrF", "{err}";
    MirrorMaxMessageSizeTooBig = 10030, 400, "JSMirrorMaxMessageSizeTooBigErr", "stream mirror must have max message size >= source";
    MirrorWithSources = 10031, 400, "JSMirrorWithSourcesErr", "stream mirrors can not also contain other sources";
    MirrorWithStartSeqAndTime = 10032, 400, "JSMirrorWithStartSeqAndTimeErr", "stream mirrors can not have both start seq and start time configured";
    MirrorWithSubjectFilters = 10033, 400, "JSMirrorWithSubjectFiltersErr", "stream mirrors can not contain filtered subjects";
    MirrorWithSubjects = 10034, 400, "JSMirrorWithSubjectsErr", "stream mirrors can not contain subjects";
    NoAccount = 10035, 503, "JSNoAccountErr", "account not found";
    ClusterUnSupportFeature = 10036, 503, "JSClusterUnSupportFeatureErr", "not currently supported in clustered mode";
    NoMessageFound = 10037, 404, "JSNoMessageFoundErr", "no message found";
    NotEmptyRequest = 10038, 400, "JSNotEmptyRequestErr", "expected an empty request payload";
    NotEnabledForAccount = 10039, 503, "JSNotEnabledForAccountErr", "JetStream not enabled for account";
    ClusterPeerNotMember = 10040, 400, "JSClusterPeerNotMemberErr", "peer not a member";
    RaftGeneral = 10041, 500, "JSRaftGeneralErrF", "{err}";
    RestoreSubscribeFailed = 10042, 500, "JSRestoreSubscribeFailedErrF", "JetStream unable to subscribe to restore snapshot {subject}: {err}";
    SequenceNotFound = 10043, 400, "JSSequenceNotFoundErrF", "sequence {seq} not found";
    ClusterServerNotMember = 10044, 400, "JSClusterServerNotMemberErr", "server is not a member of the cluster";
    SourceConsumerSetupFailed = 10045, 500, "JSSourceConsumerSetupFailedErrF", "{err}";
    SourceMaxMessageSizeTooBig = 10046, 400, "JSSourceMaxMessageSizeTooBigErr", "stream source must have max message size >= target";
    StorageResourcesExceeded = 10047, 500, "JSStorageResourcesExceededErr", "insufficient storage resources available";
    StreamAssignment = 10048, 500, "JSStreamAssignmentErrF", "{err}";
    StreamCreate = 10049, 500, "JSStreamCreateErrF", "{err}";
    StreamDelete = 10050, 500, "JSStreamDeleteErrF", "{err}";
    StreamGeneralError = 10051, 500, "JSStreamGeneralErrorF", "{err}";
    StreamInvalidConfig = 10052, 500, "JSStreamInvalidConfigF", "{err}";
    StreamLimits = 10053, 500, "JSStreamLimitsErrF", "{err}";
    StreamMessageExceedsMaximum = 10054, 400, "JSStreamMessageExceedsMaximumErr", "message size exceeds maximum allowed";
    StreamMirrorNotUpdatable = 10055, 400, "JSStreamMirrorNotUpdatableErr", "stream mirror configuration can not be updated";
    StreamMismatch = 10056, 400, "JSStreamMismatchErr", "stream name in subject does not match request";
    StreamMsgDeleteFailed = 10057, 500, "JSStreamMsgDeleteFailedF", "{err}";
    StreamNameExist = 10058, 400, "JSStreamNameExistErr", "stream name already in use with a different configuration";
    StreamNotFound = 10059, 404, "JSStreamNotFoundErr", "stream not found";
    StreamNotMatch = 10060, 400, "JSStreamNotMatchErr", "expected stream does not match";
    StreamReplicasNotUpdatable = 10061, 400, "JSStreamReplicasNotUpdatableErr", "Replicas configuration can not be updated";
    StreamRestore = 10062, 500, "JSStreamRestoreErrF", "restore failed: {err}";
    StreamSequenceNotMatch = 10063, 503, "JSStreamSequenceNotMatchErr", "expected stream sequence does not match";
    StreamSnapshot = 10064, 500, "JSStreamSnapshotErrF", "snapshot failed: {err}";
    StreamSubjectOverlap = 10065, 400, "JSStreamSubjectOverlapErr", "subjects overlap with an existing stream";
    StreamTemplateCreate = 10066, 500, "JSStreamTemplateCreateErrF", "{err}";
    StreamTemplateDelete = 10067, 500, "JSStreamTemplateDeleteErrF", "{err}";
    StreamTemplateNotFound = 10068, 404, "JSStreamTemplateNotFoundErr", "template not found";
    StreamUpdate = 10069, 500, "JSStreamUpdateErrF", "{err}";
    StreamWrongLastMsgID = 10070, 400, "JSStreamWrongLastMsgIDErrF", "wrong last msg ID: {id}";
    StreamWrongLastSequence = 10071, 400, "JSStreamWrongLastSequenceErrF", "wrong last sequence: {seq}";
    TempStorageFailed = 10072, 500, "JSTempStorageFailedErr", "JetStream unable to open temp storage for restore";
    TemplateNameNotMatchSubject = 10073, 400, "JSTemplateNameNotMatchSubjectErr", "template name in subject does not match request";
    StreamReplicasNotSupported = 10074, 500, "JSStreamReplicasNotSupportedErr", "replicas > 1 not supported in non-clustered mode";
    PeerRemap = 10075, 503, "JSPeerRemapErr", "peer remap failed";
    NotEnabled = 10076, 503, "JSNotEnabledErr", "JetStream not enabled";
    StreamStoreFailed = 10077, 503, "JSStreamStoreFailedF", "{err}";
    ConsumerConfigRequired = 10078, 400, "JSConsumerConfigRequiredErr", "consumer config required";
    ConsumerDeliverToWildcards = 10079, 400, "JSConsumerDeliverToWildcardsErr", "consumer deliver subject has wildcards";
    ConsumerPushMaxWaiting = 10080, 400, "JSConsumerPushMaxWaitingErr", "consumer in push mode can not set max waiting";
    ConsumerDeliverCycle = 10081, 400, "JSConsumerDeliverCycleErr", "consumer deliver subject forms a cycle";
    ConsumerMaxPendingAckPolicyRequired = 10082, 400, "JSConsumerMaxPendingAckPolicyRequiredErr", "consumer requires ack policy for max ack pending";
    ConsumerSmallHeartbeat = 10083, 400, "JSConsumerSmallHeartbeatErr", "consumer idle heartbeat needs to be >= 100ms";
    ConsumerPullRequiresAck = 10084, 400, "JSConsumerPullRequiresAckErr", "consumer in pull mode requires explicit ack policy on workqueue stream";
    ConsumerPullNotDurable = 10085, 400, "JSConsumerPullNotDurableErr", "consumer in pull mode requires a durable name";
    ConsumerPullWithRateLimit = 10086, 400, "JSConsumerPullWithRateLimitErr", "consumer in pull mode can not have rate limit set";
    ConsumerMaxWaitingNegative = 10087, 400, "JSConsumerMaxWaitingNegativeErr", "consumer max waiting needs to be positive";
    ConsumerHBRequiresPush = 10088, 400, "JSConsumerHBRequiresPushErr", "consumer idle heartbeat requires a push based consumer";
    ConsumerFCRequiresPush = 10089, 400, "JSConsumerFCRequiresPushErr", "consumer flow control requires a push based consumer";
    ConsumerDirectRequiresPush = 10090, 400, "JSConsumerDirectRequiresPushErr", "consumer direct requires a push based consumer";
    ConsumerDirectRequiresEphemeral = 10091, 400, "JSConsumerDirectRequiresEphemeralErr", "consumer direct requires an ephemeral consumer";
    ConsumerOnMapped = 10092, 400, "JSConsumerOnMappedErr", "consumer direct on a mapped consumer";
    ConsumerFilterNotSubset = 10093, 400, "JSConsumerFilterNotSubsetErr", "consumer filter subject is not a valid subset of the interest subjects";
    ConsumerInvalidPolicy = 10094, 400, "JSConsumerInvalidPolicyErrF", "{err}";
    ConsumerInvalidSampling = 10095, 400, "JSConsumerInvalidSamplingErrF", "failed to parse consumer sampling configuration: {err}";
    StreamInvalid = 10096, 500, "JSStreamInvalidErr", "stream not valid";
    StreamHeaderExceedsMaximum = 10097, 400, "JSStreamHeaderExceedsMaximumErr", "header size exceeds maximum allowed of 64k";
    ConsumerWQRequiresExplicitAck = 10098, 400, "JSConsumerWQRequiresExplicitAckErr", "workqueue stream requires explicit ack";
    ConsumerWQMultipleUnfiltered = 10099, 400, "JSConsumerWQMultipleUnfilteredErr", "multiple non-filtered consumers not allowed on workqueue stream";
    ConsumerWQConsumerNotUnique = 10100, 400, "JSConsumerWQConsumerNotUniqueErr", "filtered consumer not unique on workqueue stream";
    ConsumerWQConsumerNotDeliverAll = 10101, 400, "JSConsumerWQConsumerNotDeliverAllErr", "consumer must be deliver all on workqueue stream";
    ConsumerNameTooLong = 10102, 400, "JSConsumerNameTooLongErrF", "consumer name is too long, maximum allowed is {max}";
    ConsumerBadDurableName = 10103, 400, "JSConsumerBadDurableNameErr", "durable name can not contain '.', '*', '>'";
    ConsumerStoreFailed = 10104, 500, "JSConsumerStoreFailedErrF", "error creating store for consumer: {err}";
    ConsumerExistingActive = 10105, 400, "JSConsumerExistingActiveErr", "consumer already exists and is still active";
    ConsumerReplacementWithDifferentName = 10106, 400, "JSConsumerReplacementWithDifferentNameErr", "consumer replacement durable config not the same";
    ConsumerDescriptionTooLong = 10107, 400, "JSConsumerDescriptionTooLongErrF", "consumer description is too long, maximum allowed is {max}";
    ConsumerWithFlowControlNeedsHeartbeats = 10108, 400, "JSConsumerWithFlowControlNeedsHeartbeats", "consumer with flow control also needs heartbeats";
    StreamSealed = 10109, 400, "JSStreamSealedErr", "invalid operation on sealed stream";
    StreamPurgeFailed = 10110, 500, "JSStreamPurgeFailedF", "{err}";
    StreamRollupFailed = 10111, 500, "JSStreamRollupFailedF", "{err}";
    ConsumerInvalidDeliverSubject = 10112, 400, "JSConsumerInvalidDeliverSubject", "invalid push consumer deliver subject";
    StreamMaxBytesRequired = 10113, 400, "JSStreamMaxBytesRequired", "account requires a stream config to have max bytes set";
    ConsumerMaxRequestBatchNegative = 10114, 400, "JSConsumerMaxRequestBatchNegativeErr", "consumer max request batch needs to be > 0";
    ConsumerMaxRequestExpiresTooSmall = 10115, 400, "JSConsumerMaxRequestExpiresTooSmall", "consumer max request expires needs to be >= 1ms";
    ConsumerMaxDeliverBackoff = 10116, 400, "JSConsumerMaxDeliverBackoffErr", "max deliver is required to be > length of backoff values";
    StreamInfoMaxSubjects = 10117, 500, "JSStreamInfoMaxSubjectsErr", "subject details would exceed maximum allowed";
    StreamOffline = 10118, 500, "JSStreamOfflineErr", "stream is offline";
    ConsumerOffline = 10119, 500, "JSConsumerOfflineErr", "consumer is offline";
    NoLimits = 10120, 400, "JSNoLimitsErr", "no JetStream default or applicable tiered limit present";
    ConsumerMaxPendingAckExcess = 10121, 400, "JSConsumerMaxPendingAckExcessErrF", "consumer max ack pending exceeds system limit of {limit}";
    StreamMaxStreamBytesExceeded = 10122, 400, "JSStreamMaxStreamBytesExceeded", "stream max bytes exceeds account limit max stream bytes";
    StreamMoveAndScale = 10123, 400, "JSStreamMoveAndScaleErr", "can not move and scale a stream in a single update";
    StreamMoveInProgress = 10124, 400, "JSStreamMoveInProgressErr", "stream move already in progress";
    ConsumerMaxRequestBatchExceeded = 10125, 400, "JSConsumerMaxRequestBatchExceededF", "consumer max request batch exceeds server limit of {limit}";
    ConsumerReplicasExceedsStream = 10126, 400, "JSConsumerReplicasExceedsStream", "consumer config replica count exceeds parent stream";
    ConsumerNameContainsPathSeparators = 10127, 400, "JSConsumerNameContainsPathSeparatorsErr", "Consumer name can not contain path separators";
    StreamNameContainsPathSeparators = 10128, 400, "JSStreamNameContainsPathSeparatorsErr", "Stream name can not contain path separators";
    StreamReconfigureNotInProgress = 10129, 400, "JSStreamReconfigureNotInProgressErr", "stream reconfiguration not in progress";
    StreamNameExistRestoreFailed = 10130, 400, "JSStreamNameExistRestoreFailedErr", "stream name already in use, cannot restore";
    ConsumerCreateFilterSubjectMismatch = 10131, 400, "JSConsumerCreateFilterSubjectMismatchErr", "Consumer create request did not match filtered subject from create subject";
    ConsumerCreateDurableAndNameMismatch = 10132, 400, "JSConsumerCreateDurableAndNameMismatch", "Consumer Durable and Name have to be equal if both are provided";
    ReplicasCountCannotBeNegative = 10133, 400, "JSReplicasCountCannotBeNegative", "replicas count cannot be negative";
    ConsumerReplicasShouldMatchStream = 10134, 400, "JSConsumerReplicasShouldMatchStream", "consumer config replicas must match interest retention stream's replicas";
    ConsumerMetadataLength = 10135, 400, "JSConsumerMetadataLengthErrF", "consumer metadata exceeds maximum size of {limit}";
    ConsumerDuplicateFilterSubjects = 10136, 400, "JSConsumerDuplicateFilterSubjects", "consumer cannot have both FilterSubject and FilterSubjects specified";
    ConsumerMultipleFiltersNotAllowed = 10137, 400, "JSConsumerMultipleFiltersNotAllowed", "consumer with multiple subject filters cannot use subject based API";
    ConsumerOverlappingSubjectFilters = 10138, 400, "JSConsumerOverlappingSubjectFilters", "consumer subject filters cannot overlap";
    ConsumerEmptyFilter = 10139, 400, "JSConsumerEmptyFilter", "consumer filter in FilterSubjects cannot be empty";
    SourceDuplicateDetected = 10140, 400, "JSSourceDuplicateDetected", "duplicate source configuration detected";
    SourceInvalidStreamName = 10141, 400, "JSSourceInvalidStreamName", "sourced stream name is invalid";
    MirrorInvalidStreamName = 10142, 400, "JSMirrorInvalidStreamName", "mirrored stream name is invalid";
    MirrorWithFirstSeq = 10143, 400, "JSMirrorWithFirstSeqErr", "stream mirrors can not have first sequence configured";
    SourceMultipleFiltersNotAllowed = 10144, 400, "JSSourceMultipleFiltersNotAllowed", "source with multiple subject transforms cannot also have a single subject filter";
    SourceInvalidSubjectFilter = 10145, 400, "JSSourceInvalidSubjectFilter", "source transform source: {err}";
    SourceInvalidTransformDestination = 10146, 400, "JSSourceInvalidTransformDestination", "source transform: {err}";
    SourceOverlappingSubjectFilters = 10147, 400, "JSSourceOverlappingSubjectFilters", "source filters can not overlap";
    ConsumerAlreadyExists = 10148, 400, "JSConsumerAlreadyExists", "consumer already exists";
    ConsumerDoesNotExist = 10149, 400, "JSConsumerDoesNotExist", "consumer does not exist";
    MirrorMultipleFiltersNotAllowed = 10150, 400, "JSMirrorMultipleFiltersNotAllowed", "mirror with multiple subject transforms cannot also have a single subject filter";
    MirrorInvalidSubjectFilter = 10151, 400, "JSMirrorInvalidSubjectFilter", "mirror transform source: {err}";
    MirrorOverlappingSubjectFilters = 10152, 400, "JSMirrorOverlappingSubjectFilters", "mirror subject filters can not overlap";
    ConsumerInactiveThresholdExcess = 10153, 400, "JSConsumerInactiveThresholdExcess", "consumer inactive threshold exceeds system limit of {limit}";
    MirrorInvalidTransformDestination = 10154, 400, "JSMirrorInvalidTransformDestination", "mirror transform: {err}";
    StreamTransformInvalidSource = 10155, 400, "JSStreamTransformInvalidSource", "stream transform source: {err}";
    StreamTransformInvalidDestination = 10156, 400, "JSStreamTransformInvalidDestination", "stream transform: {err}";
    Pedantic = 10157, 400, "JSPedanticErrF", "pedantic mode: {err}";
    StreamDuplicateMessageConflict = 10158, 409, "JSStreamDuplicateMessageConflict", "duplicate message id is in process";
    ConsumerPriorityPolicyWithoutGroup = 10159, 400, "JSConsumerPriorityPolicyWithoutGroup", "Setting PriorityPolicy requires at least one PriorityGroup to be set";
    ConsumerInvalidPriorityGroup = 10160, 400, "JSConsumerInvalidPriorityGroupErr", "Provided priority group does not exist for this consumer";
    ConsumerEmptyGroupName = 10161, 400, "JSConsumerEmptyGroupName", "Group name cannot be an empty string";
    ConsumerInvalidGroupName = 10162, 400, "JSConsumerInvalidGroupNameErr", "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters";
    StreamExpectedLastSeqPerSubjectNotReady = 10163, 503, "JSStreamExpectedLastSeqPerSubjectNotReady", "expected last sequence per subject temporarily unavailable";
    StreamWrongLastSequenceConstant = 10164, 400, "JSStreamWrongLastSequenceConstantErr", "wrong last sequence";
    MessageTTLInvalid = 10165, 400, "JSMessageTTLInvalidErr", "invalid per-message TTL";
    MessageTTLDisabled = 10166, 400, "JSMessageTTLDisabledErr", "per-message TTL is disabled";
    StreamTooManyRequests = 10167, 429, "JSStreamTooManyRequests", "too many requests";
    MessageIncrDisabled = 10168, 400, "JSMessageIncrDisabledErr", "message counters is disabled";
    MessageIncrMissing = 10169, 400, "JSMessageIncrMissingErr", "message counter increment is missing";
    MessageIncrPayload = 10170, 400, "JSMessageIncrPayloadErr", "message counter has payload";
    MessageIncrInvalid = 10171, 400, "JSMessageIncrInvalidErr", "message counter increment is invalid";
    MessageCounterBroken = 10172, 400, "JSMessageCounterBrokenErr", "message counter is broken";
    MirrorWithCounters = 10173, 400, "JSMirrorWithCountersErr", "stream mirrors can not also calculate counters";
    AtomicPublishDisabled = 10174, 400, "JSAtomicPublishDisabledErr", "atomic publish is disabled";
    AtomicPublishMissingSeq = 10175, 400, "JSAtomicPublishMissingSeqErr", "atomic publish sequence is missing";
    AtomicPublishIncompleteBatch = 10176, 400, "JSAtomicPublishIncompleteBatchErr", "atomic publish batch is incomplete";
    AtomicPublishUnsupportedHeaderBatch = 10177, 400, "JSAtomicPublishUnsupportedHeaderBatchErr", "atomic publish unsupported header used: {header}";
    ConsumerPushWithPriorityGroup = 10178, 400, "JSConsumerPushWithPriorityGroupErr", "priority groups can not be used with push consumers";
    AtomicPublishInvalidBatchID = 10179, 400, "JSAtomicPublishInvalidBatchIDErr", "atomic publish batch ID is invalid";
    StreamMinLastSeq = 10180, 412, "JSStreamMinLastSeqErr", "min last sequence";
    ConsumerAckPolicyInvalid = 10181, 400, "JSConsumerAckPolicyInvalidErr", "consumer ack policy invalid";
    ConsumerReplayPolicyInvalid = 10182, 400, "JSConsumerReplayPolicyInvalidErr", "consumer replay policy invalid";
    ConsumerAckWaitNegative = 10183, 400, "JSConsumerAckWaitNegativeErr", "consumer ack wait needs to be positive";
    ConsumerBackOffNegative = 10184, 400, "JSConsumerBackOffNegativeErr", "consumer backoff needs to be positive";
    RequiredApiLevel = 10185, 412, "JSRequiredApiLevelErr", "JetStream minimum api level required";
    MirrorWithMsgSchedules = 10186, 400, "JSMirrorWithMsgSchedulesErr", "stream mirrors can not also schedule messages";
    SourceWithMsgSchedules = 10187, 400, "JSSourceWithMsgSchedulesErr", "stream source can not also schedule messages";
    MessageSchedulesDisabled = 10188, 400, "JSMessageSchedulesDisabledErr", "message schedules is disabled";
    MessageSchedulesPatternInvalid = 10189, 400, "JSMessageSchedulesPatternInvalidErr", "message schedules pattern is invalid";
    MessageSchedulesTargetInvalid = 10190, 400, "JSMessageSchedulesTargetInvalidErr", "message schedules target is invalid";
    MessageSchedulesTTLInvalid = 10191, 400, "JSMessageSchedulesTTLInvalidErr", "message schedules invalid per-message TTL";
    MessageSchedulesRollupInvalid = 10192, 400, "JSMessageSchedulesRollupInvalidErr", "message schedules invalid rollup";
    StreamExpectedLastSeqPerSubjectInvalid = 10193, 400, "JSStreamExpectedLastSeqPerSubjectInvalid", "missing sequence for expected last sequence per subject";
    StreamOfflineReason = 10194, 500, "JSStreamOfflineReasonErrF", "stream is offline: {err}";
    ConsumerOfflineReason = 10195, 500, "JSConsumerOfflineReasonErrF", "consumer is offline: {err}";
    ConsumerPriorityGroupWithPolicyNone = 10196, 400, "JSConsumerPriorityGroupWithPolicyNone", "consumer can not have priority groups when policy is none";
    ConsumerPinnedTTLWithoutPriorityPolicyNone = 10197, 400, "JSConsumerPinnedTTLWithoutPriorityPolicyNone", "PinnedTTL cannot be set when PriorityPolicy is none";
    MirrorWithAtomicPublish = 10198, 400, "JSMirrorWithAtomicPublishErr", "stream mirrors can not also use atomic publishing";
    AtomicPublishTooLargeBatch = 10199, 400, "JSAtomicPublishTooLargeBatchErrF", "atomic publish batch is too large: {size}";
    AtomicPublishInvalidBatchCommit = 10200, 400, "JSAtomicPublishInvalidBatchCommitErr", "atomic publish batch commit is invalid";
    AtomicPublishContainsDuplicateMessage = 10201, 400, "JSAtomicPublishContainsDuplicateMessageErr", "atomic publish batch contains duplicate message id";
    ClusterServerMemberChangeInflight = 10202, 400, "JSClusterServerMemberChangeInflightErr", "cluster member change is in progress";
    MessageSchedulesSourceInvalid = 10203, 400, "JSMessageSchedulesSourceInvalidErr", "message schedules source is invalid";
    ConsumerInvalidReset = 10204, 400, "JSConsumerInvalidResetErr", "invalid reset: {err}";
    BatchPublishDisabled = 10205, 400, "JSBatchPublishDisabledErr", "batch publish is disabled";
    BatchPublishInvalidPattern = 10206, 400, "JSBatchPublishInvalidPatternErr", "batch publish pattern is invalid";
    BatchPublishInvalidBatchID = 10207, 400, "JSBatchPublishInvalidBatchIDErr", "batch publish ID is invalid";
    BatchPublishUnknownBatchID = 10208, 400, "JSBatchPublishUnknownBatchIDErr", "batch publish ID unknown";
    MirrorWithBatchPublish = 10209, 400, "JSMirrorWithBatchPublishErr", "stream mirrors can not also use batch publishing";
    AtomicPublishTooManyInflight = 10210, 429, "JSAtomicPublishTooManyInflight", "atomic publish too many inflight";
    BatchPublishTooManyInflight = 10211, 429, "JSBatchPublishTooManyInflight", "batch publish too many inflight";
    MessageSchedulesSchedulerInvalid = 10212, 400, "JSMessageSchedulesSchedulerInvalidErr", "message schedules invalid scheduler";
    MirrorDurableConsumerCfgInvalid = 10213, 400, "JSMirrorDurableConsumerCfgInvalid", "stream mirror consumer config is invalid";
    MirrorConsumerRequiresAckFC = 10214, 400, "JSMirrorConsumerRequiresAckFCErr", "stream mirror consumer requires flow control ack policy";
    SourceDurableConsumerCfgInvalid = 10215, 400, "JSSourceDurableConsumerCfgInvalid", "stream source consumer config is invalid";
    SourceDurableConsumerDuplicateDetected = 10216, 400, "JSSourceDurableConsumerDuplicateDetected", "duplicate stream source consumer detected";
    SourceConsumerRequiresAckFC = 10217, 400, "JSSourceConsumerRequiresAckFCErr", "stream source consumer requires flow control ack policy";
    ConsumerAckFCRequiresPush = 10218, 400, "JSConsumerAckFCRequiresPushErr", "flow control ack policy requires a push based consumer";
    ConsumerAckFCRequiresFC = 10219, 400, "JSConsumerAckFCRequiresFCErr", "flow control ack policy requires flow control";
    ConsumerAckFCRequiresMaxAckPending = 10220, 400, "JSConsumerAckFCRequiresMaxAckPendingErr", "flow control ack policy requires max ack pending";
    ConsumerAckFCRequiresNoAckWait = 10221, 400, "JSConsumerAckFCRequiresNoAckWaitErr", "flow control ack policy requires unset ack wait";
    ConsumerAckFCRequiresNoMaxDeliver = 10222, 400, "JSConsumerAckFCRequiresNoMaxDeliverErr", "flow control ack policy requires unset max deliver";
    MessageSchedulesTimeZoneInvalid = 10223, 400, "JSMessageSchedulesTimeZoneInvalidErr", "message schedules time zone is invalid";
    ClusterRescue = 10224, 400, "JSClusterRescueErr", "JetStream system rescue not applied: {err}";
    ConsumerStreamIdentityMismatch = 10225, 400, "JSConsumerStreamIdentityMismatchF", "consumer's stream identity does not match: {msg}";
    StreamReconfigureInProgress = 10226, 400, "JSStreamReconfigureInProgressErr", "stream reconfiguration already in progress";
    MessageSourceHdrNotAllowed = 10227, 400, "JSMessageSourceHdrNotAllowedErr", "message stream source header is not allowed";
}
