//! Every bound the runtime enforces, in one place: how much a peer may send, hold and cost.
//!
//! Servers and clients take one [`Limits`] value (`ServerBuilder::limits`,
//! `ClientBuilder::limits`), nested by concern. Every default is chosen to be safe for a
//! server on the internet and generous for a well-behaved peer; the field documentation
//! gives each default and why. How a session behaves when nothing is wrong (its timers) is
//! `SessionConfig`, not here.
//!
//! ```
//! # extern crate osmp_runtime as osmp;
//! use std::time::Duration;
//! use osmp::limits::Limits;
//!
//! let mut limits = Limits::default();
//! limits.connections.max_sessions = 500;
//! limits.messages.max_message_size = 256 << 10;
//! limits.commands.cancel_grace = Duration::from_secs(2);
//! assert_eq!(limits.commands.max_active, 1024);
//! ```

use std::time::Duration;

/// Every limit of a server or a client.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Limits {
    /// Connections and sessions: how many, how long to set one up, when a peer is dead.
    pub connections: ConnectionLimits,
    /// Incoming messages: their size and the buffers that receive them.
    pub messages: MessageLimits,
    /// Outgoing messages: how much may wait for a peer that reads slowly.
    pub outgoing: OutgoingLimits,
    /// Commands: how many run at once, how long they may take to stop or to answer.
    pub commands: CommandLimits,
    /// Events: subscriptions and the events held for a slow reader.
    pub events: EventLimits,
    /// Logins: how many failures are tolerated.
    pub login: LoginLimits,
    /// File transfers of the standard set (`download-part`, `upload-part`): part and file
    /// sizes, transfers per session, idle transfers.
    pub files: FileLimits,
}

/// Limits on connections and sessions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// Sessions a server serves at once; further upgrades are answered HTTP 503.
    /// Default 10,000: an idle session costs about 12 KiB, so this bounds idle sessions
    /// to some 120 MiB.
    pub max_sessions: usize,
    /// Time allowed for the TLS handshake, the HTTP request and the WebSocket upgrade
    /// together; a connection that takes longer is dropped. Default 10 s: a slow mobile
    /// link needs a few round trips, a peer that sends nothing holds a socket only briefly.
    pub handshake_timeout: Duration,
    /// Largest HTTP request head (request line and headers) before the upgrade; larger
    /// ones are answered HTTP 431. Default 16 KiB: browsers send 1–4 KiB, and nothing an
    /// OSMP peer needs is larger.
    pub max_request_head: usize,
    /// Sessions one peer address may hold at once; further upgrades from it are answered
    /// HTTP 503. Default 1,000: one host cannot take every slot, while a gateway or a
    /// proxy in front of many clients still fits.
    pub max_sessions_per_address: usize,
    /// A peer silent this long (no message, no pong) is disconnected. Default 90 s: three
    /// missed pings at the default interval of 30 s.
    pub dead_peer_timeout: Duration,
    /// How long a closing session waits for the peer to acknowledge the close before it
    /// drops the connection. Default 3 s.
    pub close_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_sessions: 10_000,
            handshake_timeout: Duration::from_secs(10),
            max_request_head: 16 << 10,
            max_sessions_per_address: 1000,
            dead_peer_timeout: Duration::from_secs(90),
            close_timeout: Duration::from_secs(3),
        }
    }
}

/// Limits on incoming messages.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MessageLimits {
    /// Largest accepted message, in bytes; a larger one closes the session with 1009.
    /// Default 4 MiB: far above any command's parameters, small enough that a peer
    /// cannot make the server buffer much.
    pub max_message_size: usize,
    /// Largest accepted WebSocket frame, in bytes. Default 4 MiB (a message may be one
    /// frame).
    pub max_frame_size: usize,
    /// Size of the read buffer of each connection, and the most read from the socket at
    /// once. Default 2 KiB: it takes a burst of some twenty typical commands in one read,
    /// and grows for large messages anyway; it is the largest part of an idle session's
    /// memory (osmp-bench: 10.7 KiB per idle session with 4 KiB, 8.7 with 2, and no
    /// measurable change in throughput; with 1 KiB, 7.7 KiB and 2-5 % fewer requests/s).
    /// Larger values cost memory in every idle session (tungstenite zero-fills the whole
    /// buffer before each read).
    pub read_buffer_size: usize,
    /// Bytes of partly received messages all connections of a server may hold together;
    /// past it, the connection holding the most is closed (1008). The per-message limit
    /// alone cannot bound memory: many connections can each hold an unfinished message
    /// just under it. Default: 1/64 of the machine's memory, at least 64 MiB and at most
    /// 1 GiB (384 MiB on a 24 GiB machine). Counted in steps of 8 KiB per connection.
    ///
    /// What the process holds is more than the budget: the WebSocket holds the data more
    /// than once (a message's fragments, and the message being assembled, which grows by
    /// doubling); measured, 200 connections each holding 3.94 MiB against the 384 MiB budget
    /// peaked at 420–470 MiB resident. And memory freed when such connections close is not
    /// always given back to the system: glibc's malloc raises its mmap threshold after a
    /// large block is freed, later large buffers then come from its heaps, and the heaps
    /// keep them (after that attack the server stayed at 23–74 MiB instead of 8 MiB). With
    /// `MALLOC_MMAP_THRESHOLD_=131072` (or `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072`)
    /// in the server's environment the threshold stays fixed and the memory returns
    /// (10–11 MiB); mimalloc and jemalloc as the global allocator did not do better. The
    /// README's security section has the figures (`osmp-bench --only hostile`).
    pub max_buffered_total: usize,
    /// How long a message may take to arrive once its first byte has; a peer that starts
    /// a message and stops sending is closed (1008) instead of holding its buffer until
    /// the dead-peer timeout. Default 10 s (a 4 MiB message needs 3.4 Mbit/s).
    pub message_timeout: Duration,
    /// When logins are required: the largest message before the session has logged in
    /// (1009 past it). Default 16 KiB: a login takes a few hundred bytes, and an anonymous
    /// peer has no business sending more.
    pub max_message_size_before_login: usize,
}

