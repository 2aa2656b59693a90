//! Checks the catalogue against a literal copy of the error table (spec digest §2.11, from
//! nats-server's `server/errors.json`): every `err_code`, `code`, constant and description.

use super::catalogue::{ErrorId, CATALOGUE, FIRST_ERR_CODE};
use super::error::ApiError;
use alloc::vec::Vec;

/// `| err_code | code | constant | description |`, copied verbatim from the spec table.
const TABLE: &str = r#"
| 10002 | 400 | JSAccountResourcesExceededErr | resource limits exceeded for account |
| 10003 | 400 | JSBadRequestErr | bad request |
| 10004 | 503 | JSClusterIncompleteErr | incomplete results |
| 10005 | 400 | JSClusterNoPeersErrF | {err} |
| 10006 | 500 | JSClusterNotActiveErr | JetStream not in clustered mode |
| 10007 | 500 | JSClusterNotAssignedErr | JetStream cluster not assigned to this server |
| 10008 | 503 | JSClusterNotAvailErr | JetStream system temporarily unavailable |
| 10009 | 500 | JSClusterNotLeaderErr | JetStream cluster can not handle request |
| 10010 | 503 | JSClusterRequiredErr | JetStream clustering support required |
| 10011 | 400 | JSClusterTagsErr | tags placement not supported for operation |
| 10012 | 500 | JSConsumerCreateErrF | {err} |
| 10013 | 400 | JSConsumerNameExistErr | consumer name already in use |
| 10014 | 404 | JSConsumerNotFoundErr | consumer not found |
| 10015 | 400 | JSSnapshotDeliverSubjectInvalidErr | deliver subject not valid |
| 10016 | 400 | JSConsumerDurableNameNotInSubjectErr | consumer expected to be durable but no durable name set in subject |
| 10017 | 400 | JSConsumerDurableNameNotMatchSubjectErr | consumer name in subject does not match durable name in request |
| 10018 | 400 | JSConsumerDurableNameNotSetErr | consumer expected to be durable but a durable name was not set |
| 10019 | 400 | JSConsumerEphemeralWithDurableInSubjectErr | consumer expected to be ephemeral but detected a durable name set in subject |
| 10020 | 400 | JSConsumerEphemeralWithDurableNameErr | consumer expected to be ephemeral but a durable name was set in request |
| 10021 | 400 | JSStreamExternalApiOverlapErrF | stream external api prefix {prefix} must not overlap with {subject} |
| 10022 | 400 | JSStreamExternalDelPrefixOverlapsErrF | stream external delivery prefix {prefix} overlaps with stream subject {subject} |
| 10023 | 503 | JSInsufficientResourcesErr | insufficient resources |
| 10024 | 400 | JSStreamInvalidExternalDeliverySubjErrF | stream external delivery prefix {prefix} must not contain wildcards |
| 10025 | 400 | JSInvalidJSONErr | invalid JSON: {err} |
| 10026 | 400 | JSMaximumConsumersLimitErr | maximum consumers limit reached |
| 10027 | 400 | JSMaximumStreamsLimitErr | maximum number of streams reached |
| 10028 | 500 | JSMemoryResourcesExceededErr | insufficient memory resources available |
| 10029 | 500 | JSMirrorConsumerSetupFailedErrF | {err} |
| 10030 | 400 | JSMirrorMaxMessageSizeTooBigErr | stream mirror must have max message size >= source |
| 10031 | 400 | JSMirrorWithSourcesErr | stream mirrors can not also contain other sources |
| 10032 | 400 | JSMirrorWithStartSeqAndTimeErr | stream mirrors can not have both start seq and start time configured |
| 10033 | 400 | JSMirrorWithSubjectFiltersErr | stream mirrors can not contain filtered subjects |
| 10034 | 400 | JSMirrorWithSubjectsErr | stream mirrors can not contain subjects |
| 10035 | 503 | JSNoAccountErr | account not found |
| 10036 | 503 | JSClusterUnSupportFeatureErr | not currently supported in clustered mode |
| 10037 | 404 | JSNoMessageFoundErr | no message found |
| 10038 | 400 | JSNotEmptyRequestErr | expected an empty request payload |
| 10039 | 503 | JSNotEnabledForAccountErr | JetStream not enabled for account |
| 10040 | 400 | JSClusterPeerNotMemberErr | peer not a member |
| 10041 | 500 | JSRaftGeneralErrF | {err} |
| 10042 | 500 | JSRestoreSubscribeFailedErrF | JetStream unable to subscribe to restore snapshot {subject}: {err} |
| 10043 | 400 | JSSequenceNotFoundErrF | sequence {seq} not found |
| 10044 | 400 | JSClusterServerNotMemberErr | server is not a member of the cluster |
| 10045 | 500 | JSSourceConsumerSetupFailedErrF | {err} |
| 10046 | 400 | JSSourceMaxMessageSizeTooBigErr | stream source must have max message size >= target |
| 10047 | 500 | JSStorageResourcesExceededErr | insufficient storage resources available |
| 10048 | 500 | JSStreamAssignmentErrF | {err} |
| 10049 | 500 | JSStreamCreateErrF | {err} |
| 10050 | 500 | JSStreamDeleteErrF | {err} |
| 10051 | 500 | JSStreamGeneralErrorF | {err} |
| 10052 | 500 | JSStreamInvalidConfigF | {err} |
| 10053 | 500 | JSStreamLimitsErrF | {err} |
| 10054 | 400 | JSStreamMessageExceedsMaximumErr | message size exceeds maximum allowed |
| 10055 | 400 | JSStreamMirrorNotUpdatableErr | stream mirror configuration can not be updated |
| 10056 | 400 | JSStreamMismatchErr | stream name in subject does not match request |
| 10057 | 500 | JSStreamMsgDeleteFailedF | {err} |
| 10058 | 400 | JSStreamNameExistErr | stream name already in use with a different configuration |
| 10059 | 404 | JSStreamNotFoundErr | stream not found |
| 10060 | 400 | JSStreamNotMatchErr | expected stream does not match |
| 10061 | 400 | JSStreamReplicasNotUpdatableErr | Replicas configuration can not be updated |
| 10062 | 500 | JSStreamRestoreErrF | restore failed: {err} |
| 10063 | 503 | JSStreamSequenceNotMatchErr | expected stream sequence does not match |
| 10064 | 500 | JSStreamSnapshotErrF | snapshot failed: {err} |
| 10065 | 400 | JSStreamSubjectOverlapErr | subjects overlap with an existing stream |
| 10066 | 500 | JSStreamTemplateCreateErrF | {err} |
| 10067 | 500 | JSStreamTemplateDeleteErrF | {err} |
| 10068 | 404 | JSStreamTemplateNotFoundErr | template not found |
| 10069 | 500 | JSStreamUpdateErrF | {err} |
| 10070 | 400 | JSStreamWrongLastMsgIDErrF | wrong last msg ID: {id} |
| 10071 | 400 | JSStreamWrongLastSequenceErrF | wrong last sequence: {seq} |
| 10072 | 500 | JSTempStorageFailedErr | JetStream unable to open temp storage for restore |
| 10073 | 400 | JSTemplateNameNotMatchSubjectErr | template name in subject does not match request |
| 10074 | 500 | JSStreamReplicasNotSupportedErr | replicas > 1 not supported in non-clustered mode |
| 10075 | 503 | JSPeerRemapErr | peer remap failed |
| 10076 | 503 | JSNotEnabledErr | JetStream not enabled |
| 10077 | 503 | JSStreamStoreFailedF | {err} |
| 10078 | 400 | JSConsumerConfigRequiredErr | consumer config required |
| 10079 | 400 | JSConsumerDeliverToWildcardsErr | consumer deliver subject has wildcards |
| 10080 | 400 | JSConsumerPushMaxWaitingErr | consumer in push mode can not set max waiting |
| 10081 | 400 | JSConsumerDeliverCycleErr | consumer deliver subject forms a cycle |
| 10082 | 400 | JSConsumerMaxPendingAckPolicyRequiredErr | consumer requires ack policy for max ack pending |
| 10083 | 400 | JSConsumerSmallHeartbeatErr | consumer idle heartbeat needs to be >= 100ms |
| 10084 | 400 | JSConsumerPullRequiresAckErr | consumer in pull mode requires explicit ack policy on workqueue stream |
| 10085 | 400 | JSConsumerPullNotDurableErr | consumer in pull mode requires a durable name |
| 10086 | 400 | JSConsumerPullWithRateLimitErr | consumer in pull mode can not have rate limit set |
| 10087 | 400 | JSConsumerMaxWaitingNegativeErr | consumer max waiting needs to be positive |
| 10088 | 400 | JSConsumerHBRequiresPushErr | consumer idle heartbeat requires a push based consumer |
| 10089 | 400 | JSConsumerFCRequiresPushErr | consumer flow control requires a push based consumer |
| 10090 | 400 | JSConsumerDirectRequiresPushErr | consumer direct requires a push based consumer |
| 10091 | 400 | JSConsumerDirectRequiresEphemeralErr | consumer direct requires an ephemeral consumer |
| 10092 | 400 | JSConsumerOnMappedErr | consumer direct on a mapped consumer |
| 10093 | 400 | JSConsumerFilterNotSubsetErr | consumer filter subject is not a valid subset of the interest subjects |
| 10094 | 400 | JSConsumerInvalidPolicyErrF | {err} |
| 10095 | 400 | JSConsumerInvalidSamplingErrF | failed to parse consumer sampling configuration: {err} |
| 10096 | 500 | JSStreamInvalidErr | stream not valid |
| 10097 | 400 | JSStreamHeaderExceedsMaximumErr | header size exceeds maximum allowed of 64k |
| 10098 | 400 | JSConsumerWQRequiresExplicitAckErr | workqueue stream requires explicit ack |
| 10099 | 400 | JSConsumerWQMultipleUnfilteredErr | multiple non-filtered consumers not allowed on workqueue stream |
| 10100 | 400 | JSConsumerWQConsumerNotUniqueErr | filtered consumer not unique on workqueue stream |
| 10101 | 400 | JSConsumerWQConsumerNotDeliverAllErr | consumer must be deliver all on workqueue stream |
| 10102 | 400 | JSConsumerNameTooLongErrF | consumer name is too long, maximum allowed is {max} |
| 10103 | 400 | JSConsumerBadDurableNameErr | durable name can not contain '.', '*', '>' |
| 10104 | 500 | JSConsumerStoreFailedErrF | error creating store for consumer: {err} |
| 10105 | 400 | JSConsumerExistingActiveErr | consumer already exists and is still active |
| 10106 | 400 | JSConsumerReplacementWithDifferentNameErr | consumer replacement durable config not the same |
| 10107 | 400 | JSConsumerDescriptionTooLongErrF | consumer description is too long, maximum allowed is {max} |
| 10108 | 400 | JSConsumerWithFlowControlNeedsHeartbeats | consumer with flow control also needs heartbeats |
| 10109 | 400 | JSStreamSealedErr | invalid operation on sealed stream |
| 10110 | 500 | JSStreamPurgeFailedF | {err} |
| 10111 | 500 | JSStreamRollupFailedF | {err} |
| 10112 | 400 | JSConsumerInvalidDeliverSubject | invalid push consumer deliver subject |
| 10113 | 400 | JSStreamMaxBytesRequired | account requires a stream config to have max bytes set |
| 10114 | 400 | JSConsumerMaxRequestBatchNegativeErr | consumer max request batch needs to be > 0 |
| 10115 | 400 | JSConsumerMaxRequestExpiresTooSmall | consumer max request expires needs to be >= 1ms |
| 10116 | 400 | JSConsumerMaxDeliverBackoffErr | max deliver is required to be > length of backoff values |
| 10117 | 500 | JSStreamInfoMaxSubjectsErr | subject details would exceed maximum allowed |
| 10118 | 500 | JSStreamOfflineErr | stream is offline |
| 10119 | 500 | JSConsumerOfflineErr | consumer is offline |
| 10120 | 400 | JSNoLimitsErr | no JetStream default or applicable tiered limit present |
| 10121 | 400 | JSConsumerMaxPendingAckExcessErrF | consumer max ack pending exceeds system limit of {limit} |
| 10122 | 400 | JSStreamMaxStreamBytesExceeded | stream max bytes exceeds account limit max stream bytes |
| 10123 | 400 | JSStreamMoveAndScaleErr | can not move and scale a stream in a single update |
| 10124 | 400 | JSStreamMoveInProgressErr | stream move already in progress |
| 10125 | 400 | JSConsumerMaxRequestBatchExceededF | consumer max request batch exceeds server limit of {limit} |
| 10126 | 400 | JSConsumerReplicasExceedsStream | consumer config replica count exceeds parent stream |
| 10127 | 400 | JSConsumerNameContainsPathSeparatorsErr | Consumer name can not contain path separators |
| 10128 | 400 | JSStreamNameContainsPathSeparatorsErr | Stream name can not contain path separators |
| 10129 | 400 | JSStreamReconfigureNotInProgressErr | stream reconfiguration not in progress |
| 10130 | 400 | JSStreamNameExistRestoreFailedErr | stream name already in use, cannot restore |
| 10131 | 400 | JSConsumerCreateFilterSubjectMismatchErr | Consumer create request did not match filtered subject from create subject |
| 10132 | 400 | JSConsumerCreateDurableAndNameMismatch | Consumer Durable and Name have to be equal if both are provided |
| 10133 | 400 | JSReplicasCountCannotBeNegative | replicas count cannot be negative |
| 10134 | 400 | JSConsumerReplicasShouldMatchStream | consumer config replicas must match interest retention stream's replicas |
| 10135 | 400 | JSConsumerMetadataLengthErrF | consumer metadata exceeds maximum size of {limit} |
| 10136 | 400 | JSConsumerDuplicateFilterSubjects | consumer cannot have both FilterSubject and FilterSubjects specified |
| 10137 | 400 | JSConsumerMultipleFiltersNotAllowed | consumer with multiple subject filters cannot use subject based API |
| 10138 | 400 | JSConsumerOverlappingSubjectFilters | consumer subject filters cannot overlap |
| 10139 | 400 | JSConsumerEmptyFilter | consumer filter in FilterSubjects cannot be empty |
| 10140 | 400 | JSSourceDuplicateDetected | duplicate source configuration detected |
| 10141 | 400 | JSSourceInvalidStreamName | sourced stream name is invalid |
| 10142 | 400 | JSMirrorInvalidStreamName | mirrored stream name is invalid |
| 10143 | 400 | JSMirrorWithFirstSeqErr | stream mirrors can not have first sequence configured |
| 10144 | 400 | JSSourceMultipleFiltersNotAllowed | source with multiple subject transforms cannot also have a single subject filter |
| 10145 | 400 | JSSourceInvalidSubjectFilter | source transform source: {err} |
| 10146 | 400 | JSSourceInvalidTransformDestination | source transform: {err} |
| 10147 | 400 | JSSourceOverlappingSubjectFilters | source filters can not overlap |
| 10148 | 400 | JSConsumerAlreadyExists | consumer already exists |
| 10149 | 400 | JSConsumerDoesNotExist | consumer does not exist |
| 10150 | 400 | JSMirrorMultipleFiltersNotAllowed | mirror with multiple subject transforms cannot also have a single subject filter |
| 10151 | 400 | JSMirrorInvalidSubjectFilter | mirror transform source: {err} |
| 10152 | 400 | JSMirrorOverlappingSubjectFilters | mirror subject filters can not overlap |
| 10153 | 400 | JSConsumerInactiveThresholdExcess | consumer inactive threshold exceeds system limit of {limit} |
| 10154 | 400 | JSMirrorInvalidTransformDestination | mirror transform: {err} |
| 10155 | 400 | JSStreamTransformInvalidSource | stream transform source: {err} |
| 10156 | 400 | JSStreamTransformInvalidDestination | stream transform: {err} |
| 10157 | 400 | JSPedanticErrF | pedantic mode: {err} |
| 10158 | 409 | JSStreamDuplicateMessageConflict | duplicate message id is in process |
| 10159 | 400 | JSConsumerPriorityPolicyWithoutGroup | Setting PriorityPolicy requires at least one PriorityGroup to be set |
| 10160 | 400 | JSConsumerInvalidPriorityGroupErr | Provided priority group does not exist for this consumer |
| 10161 | 400 | JSConsumerEmptyGroupName | Group name cannot be an empty string |
| 10162 | 400 | JSConsumerInvalidGroupNameErr | Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters |
| 10163 | 503 | JSStreamExpectedLastSeqPerSubjectNotReady | expected last sequence per subject temporarily unavailable |
| 10164 | 400 | JSStreamWrongLastSequenceConstantErr | wrong last sequence |
| 10165 | 400 | JSMessageTTLInvalidErr | invalid per-message TTL |
| 10166 | 400 | JSMessageTTLDisabledErr | per-message TTL is disabled |
| 10167 | 429 | JSStreamTooManyRequests | too many requests |
| 10168 | 400 | JSMessageIncrDisabledErr | message counters is disabled |
| 10169 | 400 | JSMessageIncrMissingErr | message counter increment is missing |
| 10170 | 400 | JSMessageIncrPayloadErr | message counter has payload |
| 10171 | 400 | JSMessageIncrInvalidErr | message counter increment is invalid |
| 10172 | 400 | JSMessageCounterBrokenErr | message counter is broken |
| 10173 | 400 | JSMirrorWithCountersErr | stream mirrors can not also calculate counters |
| 10174 | 400 | JSAtomicPublishDisabledErr | atomic publish is disabled |
| 10175 | 400 | JSAtomicPublishMissingSeqErr | atomic publish sequence is missing |
| 10176 | 400 | JSAtomicPublishIncompleteBatchErr | atomic publish batch is incomplete |
| 10177 | 400 | JSAtomicPublishUnsupportedHeaderBatchErr | atomic publish unsupported header used: {header} |
| 10178 | 400 | JSConsumerPushWithPriorityGroupErr | priority groups can not be used with push consumers |
| 10179 | 400 | JSAtomicPublishInvalidBatchIDErr | atomic publish batch ID is invalid |
| 10180 | 412 | JSStreamMinLastSeqErr | min last sequence |
| 10181 | 400 | JSConsumerAckPolicyInvalidErr | consumer ack policy invalid |
| 10182 | 400 | JSConsumerReplayPolicyInvalidErr | consumer replay policy invalid |
| 10183 | 400 | JSConsumerAckWaitNegativeErr | consumer ack wait needs to be positive |
| 10184 | 400 | JSConsumerBackOffNegativeErr | consumer backoff needs to be positive |
| 10185 | 412 | JSRequiredApiLevelErr | JetStream minimum api level required |
| 10186 | 400 | JSMirrorWithMsgSchedulesErr | stream mirrors can not also schedule messages |
| 10187 | 400 | JSSourceWithMsgSchedulesErr | stream source can not also schedule messages |
| 10188 | 400 | JSMessageSchedulesDisabledErr | message schedules is disabled |
| 10189 | 400 | JSMessageSchedulesPatternInvalidErr | message schedules pattern is invalid |
| 10190 | 400 | JSMessageSchedulesTargetInvalidErr | message schedules target is invalid |
| 10191 | 400 | JSMessageSchedulesTTLInvalidErr | message schedules invalid per-message TTL |
| 10192 | 400 | JSMessageSchedulesRollupInvalidErr | message schedules invalid rollup |
| 10193 | 400 | JSStreamExpectedLastSeqPerSubjectInvalid | missing sequence for expected last sequence per subject |
| 10194 | 500 | JSStreamOfflineReasonErrF | stream is offline: {err} |
| 10195 | 500 | JSConsumerOfflineReasonErrF | consumer is offline: {err} |
| 10196 | 400 | JSConsumerPriorityGroupWithPolicyNone | consumer can not have priority groups when policy is none |
| 10197 | 400 | JSConsumerPinnedTTLWithoutPriorityPolicyNone | PinnedTTL cannot be set when PriorityPolicy is none |
| 10198 | 400 | JSMirrorWithAtomicPublishErr | stream mirrors can not also use atomic publishing |
| 10199 | 400 | JSAtomicPublishTooLargeBatchErrF | atomic publish batch is too large: {size} |
| 10200 | 400 | JSAtomicPublishInvalidBatchCommitErr | atomic publish batch commit is invalid |
| 10201 | 400 | JSAtomicPublishContainsDuplicateMessageErr | atomic publish batch contains duplicate message id |
| 10202 | 400 | JSClusterServerMemberChangeInflightErr | cluster member change is in progress |
| 10203 | 400 | JSMessageSchedulesSourceInvalidErr | message schedules source is invalid |
| 10204 | 400 | JSConsumerInvalidResetErr | invalid reset: {err} |
| 10205 | 400 | JSBatchPublishDisabledErr | batch publish is disabled |
| 10206 | 400 | JSBatchPublishInvalidPatternErr | batch publish pattern is invalid |
| 10207 | 400 | JSBatchPublishInvalidBatchIDErr | batch publish ID is invalid |
| 10208 | 400 | JSBatchPublishUnknownBatchIDErr | batch publish ID unknown |
| 10209 | 400 | JSMirrorWithBatchPublishErr | stream mirrors can not also use batch publishing |
| 10210 | 429 | JSAtomicPublishTooManyInflight | atomic publish too many inflight |
| 10211 | 429 | JSBatchPublishTooManyInflight | batch publish too many inflight |
| 10212 | 400 | JSMessageSchedulesSchedulerInvalidErr | message schedules invalid scheduler |
| 10213 | 400 | JSMirrorDurableConsumerCfgInvalid | stream mirror consumer config is invalid |
| 10214 | 400 | JSMirrorConsumerRequiresAckFCErr | stream mirror consumer requires flow control ack policy |
| 10215 | 400 | JSSourceDurableConsumerCfgInvalid | stream source consumer config is invalid |
| 10216 | 400 | JSSourceDurableConsumerDuplicateDetected | duplicate stream source consumer detected |
| 10217 | 400 | JSSourceConsumerRequiresAckFCErr | stream source consumer requires flow control ack policy |
| 10218 | 400 | JSConsumerAckFCRequiresPushErr | flow control ack policy requires a push based consumer |
| 10219 | 400 | JSConsumerAckFCRequiresFCErr | flow control ack policy requires flow control |
| 10220 | 400 | JSConsumerAckFCRequiresMaxAckPendingErr | flow control ack policy requires max ack pending |
| 10221 | 400 | JSConsumerAckFCRequiresNoAckWaitErr | flow control ack policy requires unset ack wait |
| 10222 | 400 | JSConsumerAckFCRequiresNoMaxDeliverErr | flow control ack policy requires unset max deliver |
| 10223 | 400 | JSMessageSchedulesTimeZoneInvalidErr | message schedules time zone is invalid |
| 10224 | 400 | JSClusterRescueErr | JetStream system rescue not applied: {err} |
| 10225 | 400 | JSConsumerStreamIdentityMismatchF | consumer's stream identity does not match: {msg} |
| 10226 | 400 | JSStreamReconfigureInProgressErr | stream reconfiguration already in progress |
| 10227 | 400 | JSMessageSourceHdrNotAllowedErr | message stream source header is not allowed |
"#;

