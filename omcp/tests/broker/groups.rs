//! Message groups: topic exchanges `osiris.messagegroup.X`, routing keys from paths,
//! wildcard subscriptions.

use omcp::{Client, Request, Response, Server};
use tokio::sync::mpsc;

use crate::peer::{dated_now, Peer, DATE};
use crate::support::{delete, init_logs, require_broker, unique, url, within};

/// A subscriber that reports the resources (path and query) it receives, in order (one
/// handler at a time).
async fn subscriber(name: &str, pattern: &str) -> (omcp::ServerHandle, mpsc::UnboundedReceiver<String>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handler = move |request: Request| {
        let _ = sender.send(request.resource);
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

/// A NOTIFY with a query is routed as the original routes it: `/a/b?x=1` → `a.b?x=1`, both
/// ways between a client or a server of ours and a peer that speaks AMQP directly.
#[tokio::test]
async fn queries_are_part_of_the_routing_key() {
    init_logs();
    require_broker().await;
    let group = unique("query-group");
    let exchange = omcp::queue_name(&format!("{group}.messagegroup"));
    let base = format!("omcp://{group}.messagegroup");
    let peer = Peer::connect().await;
    let mut with_query = peer.subscribe(&exchange, "a.b?x=1").await;
    let mut without = peer.subscribe(&exchange, "a.b").await;
    let mut any = peer.subscribe(&exchange, "a.*").await;

    // From our client: the routing key has the query, the packet the whole resource.
    let client = Client::builder(url()).source("rust-peer").connect().await.unwrap();
    client.notify_to(&format!("{base}/a/b?x=1"), "text/plain", "21.5").await.unwrap();
    client.notify_to(&format!("{base}/a/b"), "text/plain", "22.0").await.unwrap();
    let packet = |resource: &str, body: &str| {
        format!(
            "NOTIFY {resource} OMCP/0.1\ndate:{DATE}\nmodule:{group}.messagegroup\nsource:rust-peer\n\
             content-length:{}\ncontent-type:text/plain\n\n{body}\n",
            body.len()
        )
    };
    let (text, key) = Peer::receive_routed(&mut with_query).await;
    assert_eq!((dated_now(&text), key.as_str()), (packet("/a/b?x=1", "21.5"), "a.b?x=1"));
    // `a.b` does not match `a.b?x=1`: its first notification is the one without query.
    let (text, key) = Peer::receive_routed(&mut without).await;
    assert_eq!((dated_now(&text), key.as_str()), (packet("/a/b", "22.0"), "a.b"));
    for (resource, body, routing_key) in [("/a/b?x=1", "21.5", "a.b?x=1"), ("/a/b", "22.0", "a.b")] {
        let (text, key) = Peer::receive_routed(&mut any).await;
        assert_eq!((dated_now(&text), key.as_str()), (packet(resource, body), routing_key));
    }

    // From the original: our server, subscribed with the query, receives it.
    let (server, mut received) = subscriber(&unique("query-subscriber"), &format!("{base}/a/b?x=1")).await;
    let notify = format!(
        "NOTIFY /a/b?x=1 OMCP/0.1\ndate:{DATE}\nmodule:{group}.messagegroup\nsource:test-java/0.1\n\
         content-length:4\ncontent-type:text/plain\n\n21.5\n"
    );
    peer.publish(&exchange, "a.b", &notify.replace("/a/b?x=1", "/a/b")).await;
    peer.publish(&exchange, "a.b?x=1", &notify).await;
    // Published first, the one without query would have arrived first had it matched.
    assert_eq!(within(10, "the group notification", received.recv()).await.unwrap(), "/a/b?x=1");

    client.close().await;
    peer.close().await;
    let queue = server.queue().to_owned();
    server.shutdown().await;
    delete(&[&queue], &[&exchange]).await;
}