impl Default for MessageLimits {
    fn default() -> MessageLimits {
        MessageLimits {
            max_message_size: 4 << 20,
            max_frame_size: 4 << 20,
            read_buffer_size: 2 << 10,
            max_buffered_total: default_buffered_total(),
            message_timeout: Duration::from_secs(10),
            max_message_size_before_login: 16 << 10,
        }
    }
}

/// 1/64 of the machine's memory, within 64 MiB and 1 GiB.
fn default_buffered_total() -> usize {
    static TOTAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *TOTAL.get_or_init(|| {
        let memory = machine_memory().unwrap_or(8 << 30);
        usize::try_from(memory / 64).unwrap_or(usize::MAX).clamp(64 << 20, 1 << 30)
    })
}

/// The machine's memory in bytes (`MemTotal` of `/proc/meminfo`), where the system says.
fn machine_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Limits on what waits to be written to a peer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OutgoingLimits {
    /// Messages queued before the session applies backpressure: stream senders wait, and
    /// no new commands are read from the peer until it has read (its own TCP window then
    /// slows it down). Default 1,024.
    pub high_water: usize,
    /// The same in bytes. Default 1 MiB.
    pub high_water_bytes: usize,
    /// Messages queued before the session is closed (1008) because the peer does not
    /// read. Responses are never dropped, so a peer that stops reading is disconnected
    /// instead. Default 16,384.
    pub hard_limit: usize,
    /// The same in bytes. Default 16 MiB: what one session may make the server hold for
    /// a peer that does not read.
    pub hard_limit_bytes: usize,
    /// A session whose writes make no progress for this long (the peer reads nothing,
    /// whatever else it sends) is closed. Default 30 s.
    pub write_stall_timeout: Duration,
    /// Bytes buffered before a write goes to the socket (a flush always writes).
    /// Default 64 KiB.
    pub write_buffer_size: usize,
    /// Bytes of unsent data in the WebSocket's own buffer after which writing fails.
    /// Default 64 MiB.
    pub max_write_buffer_size: usize,
}

impl Default for OutgoingLimits {
    fn default() -> OutgoingLimits {
        OutgoingLimits {
            high_water: 1024,
            high_water_bytes: 1 << 20,
            hard_limit: 16 * 1024,
            hard_limit_bytes: 16 << 20,
            write_stall_timeout: Duration::from_secs(30),
            write_buffer_size: 64 << 10,
            max_write_buffer_size: 64 << 20,
        }
    }
}

/// Limits on commands, in both directions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CommandLimits {
    /// Commands the peer may have running at once; further ones are answered
    /// `ERROR "Too many active commands (limit N)"`. Default 1,024.
    pub max_active: usize,
    /// Commands all sessions of a server may have running at once; further ones are
    /// answered `ERROR "Too many active commands on this server (limit N)"`. Default
    /// 50,000 (a waiting command holds about 1.5 KiB).
    pub max_active_total: usize,
    /// Commands a session may always run, whatever the others hold: the server-wide limit
    /// refuses the sessions that hold many, not one that runs a few. Default 8 (so the
    /// server-wide count exceeds its limit by at most this many per session).
    pub reserved_per_session: usize,
    /// How long a cancelled command may take to answer before the session drops its
    /// handler and answers `OK "Cancelled"` on its behalf. Default 5 s.
    pub cancel_grace: Duration,
    /// How long a command sent to the peer waits for a response, a stream message or a
    /// `session-status` naming it (the client's calls; the server's commands to its
    /// client, such as login challenges). Default 10 s, as the reference.
    pub call_timeout: Duration,
    /// Stream messages of one call kept until its caller reads them; beyond it the oldest
    /// are dropped (progress is the common case and only the latest matters).
    /// Default 1,024.
    pub call_stream_buffer: usize,
}

