//! Requests, responses and notifications of one module.

use std::time::{Duration, Instant};

use lapin::options::{BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use omcp::{Client, Handler, Method, Request, RequestError, Response, Server, StatusCode};
use tokio::sync::mpsc;

use crate::support::{delete, init_logs, require_broker, unique, url, within};

/// A module of a few resources, answering every kind of response.
fn resources() -> impl Handler {
    |request: Request| async move {
        match (request.method, request.path()) {
            (Method::Get, "/echo") => Response::ok(
                "text/plain",
                format!("{} {} from {}", request.method, request.resource, request.source.unwrap_or_default()),
            ),
            (Method::Post, "/things") => Response::created("/things/1"),
            (Method::Put | Method::Delete, "/things/1") => Response::ok_empty(),
            (Method::Get, "/fail") => Response::error(StatusCode::InternalServerError, "boom"),
            (Method::Get, "/panic") => panic!("a handler panics"),
            _ => Response::error(StatusCode::NotFound, format!("no {}", request.path())),
        }
    }
}

#[tokio::test]
async fn requests_and_responses() {
    init_logs();
    require_broker().await;
    let name = unique("resources");
    let server = Server::builder(url()).handler(&name, resources()).description("resources/0.1").build().await.unwrap();
    assert_eq!(server.queue(), omcp::queue_name(&name));
    let server = server.spawn();
    let client = Client::builder(url()).source("dashboard").connect().await.unwrap();
    let address = |path: &str| format!("omcp://{name}{path}");

    let echo = client.get(&address("/echo?unit=celsius")).await.unwrap();
    assert_eq!((echo.status, echo.body.as_str()), (StatusCode::Ok, "GET /echo?unit=celsius from dashboard"));
    assert_eq!(echo.module.as_deref(), Some("resources/0.1"));
    let age = chrono::Utc::now() - echo.date.expect("dated");
    assert!(age.num_seconds().abs() < 60, "{age}");

    let created = client.post(&address("/things"), "application/json", "{}").await.unwrap();
    assert_eq!(created.status, StatusCode::Created);
    assert_eq!(created.location, Some(format!("omcp://{name}/things/1")));
    assert_eq!(client.put(&address("/things/1"), "application/json", "{}").await.unwrap().status, StatusCode::Ok);
    assert_eq!(client.delete(&address("/things/1")).await.unwrap().status, StatusCode::Ok);

    let failed = client.get(&address("/fail")).await.unwrap();
    assert_eq!((failed.status, failed.error.as_deref()), (StatusCode::InternalServerError, Some("boom")));
    let panicked = client.get(&address("/panic")).await.unwrap();
    assert_eq!(panicked.status, StatusCode::InternalServerError);
    assert_eq!(panicked.error.as_deref(), Some("the handler of GET /panic failed"));
    let missing = client.get(&address("/nothing")).await.unwrap();
    assert_eq!((missing.status, missing.error.as_deref()), (StatusCode::NotFound, Some("no /nothing")));

    // A request naming its source keeps it; NOTIFY and message groups are not requests.
    let named = client.request(Request::new(Method::Get, &name, "/echo").source("other")).await.unwrap();
    assert_eq!(named.body, "GET /echo from other");
    let notify = client.request(Request::new(Method::Notify, &name, "/x")).await;
    assert!(matches!(notify, Err(RequestError::Unanswered)), "{notify:?}");
    let group = client.get("omcp://alerts.messagegroup/x").await;
    assert!(matches!(group, Err(RequestError::MessageGroup(_))), "{group:?}");

    client.close().await;
    assert!(matches!(client.get(&address("/echo")).await, Err(RequestError::Closed)));
    server.shutdown().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}

/// A handler that forwards every request it gets.
fn recorder() -> (impl Handler, mpsc::UnboundedReceiver<Request>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let handler = move |request: Request| {
        let _ = sender.send(request);
        async { Response::ok_empty() }
    };
    (handler, receiver)
}

#[tokio::test]
async fn notifications_are_handled() {
    init_logs();
    require_broker().await;
    let name = unique("notified");
    let (handler, mut received) = recorder();
    let server = Server::builder(url()).handler(&name, handler).build().await.unwrap().spawn();
    let client = Client::builder(url()).source("sampler").connect().await.unwrap();

    client.notify_to(&format!("omcp://{name}/samples"), "application/json", r#"{"celsius":21.5}"#).await.unwrap();
    let sample = within(10, "the notification", received.recv()).await.unwrap();
    assert_eq!((sample.method, sample.path()), (Method::Notify, "/samples"));
    assert_eq!((sample.body.as_str(), sample.source.as_deref()), (r#"{"celsius":21.5}"#, Some("sampler")));
    assert_eq!(sample.module, name);

    client.close().await;
    server.shutdown().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}

#[tokio::test]
async fn notifications_wait_in_the_queue_while_the_module_is_down() {
    init_logs();
    require_broker().await;
    let name = unique("offline");
    // The module ran once, so its durable queue exists.
    let (handler, _) = recorder();
    Server::builder(url()).handler(&name, handler).build().await.unwrap().spawn().shutdown().await;

    let client = Client::connect(url()).await.unwrap();
    client.notify_to(&format!("omcp://{name}/samples"), "text/plain", "while you were away").await.unwrap();

    let (handler, mut received) = recorder();
    let server = Server::builder(url()).handler(&name, handler).build().await.unwrap().spawn();
    let sample = within(10, "the queued notification", received.recv()).await.unwrap();
    assert_eq!(sample.body, "while you were away");

    client.close().await;
    server.shutdown().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}

#[tokio::test]
async fn a_module_that_is_down_is_answered_408_after_the_timeout() {
    init_logs();
    require_broker().await;
    let name = unique("down");
    let (handler, _) = recorder();
    Server::builder(url()).handler(&name, handler).build().await.unwrap().spawn().shutdown().await;

    let timeout = Duration::from_millis(500);
    let client = Client::builder(url()).timeout(timeout).connect().await.unwrap();
    let start = Instant::now();
    let response = client.get(&format!("omcp://{name}/sensors/3")).await.unwrap();
    let elapsed = start.elapsed();
    assert_eq!(response.status, StatusCode::RequestTimeout);
    assert_eq!(response.error, Some(format!("no response from module `{name}` within 500ms")));
    assert!(elapsed >= timeout && elapsed < Duration::from_secs(10), "{elapsed:?}");

    // Another timeout for one request.
    let request = Request::new(Method::Get, &name, "/x");
    let response = client.request_within(request, Duration::from_millis(50)).await.unwrap();
    assert_eq!(response.status, StatusCode::RequestTimeout);

    client.close().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}

#[tokio::test]
async fn a_module_without_queue_is_answered_404_at_once() {
    init_logs();
    require_broker().await;
    let name = unique("never-ran");
    let client = Client::builder(url()).timeout(Duration::from_secs(60)).connect().await.unwrap();
    let response = within(30, "the 404", client.get(&format!("omcp://{name}/x"))).await.unwrap();
    assert_eq!(response.status, StatusCode::NotFound);
    assert_eq!(response.error, Some(format!("no module `{name}` on this broker (no queue `osiris.{name}`)")));
    let notified = client.notify_to(&format!("omcp://{name}/x"), "text/plain", "").await;
    assert!(matches!(notified, Err(RequestError::NoSuchModule { .. })), "{notified:?}");
    client.close().await;
}

#[tokio::test]
async fn undecodable_packets_are_answered_400() {
    init_logs();
    require_broker().await;
    let name = unique("garbage");
    let server = Server::builder(url()).handler(&name, resources()).build().await.unwrap().spawn();

    // A peer that sends something else than OMCP, with lapin directly.
    let connection = Connection::connect(&url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let exclusive = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
    let replies = channel.queue_declare("".into(), exclusive, FieldTable::default()).await.unwrap();
    let no_ack = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
    let mut consumer =
        channel.basic_consume(replies.name().clone(), "".into(), no_ack, FieldTable::default()).await.unwrap();
    let properties =
        BasicProperties::default().with_reply_to(replies.name().clone()).with_correlation_id("garbage-1".into());
    let queue = omcp::queue_name(&name);
    channel
        .basic_publish("".into(), queue.as_str().into(), BasicPublishOptions::default(), b"HELLO", properties)
        .await
        .unwrap();
    use futures_util::StreamExt;
    let reply = within(10, "the 400", consumer.next()).await.unwrap().unwrap();
    assert_eq!(reply.properties.correlation_id().as_ref().map(|id| id.as_str()), Some("garbage-1"));
    let response = Response::decode(&reply.data).unwrap();
    assert_eq!(response.status, StatusCode::BadRequest);
    assert_eq!(
        response.error.as_deref(),
        Some("invalid first line `HELLO`: expected `METHOD /resource OMCP/0.1` or `OMCP/0.1 CODE TEXT`")
    );

    let _ = connection.close(200, "done".into()).await;
    server.shutdown().await;
    delete(&[&queue], &[]).await;
}
