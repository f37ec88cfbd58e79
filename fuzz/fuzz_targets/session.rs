//! A real server session fed arbitrary messages (one per input line): nothing panics, the
//! session ends when its input does, and everything it writes is a numbered JSON object.

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use libfuzzer_sys::fuzz_target;
use osmp_runtime::limits::Limits;
use osmp_runtime::server::{Server, ServerHandle};
use osmp_runtime::transport::{CloseReason, Frame};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap())
}

fn server() -> &'static ServerHandle {
    static SERVER: OnceLock<ServerHandle> = OnceLock::new();
    SERVER.get_or_init(|| {
        runtime().block_on(async {
            let mut limits = Limits::default();
            limits.commands.cancel_grace = Duration::from_millis(50);
            limits.connections.close_timeout = Duration::from_millis(100);
            Server::builder().no_tls().limits(limits).build().await.unwrap().spawn()
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let server = server();
    runtime().block_on(async {
        let (mut to_server, reader) = futures_channel::mpsc::channel::<Result<Frame, CloseReason>>(64);
        let (writer, mut from_server) = futures_channel::mpsc::channel::<Frame>(64);
        let session = tokio::spawn(server.serve_transport(reader, writer, None));
        let feed = async move {
            for line in text.lines() {
                if to_server.send(Ok(Frame::Text(line.into()))).await.is_err() {
                    break;
                }
            }
        };
        let drain = async {
            let mut last = 0;
            while let Some(frame) = from_server.next().await {
                if let Frame::Text(text) = frame {
                    let value: serde_json::Value = serde_json::from_str(&text).expect("the server writes JSON");
                    let nr = value["nr"].as_u64().expect("every message is numbered");
                    assert!(nr > last, "numbers increase");
                    last = nr;
                }
            }
        };
        let (_, _) = tokio::join!(feed, drain);
        tokio::time::timeout(Duration::from_secs(10), session).await.expect("the session ends").expect("no panic");
    });
});