impl Default for CommandLimits {
    fn default() -> CommandLimits {
        CommandLimits {
            max_active: 1024,
            max_active_total: 50_000,
            reserved_per_session: 8,
            cancel_grace: Duration::from_secs(5),
            call_timeout: Duration::from_secs(10),
            call_stream_buffer: 1024,
        }
    }
}

/// What a session does with events its peer does not read fast enough. Responses and
/// stream messages are never dropped (a peer that stops reading those is disconnected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EventOverflow {
    /// Drop the oldest waiting events and keep the subscriptions: the peer sees the latest
    /// state, with gaps.
    #[default]
    DropOldest,
    /// End every subscription of the session and tell the peer why with an `error` event:
    /// the peer knows its view is incomplete and may subscribe again.
    Unsubscribe,
}

/// Limits on events.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EventLimits {
    /// Event subscriptions a session may hold; further ones are answered
    /// `ERROR "Too many subscriptions…"`. Default 1,024.
    pub max_subscriptions: usize,
    /// Events held for a peer that is not reading; beyond this [`overflow`](Self::overflow)
    /// applies. Default 4,096.
    pub max_pending: usize,
    /// What happens when a peer reads events too slowly. Default: drop the oldest.
    pub overflow: EventOverflow,
    /// On a client: events buffered per local subscription before the oldest are dropped.
    /// Default 1,024.
    pub subscription_buffer: usize,
}

impl Default for EventLimits {
    fn default() -> EventLimits {
        EventLimits {
            max_subscriptions: 1024,
            max_pending: 4096,
            overflow: EventOverflow::DropOldest,
            subscription_buffer: 1024,
        }
    }
}

/// Limits on failed logins.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoginLimits {
    /// Failed logins allowed per session; the next attempt closes the session (1008).
    /// Default 5: a person mistyping is not hindered, a brute force gets a few tries per
    /// connection.
    pub per_session: u32,
    /// Failed logins allowed per peer address within [`window`](Self::window); beyond it
    /// the address's logins are refused until the window has passed. Default 20.
    pub per_address: u32,
    /// The window in which failures of an address are counted. Default 60 s.
    pub window: Duration,
    /// Addresses remembered at most (the oldest are forgotten first), so that the table
    /// itself stays bounded. Default 100,000.
    pub max_tracked_addresses: usize,
    /// Password checks running at once (each argon2 check holds its memory, about
    /// 19 MiB with the default parameters, and a thread). Default: the machine's cores.
    /// The memory of a finished check is kept for the next (freed and allocated again for
    /// every login, glibc's malloc kept some 20 MiB per login), so a server that has had
    /// logins holds up to this many times 19 MiB for them.
    pub concurrent_checks: usize,
    /// Logins waiting for a check; further ones are refused at once with
    /// `ERROR "Too many logins in progress; try again later"`. A waiting login holds little
    /// (its check's memory is taken only when it runs), so the queue is long enough that a
    /// burst from many addresses delays a legitimate login rather than refusing it.
    /// Default 512.
    pub max_waiting_checks: usize,
}

impl Default for LoginLimits {
    fn default() -> LoginLimits {
        LoginLimits {
            per_session: 5,
            per_address: 20,
            window: Duration::from_secs(60),
            max_tracked_addresses: 100_000,
            concurrent_checks: std::thread::available_parallelism().map_or(2, usize::from),
            max_waiting_checks: 512,
        }
    }
}

/// Limits on the file transfers of the standard set (`download-part`, `upload-part`), which
/// a server offers only when it is given a root folder (`ServerBuilder::files`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FileLimits {
    /// Largest decoded part of an upload, in bytes; a larger part answers ERROR and abandons
    /// the upload. Default 3 MiB: as much as the default message size (4 MiB) can carry in
    /// base64, so any part a reference client sends through a default server is accepted,
    /// and no part makes the server hold more than that at once.
    pub max_part_size: usize,
    /// Largest file an upload may write, in bytes; the part that would exceed it answers
    /// ERROR and abandons the upload (its temporary file is deleted). Default 1 GiB: a
    /// firmware image fits, a client cannot fill the disk with one upload.
    pub max_file_size: u64,
    /// Transfers (downloads and uploads together) a session may have open at once; one more
    /// answers `ERROR "Too many transfers in progress."`. Default 16: each holds an open file
    /// (and an upload a temporary file), so this bounds what one session holds.
    pub max_transfers: usize,
    /// A transfer that receives no part for this long is abandoned: its file is closed and an
    /// upload's temporary file deleted. Default 10 min: far longer than any pause between
    /// two parts of a working client, short enough that a forgotten transfer does not hold
    /// a file for the whole session.
    pub idle_timeout: Duration,
}

impl Default for FileLimits {
    fn default() -> FileLimits {
        FileLimits {
            max_part_size: 3 << 20,
            max_file_size: 1 << 30,
            max_transfers: 16,
            idle_timeout: Duration::from_secs(600),
        }
    }
}
