//! A TCP relay between clients and the broker that can cut the clients off while the
//! broker's side of their connections stays open: what the broker sees of a client whose
//! network vanished (its connection, consumers included, lives on until the broker
//! notices, at its heartbeat timeout, or here when the test lets go).

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lapin::uri::AMQPUri;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::support::url;

pub struct TcpRelay {
    /// The broker URL through the relay.
    url: String,
    /// Incremented to cut every connection relayed so far.
    cuts: watch::Sender<u64>,
    /// The broker's side of the connections cut, kept open.
    held: Arc<Mutex<Vec<TcpStream>>>,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl TcpRelay {
    /// Listens on 127.0.0.1, port 0, and relays to the broker of [`url`].
    pub async fn start() -> TcpRelay {
        let mut uri = AMQPUri::from_str(&url()).expect("the broker URL parses");
        let broker = format!("{}:{}", uri.authority.host, uri.authority.port);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        uri.authority.host = "127.0.0.1".to_owned();
        uri.authority.port = listener.local_addr().unwrap().port();
        let (cuts, _) = watch::channel(0);
        let held = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let (cuts, held, accepted) = (cuts.clone(), Arc::clone(&held), Arc::clone(&accepted));
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let Ok(broker) = TcpStream::connect(&broker).await else { continue };
                    tokio::spawn(relay(client, broker, cuts.subscribe(), Arc::clone(&held)));
                }
            }
        });
        TcpRelay { url: uri.to_string(), cuts, held, accepted, task }
    }

    /// The broker URL through the relay.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many connections the relay has accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Closes the clients' side of every connection relayed so far and keeps the broker's
    /// side open; later connections are relayed as usual.
    pub fn cut(&self) {
        self.cuts.send_modify(|cuts| *cuts += 1);
    }

    /// Closes the broker's side of the connections cut: the broker notices they are gone.
    pub fn release(&self) {
        self.held.lock().unwrap().clear();
    }
}

impl Drop for TcpRelay {
    fn drop(&mut self) {
        self.task.abort();
        self.release();
    }
}

async fn relay(
    mut client: TcpStream,
    mut broker: TcpStream,
    mut cuts: watch::Receiver<u64>,
    held: Arc<Mutex<Vec<TcpStream>>>,
) {
    let cut = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut broker) => false,
        changed = cuts.changed() => changed.is_ok(),
    };
    if cut {
        drop(client);
        held.lock().unwrap().push(broker);
    }
}
