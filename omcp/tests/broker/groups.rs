//! Message groups: topic exchanges `osiris.messagegroup.X`, routing keys from paths,
//! wildcard subscriptions.

use omcp::{Client, Request, Response, Server};
use tokio::sync::mpsc;

use crate::support::{delete, init_logs, require_broker, unique, url, within};

/// A subscriber that reports the paths it receives, in order (one handler at a time).
async fn subscriber(name: &str, pattern: &str) -> (omcp::ServerHandle, mpsc::UnboundedReceiver<String>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handler = move |request: Request| {
        let _ = sender.send(request.path().to_owned());
        async { Response::ok_empty() }
    };
    let server =
        Server::builder(url()).handler(name, handler).subscribe(pattern).concurrency(1).build().await.unwrap().spawn();
    (server, receiver)
}

/// The paths received up to and including `last`.
async fn paths_until(receiver: &mut mpsc::UnboundedReceiver<String>, last: &str) -> Vec<String> {
    let mut paths = Vec::new();
    while paths.last().map(String::as_str) != Some(last) {
        paths.push(within(10, "a group notification", receiver.recv()).await.expect("the subscriber runs"));
    }
    paths
}

#[tokio::test]
async fn message_groups_with_wildcards() {
    init_logs();
    require_broker().await;
    let group = unique("alerts");
    let base = format!("omcp://{group}.messagegroup");
    let (all, mut all_received) = subscriber(&unique("all-sensors"), &format!("{base}/sensors/#")).await;
    let (temps, mut temps_received) = subscriber(&unique("temperatures"), &format!("{base}/sensors/*/temp")).await;

    let client = Client::connect(url()).await.unwrap();
    // Published one after the other, so each subscriber's queue holds them in this order;
    // the last one reaches both and closes the check.
    for path in ["/other/1", "/sensors/3/humidity", "/sensors/3/temp", "/sensors", "/sensors/end/temp"] {
        client.notify_to(&format!("{base}{path}"), "text/plain", "21.5").await.unwrap();
    }
    assert_eq!(
        paths_until(&mut all_received, "/sensors/end/temp").await,
        ["/sensors/3/humidity", "/sensors/3/temp", "/sensors", "/sensors/end/temp"]
    );
    assert_eq!(paths_until(&mut temps_received, "/sensors/end/temp").await, ["/sensors/3/temp", "/sensors/end/temp"]);

    // A group nobody subscribed is not an error: notifications are not guaranteed.
    let empty = format!("{}.messagegroup", unique("empty"));
    client.notify_to(&format!("omcp://{empty}/x"), "text/plain", "").await.unwrap();

    client.close().await;
    let queues = [all.queue().to_owned(), temps.queue().to_owned()];
    all.shutdown().await;
    temps.shutdown().await;
    let exchange = omcp::queue_name(&format!("{group}.messagegroup"));
    assert_eq!(exchange, format!("osiris.messagegroup.{group}"));
    delete(&[&queues[0], &queues[1]], &[&exchange, &omcp::queue_name(&empty)]).await;
}
