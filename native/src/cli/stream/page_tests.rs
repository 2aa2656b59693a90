use rill_core::jetstream::api::{ClusterInfo, PeerInfo, StreamConfig, StreamInfo, Timestamp};

use super::*;

fn seed_stream() -> StreamInfo {
    StreamInfo {
        config: StreamConfig {
            name: "my_stream".into(),
            subjects: vec!["foo".into()],
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_msgs_per_subject: -1,
            max_msg_size: -1,
            num_replicas: 3,
            duplicate_window: 120_000_000_000,
            ..StreamConfig::default()
        },
        ..StreamInfo::default()
    }
}

#[test]
fn a_new_stream_prints_as_the_seed_without_a_cluster() {
    let text = render_with_created(&seed_stream(), "2023-04-09 08:28:33");
    let expected = "\
Information for Stream my_stream created 2023-04-09 08:28:33

             Subjects: foo
             Replicas: 3
              Storage: File

Options:

            Retention: Limits
     Acknowledgements: true
       Discard Policy: Old
     Duplicate Window: 2m0s
    Allows Msg Delete: true
         Allows Purge: true
       Allows Rollups: false

Limits:

     Maximum Messages: unlimited
  Maximum Per Subject: unlimited
        Maximum Bytes: unlimited
          Maximum Age: unlimited
 Maximum Message Size: unlimited
    Maximum Consumers: unlimited


State:

             Messages: 0
                Bytes: 0 B
             FirstSeq: 0
              LastSeq: 0
     Active Consumers: 0

";
    assert_eq!(text, expected);
}

#[test]
fn a_clustered_stream_with_messages_prints_cluster_and_state_as_the_seed() {
    let mut info = seed_stream();
    info.cluster = Some(ClusterInfo {
        name: "C1".into(),
        leader: "n2".into(),
        replicas: vec![
            PeerInfo {
                name: "n1".into(),
                current: true,
                active: 380_000_000,
                ..PeerInfo::default()
            },
            PeerInfo {
                name: "n3".into(),
                offline: true,
                active: 20_640_000_000,
                lag: 548,
                ..PeerInfo::default()
            },
        ],
        ..ClusterInfo::default()
    });
    info.state.messages = 545;
    info.state.bytes = 41 * 1024 + 100;
    info.state.first_seq = 1;
    info.state.first_ts = Timestamp(1_681_000_238_000_000_000);
    info.state.last_seq = 545;
    info.state.last_ts = Timestamp(1_681_000_786_000_000_000);
    info.state.consumer_count = 1;
    info.state.num_subjects = 1;
    let text = render_with_created(&info, "2023-04-09 08:28:33");
    let tail = "\
    Maximum Consumers: unlimited


Cluster Information:

                 Name: C1
               Leader: n2
              Replica: n1, current, seen 0.38s ago
              Replica: n3, outdated, OFFLINE, seen 20.64s ago, 548 operations behind

State:

             Messages: 545
                Bytes: 41 KiB
             FirstSeq: 1 @ 2023-04-09T00:30:38 UTC
              LastSeq: 545 @ 2023-04-09T00:39:46 UTC
     Active Consumers: 1
   Number of Subjects: 1

";
    assert!(text.ends_with(tail), "{text}");
}

#[test]
fn limits_print_sizes_durations_and_counts() {
    let mut info = seed_stream();
    info.config.max_msgs = 1000;
    info.config.max_bytes = 1 << 30;
    info.config.max_age = 3_600_000_000_000;
    info.config.max_msg_size = 512 * 1024;
    info.config.discard = DiscardPolicy::New;
    let text = render_with_created(&info, "x");
    for line in [
        "     Maximum Messages: 1,000\n",
        "        Maximum Bytes: 1.0 GiB\n",
        "          Maximum Age: 1h0m0s\n",
        " Maximum Message Size: 512 KiB\n",
        "       Discard Policy: New\n",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
}