fn rows() -> impl Iterator<Item = (u16, u16, &'static str, &'static str)> {
    TABLE.lines().filter(|l| !l.is_empty()).map(|line| {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 4, "{line}");
        (
            cells[0].parse().unwrap(),
            cells[1].parse().unwrap(),
            cells[2],
            cells[3],
        )
    })
}

#[test]
fn catalogue_matches_the_error_table_entry_for_entry() {
    let table: Vec<_> = rows().collect();
    assert_eq!(table.len(), 226);
    assert_eq!(CATALOGUE.len(), table.len());
    for ((err_code, code, constant, description), entry) in table.iter().zip(CATALOGUE) {
        assert_eq!(entry.err_code, *err_code, "{constant}");
        assert_eq!(entry.code, *code, "{constant}");
        assert_eq!(entry.constant, *constant);
        assert_eq!(entry.description, *description, "{constant}");
        assert_eq!(entry.id.err_code(), *err_code, "{constant}");
        assert_eq!(entry.id.code(), *code, "{constant}");
        assert_eq!(ErrorId::from_err_code(*err_code), Some(entry.id));
        let err = ApiError::new(entry.id);
        assert_eq!((err.code, err.err_code), (*code, *err_code));
    }
}

#[test]
fn catalogue_is_contiguous_so_lookup_is_an_index() {
    for (i, entry) in CATALOGUE.iter().enumerate() {
        assert_eq!(usize::from(entry.err_code - FIRST_ERR_CODE), i);
        assert_eq!(entry.id.entry(), entry);
    }
    assert_eq!(ErrorId::from_err_code(10001), None);
    assert_eq!(ErrorId::from_err_code(10228), None);
    assert_eq!(ErrorId::from_err_code(0), None);
}

