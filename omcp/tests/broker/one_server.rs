//! One server per module, as the original enforces: a server does not start while another
//! consumer (a module of the original, another server) serves its queue, and none can join
//! while it runs, unless the servers share the queue as competing consumers. A server whose
//! connection vanished takes its queue back once the broker lets its old consumer go.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use omcp::{Client, Reconnect, Request, Response, Server, ServerError, StatusCode};

use crate::peer::{ok_packet, Peer};
use crate::support::{delete, init_logs, require_broker, unique, url, within};
use crate::tcp_relay::TcpRelay;

fn answers(text: &'static str) -> impl omcp::Handler {
    move |_: Request| async move { Response::ok("text/plain", text) }
}

#[tokio::test]
async fn a_second_server_of_a_module_does_not_start() {
    init_logs();
    require_broker().await;
    let name = unique("single");
    let queue = omcp::queue_name(&name);

    // A module of the original serves the queue: ours does not start.
    let java = Peer::connect().await;
    let _java_requests = java.serve(&queue).await;
    let refused = Server::builder(url()).handler(&name, answers("rust")).build().await.unwrap_err();
    match &refused {
        ServerError::QueueInUse { module, queue: in_use } => assert_eq!((module, in_use), (&name, &queue)),
        other => panic!("not QueueInUse: {other:?}"),
    }
    assert_eq!(
        refused.to_string(),
        format!(
            "the queue `{queue}` of module `{name}` is already served by another consumer (another server of the \
             module): stop it, or let the servers share the queue with `competing_consumers(true)` on every one of them"
        )
    );
    java.close().await;
    let observer = Peer::connect().await;
    observer.wait_for_consumers(&queue, 0).await;

    // Ours holds the queue: a second one, competing or not, and a module of the original
    // that starts later are refused.
    let server = Server::builder(url()).handler(&name, answers("rust")).build().await.unwrap().spawn();
    for competing in [false, true] {
        let second =
            Server::builder(url()).handler(&name, answers("second")).competing_consumers(competing).build().await;
        assert!(matches!(second, Err(ServerError::QueueInUse { .. })), "competing {competing}: {second:?}");
    }
    let joined = observer.try_serve(&queue).await.unwrap_err();
    assert!(joined.to_string().contains("in exclusive use"), "{joined}");
    assert_eq!(observer.consumers(&queue).await, 1);
    let client = Client::connect(url()).await.unwrap();
    let address = format!("omcp://{name}/which");
    for _ in 0..4 {
        assert_eq!(client.get(&address).await.unwrap().body, "rust");
    }

    // Once it has stopped, another one starts.
    server.shutdown().await;
    observer.wait_for_consumers(&queue, 0).await;
    let next = Server::builder(url()).handler(&name, answers("next")).build().await.unwrap().spawn();
    assert_eq!(client.get(&address).await.unwrap().body, "next");

    client.close().await;
    next.shutdown().await;
    observer.close().await;
    delete(&[&queue], &[]).await;
}

#[tokio::test]
async fn competing_consumers_share_the_queue() {
    init_logs();
    require_broker().await;
    let name = unique("shared");
    let queue = omcp::queue_name(&name);
    let java = Arc::new(Peer::connect().await);
    let mut java_requests = java.serve(&queue).await;
    // The module of the original answers every request it takes.
    let java_module = tokio::spawn({
        let java = Arc::clone(&java);
        async move {
            let ok = ok_packet("java/0.1", "text/plain", "java");
            loop {
                java.answer(&mut java_requests, &ok).await;
            }
        }
    });
    let server =
        Server::builder(url()).handler(&name, answers("rust")).competing_consumers(true).build().await.unwrap().spawn();
    assert_eq!(java.consumers(&queue).await, 2);

    // The broker hands the requests round robin to both.
    let client = Client::builder(url()).timeout(Duration::from_secs(20)).connect().await.unwrap();
    let calls = (0..10).map(|_| {
        let (client, address) = (client.clone(), format!("omcp://{name}/which"));
        async move { client.get(&address).await.unwrap() }
    });
    let responses = within(30, "10 requests", join_all(calls)).await;
    assert!(responses.iter().all(|response| response.status == StatusCode::Ok), "{responses:?}");
    let from_rust = responses.iter().filter(|response| response.body == "rust").count();
    let from_java = responses.iter().filter(|response| response.body == "java").count();
    assert_eq!(from_rust + from_java, 10);
    assert!(from_rust > 0 && from_java > 0, "rust {from_rust}, java {from_java}");

    java_module.abort();
    client.close().await;
    server.shutdown().await;
    if let Ok(java) = Arc::try_unwrap(java) {
        java.close().await;
    }
    delete(&[&queue], &[]).await;
}

#[tokio::test]
async fn a_server_takes_its_queue_back_once_the_broker_lets_its_old_consumer_go() {
    init_logs();
    require_broker().await;
    let name = unique("vanished");
    let queue = omcp::queue_name(&name);
    let relay = TcpRelay::start().await;
    let fast = Reconnect { initial_delay: Duration::from_millis(100), max_delay: Duration::from_millis(500) };
    let server =
        Server::builder(relay.url()).handler(&name, answers("rust")).reconnect(fast).build().await.unwrap().spawn();
    let client = Client::connect(url()).await.unwrap();
    let address = format!("omcp://{name}/which");
    assert_eq!(client.get(&address).await.unwrap().body, "rust");

    // The server's network vanishes: it notices, the broker does not.
    relay.cut();
    within(10, "the server noticing the loss", async {
        while server.is_connected() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    // It reconnects, but its old consumer still holds the queue: refused, it tries again.
    within(20, "three reconnection attempts", async {
        while relay.accepted() < 4 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let observer = Peer::connect().await;
    assert_eq!(observer.consumers(&queue).await, 1, "the old consumer");
    assert!(!server.is_connected());
    assert_eq!(server.connections(), 1);

    // The broker notices (here: the relay lets go): the server serves again.
    relay.release();
    within(20, "the reconnection", server.wait_connected(2)).await;
    assert_eq!(client.get(&address).await.unwrap().body, "rust");
    assert_eq!(observer.consumers(&queue).await, 1);

    client.close().await;
    server.shutdown().await;
    observer.close().await;
    delete(&[&queue], &[]).await;
}