#[test]
fn codes_clients_match_on_are_where_they_expect() {
    let cases = [
        (ErrorId::StreamNotFound, 404, 10059),
        (ErrorId::ConsumerNotFound, 404, 10014),
        (ErrorId::StreamNameExist, 400, 10058),
        (ErrorId::StreamSubjectOverlap, 400, 10065),
        (ErrorId::NoMessageFound, 404, 10037),
        (ErrorId::NotEnabledForAccount, 503, 10039),
        (ErrorId::StreamReplicasNotSupported, 500, 10074),
        (ErrorId::StreamInvalidConfig, 500, 10052),
        (ErrorId::StreamWrongLastSequence, 400, 10071),
        (ErrorId::StreamWrongLastMsgID, 400, 10070),
        (ErrorId::StreamNotMatch, 400, 10060),
        (ErrorId::InvalidJSON, 400, 10025),
        (ErrorId::ConsumerAlreadyExists, 400, 10148),
        (ErrorId::ConsumerDoesNotExist, 400, 10149),
        (ErrorId::StreamStoreFailed, 503, 10077),
        (ErrorId::RequiredApiLevel, 412, 10185),
    ];
    for (id, code, err_code) in cases {
        assert_eq!((id.code(), id.err_code()), (code, err_code), "{id:?}");
    }
}
