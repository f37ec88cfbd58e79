//! Server events: subscriptions, batching into multi-events, expiry, and the typed
//! client's `Subscription`.

use std::time::Duration;

use osmp::session::SessionConfig;
use serde_json::{json, Value};

use crate::support::*;

fn alarms() -> TestSet {
    TestSet::new("alarms")
        .event("alarm", "An alarm was raised")
        .event("fault", "A device reported a fault")
        .event("status", "A status changed")
}

fn batching(window: Duration) -> SessionConfig {
    let mut config = SessionConfig::default();
    config.event_batch_window = window;
    config
}

/// A server whose events are batched within `window`.
async fn alarm_server(window: Duration) -> ServerHandle {
    server_with(alarms(), batching(window)).await
}

/// The events of an event message, single or multi, as `(name, data)`.
fn items(message: &Value) -> Vec<(String, Value)> {
    assert_eq!(message["type"], "event", "{message}");
    if message["id"].is_null() {
        message["data"]["events"]
            .as_array()
            .expect("a multi-event carries data.events")
            .iter()
            .map(|item| (item["event"].as_str().expect("event name").to_owned(), item["data"].clone()))
            .collect()
    } else {
        vec![(message["id"].as_str().expect("event name").to_owned(), message["data"].clone())]
    }
}

/// `subscribed-until` of `event` in an `event-list` answer.
async fn subscribed_until(peer: &mut RawPeer, event: &str) -> Value {
    let nr = peer.helper_nr();
    let response = peer.call(nr, "event-list", Value::Null).await;
    response["data"]["events"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|entry| entry["event-name"] == event)
        .expect("the event is listed")["subscribed-until"]
        .clone()
}

#[tokio::test]
async fn events_close_together_are_sent_as_one_multi_event() {
    let server = alarm_server(Duration::from_millis(300)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let response = peer.call(1, "event-subscribe", json!({"event": "*"})).await;
    assert_eq!(response["result"], "Subscribed 3 events.");

    let bus = server.events();
    for n in 1..=4 {
        let name = if n % 2 == 1 { "alarm" } else { "fault" };
        assert_eq!(bus.emit(name, &json!({ "n": n })).expect("declared"), 1);
    }
    // The first goes out at once, as a single event.
    let first = peer.recv().await;
    assert_fields(&first, &json!({"type": "event", "id": "alarm", "data": {"n": 1}}));
    // The rest as ONE multi-event at the end of the window.
    let multi = peer.recv().await;
    assert_fields(&multi, &json!({"type": "event", "id": null}));
    assert_eq!(
        multi["data"],
        json!({"events": [
            {"event": "fault", "data": {"n": 2}},
            {"event": "alarm", "data": {"n": 3}},
            {"event": "fault", "data": {"n": 4}},
        ]})
    );
    assert_eq!(multi["nr"].as_u64(), first["nr"].as_u64().map(|nr| nr + 1), "{multi}");
    assert_eq!(peer.silent_for(Duration::from_millis(400)).await, None);

    // After a quiet window the next event goes out alone again.
    bus.emit("alarm", &json!({"n": 5})).expect("declared");
    let alone = peer.recv().await;
    assert_fields(&alone, &json!({"type": "event", "id": "alarm", "data": {"n": 5}}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_zero_window_sends_every_event_alone() {
    let server = alarm_server(Duration::ZERO).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.call(1, "event-subscribe", json!({"event": "alarm"})).await;
    for n in 1..=3 {
        server.events().emit("alarm", &json!({ "n": n })).expect("declared");
    }
    for n in 1..=3 {
        let event = peer.recv().await;
        assert_fields(&event, &json!({"type": "event", "id": "alarm", "data": {"n": n}}));
    }
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_typed_subscription_unpacks_multi_events() {
    let server = alarm_server(Duration::from_millis(300)).await;
    let client = client(&server).await;
    let mut alarms = client.subscribe("alarm").await.expect("subscribed");
    let mut everything = client.subscribe("*").await.expect("subscribed");
    let bus = server.events();
    for n in 1..=4 {
        let name = if n % 2 == 1 { "alarm" } else { "fault" };
        bus.emit(name, &json!({ "n": n })).expect("declared");
    }
    for n in [1, 3] {
        let event = bounded("an alarm", alarms.next()).await.expect("open");
        assert_eq!(event.event, "alarm");
        assert_eq!(event.data.expect("data").to_value(), json!({ "n": n }));
    }
    for n in 1..=4 {
        let event = bounded("an event", everything.next()).await.expect("open");
        let expected = if n % 2 == 1 { "alarm" } else { "fault" };
        assert_eq!(event.event, expected);
        assert_eq!(event.data.expect("data").to_value(), json!({ "n": n }));
    }
    assert_eq!(alarms.dropped(), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn unsubscribed_events_are_not_delivered() {
    let server = alarm_server(Duration::from_millis(100)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let (mut bystander, _) = RawPeer::connect(&server).await;
    peer.call(1, "event-subscribe", json!({"event": "alarm"})).await;
    let bus = server.events();
    assert_eq!(bus.emit("fault", &json!({"n": 1})).expect("declared"), 0);
    assert_eq!(bus.emit("alarm", &json!({"n": 2})).expect("declared"), 1);
    assert_eq!(bus.emit("status", &json!({"n": 3})).expect("declared"), 0);
    let event = peer.recv().await;
    assert_fields(&event, &json!({"id": "alarm", "data": {"n": 2}}));
    assert_eq!(peer.silent_for(Duration::from_millis(400)).await, None);
    assert_eq!(bystander.silent_for(Duration::from_millis(100)).await, None);

    // After event-unsubscribe, the alarm stops too.
    let response = peer.call(2, "event-unsubscribe", json!({"event": "alarm"})).await;
    assert_eq!(response["result"], "Unsubscribed 1 events.");
    assert_eq!(bus.emit("alarm", &json!({"n": 4})).expect("declared"), 0);
    assert_eq!(peer.silent_for(Duration::from_millis(300)).await, None);

    // Emitting an event no set declares is an error, not a silent no-op.
    assert!(bus.emit("undeclared", &json!({})).is_err());
    peer.close().await;
    bystander.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_subscription_expires_after_its_timeout() {
    let server = alarm_server(Duration::from_millis(100)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let response = peer.call(1, "event-subscribe", json!({"event": "alarm", "timeout": 1})).await;
    assert_fields(&response, &json!({"status": "OK", "result": "Subscribed 1 events."}));
    let until = subscribed_until(&mut peer, "alarm").await;
    assert!(until.is_string(), "subscribed for a second: {until}");
    assert_eq!(server.events().emit("alarm", &json!({"n": 1})).expect("declared"), 1);
    assert_fields(&peer.recv().await, &json!({"id": "alarm", "data": {"n": 1}}));

    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(server.events().emit("alarm", &json!({"n": 2})).expect("declared"), 0);
    assert_eq!(peer.silent_for(Duration::from_millis(300)).await, None);
    assert_eq!(subscribed_until(&mut peer, "alarm").await, Value::Null);
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn star_subscribes_every_event() {
    let server = alarm_server(Duration::ZERO).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let response = peer.call(1, "event-subscribe", json!({"event": "*"})).await;
    assert_eq!(response["result"], "Subscribed 3 events.");
    for event in ["alarm", "fault", "status"] {
        assert!(subscribed_until(&mut peer, event).await.is_string());
        assert_eq!(server.events().emit(event, &json!({})).expect("declared"), 1);
        assert_eq!(items(&peer.recv().await)[0].0, event);
    }
    // Unsubscribing one leaves the others.
    peer.call(2, "event-unsubscribe", json!({"event": "fault"})).await;
    assert_eq!(subscribed_until(&mut peer, "fault").await, Value::Null);
    assert!(subscribed_until(&mut peer, "alarm").await.is_string());
    let response = peer.call(3, "event-unsubscribe", json!({"event": "*"})).await;
    assert_eq!(response["result"], "Unsubscribed 2 events.");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn dropping_the_last_subscription_unsubscribes_on_the_server() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let event_list = |client: Client| async move {
        let data: Value = client.call_as("event-list", &()).await.expect("event-list");
        data["events"].as_array().expect("a list").iter().find(|entry| entry["event-name"] == "alarm").expect("listed")
            ["subscribed-until"]
            .clone()
    };
    let first = client.subscribe("alarm").await.expect("subscribed");
    let second = client.subscribe("alarm").await.expect("subscribed");
    assert!(event_list(client.clone()).await.is_string());

    drop(first);
    // One subscription is left: the server keeps sending.
    let mut second = second;
    assert_eq!(server.events().emit("alarm", &json!({"n": 1})).expect("declared"), 1);
    let event = bounded("an alarm", second.next()).await.expect("open");
    assert_eq!(event.data.expect("data").to_value(), json!({"n": 1}));
    assert!(event_list(client.clone()).await.is_string());

    drop(second);
    eventually("the server forgets the subscription", || {
        let client = client.clone();
        async move { event_list(client).await.is_null() }
    })
    .await;
    assert_eq!(server.events().emit("alarm", &json!({"n": 2})).expect("declared"), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn typed_subscription_for_a_limited_time() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let _alarm = client.subscribe_for("alarm", Duration::from_secs(3600)).await.expect("subscribed");
    let data: Value = client.call_as("event-list", &()).await.expect("event-list");
    let now: chrono::DateTime<chrono::FixedOffset> = data["now"].as_str().expect("now").parse().expect("a date-time");
    let entry = data["events"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|entry| entry["event-name"] == "alarm")
        .expect("listed")
        .clone();
    let until: chrono::DateTime<chrono::FixedOffset> =
        entry["subscribed-until"].as_str().expect("subscribed").parse().expect("a date-time");
    let minutes = until.signed_duration_since(now).num_minutes();
    assert!((58..=60).contains(&minutes), "subscribed for {minutes} minutes");
    server.shutdown().await;
}

#[tokio::test]
async fn events_keep_their_order_when_the_writer_is_late() {
    let server = alarm_server(Duration::from_millis(100)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.call(1, "event-subscribe", json!({"event": "status"})).await;
    let bus = server.events();
    bus.emit("status", &json!({"n": 1})).expect("declared"); // goes out at once
    bus.emit("status", &json!({"n": 2})).expect("declared"); // waits for the window
                                                             // This test and the server share one thread: blocking it keeps the session's writer
                                                             // from running when the window ends, as a busy machine would.
    std::thread::sleep(Duration::from_millis(150));
    bus.emit("status", &json!({"n": 3})).expect("declared");
    let mut order = Vec::new();
    while order.len() < 3 {
        for (name, data) in items(&peer.recv().await) {
            assert_eq!(name, "status");
            order.push(data["n"].as_u64().expect("n"));
        }
    }
    assert_eq!(order, vec![1, 2, 3], "a later status overtook an earlier one");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_star_subscription_is_not_cut_short_by_dropping_a_named_one() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let mut everything = client.subscribe("*").await.expect("subscribed");
    let alarms = client.subscribe("alarm").await.expect("subscribed");
    drop(alarms);
    // Let the unsubscription (if any) happen: a call made afterwards is answered after it.
    client.call("echo", &()).await.expect("echo");
    client.call("echo", &()).await.expect("echo");
    assert_eq!(
        server.events().emit("alarm", &json!({"n": 1})).expect("declared"),
        1,
        "the session still holds a '*' subscription"
    );
    let event = bounded("an alarm", everything.next()).await.expect("open");
    assert_eq!(event.event, "alarm");
    server.shutdown().await;
}

#[tokio::test]
async fn a_named_subscription_is_not_cut_short_by_dropping_a_star_one() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let mut alarms = client.subscribe("alarm").await.expect("subscribed");
    let everything = client.subscribe("*").await.expect("subscribed");
    drop(everything);
    // Faults are no longer wanted; alarms still are.
    eventually("the server drops what nobody wants", || async {
        server.events().emit("fault", &json!({})).expect("declared") == 0
    })
    .await;
    assert_eq!(
        server.events().emit("alarm", &json!({"n": 1})).expect("declared"),
        1,
        "the session still holds an 'alarm' subscription"
    );
    let event = bounded("an alarm", alarms.next()).await.expect("open");
    assert_eq!(event.data.expect("data").to_value(), json!({"n": 1}));
    server.shutdown().await;
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_loses_the_oldest_events_only() {
    let server = alarm_server(Duration::ZERO).await;
    let limits = limits(|limits| limits.events.subscription_buffer = 2);
    let client = Client::builder(server.url()).limits(limits).connect().await.expect("connects");
    let mut alarms = client.subscribe("alarm").await.expect("subscribed");
    for n in 1..=5 {
        server.events().emit("alarm", &json!({ "n": n })).expect("declared");
    }
    eventually("three alarms are dropped", || async { alarms.dropped() == 3 }).await;
    // The session itself was never held up.
    client.call("echo", &()).await.expect("echo");
    for n in [4, 5] {
        let event = bounded("an alarm", alarms.next()).await.expect("open");
        assert_eq!(event.data.expect("data").to_value(), json!({ "n": n }));
    }
    server.shutdown().await;
}

/// Days from the server's `now` to the end of the session's subscription of `event`.
async fn days_subscribed(client: &Client, event: &str) -> Option<i64> {
    let data: Value = client.call_as("event-list", &()).await.expect("event-list");
    let now: chrono::DateTime<chrono::FixedOffset> = data["now"].as_str().expect("now").parse().expect("a date-time");
    let entry = data["events"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|entry| entry["event-name"] == event)
        .expect("listed")
        .clone();
    let until = entry["subscribed-until"].as_str()?;
    let until: chrono::DateTime<chrono::FixedOffset> = until.parse().expect("a date-time");
    Some(until.signed_duration_since(now).num_days())
}

#[tokio::test]
async fn a_limited_subscription_does_not_shorten_an_unlimited_one() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let _forever = client.subscribe("alarm").await.expect("subscribed");
    assert!(days_subscribed(&client, "alarm").await > Some(3000));
    let _brief = client.subscribe_for("alarm", Duration::from_secs(60)).await.expect("subscribed");
    let days = days_subscribed(&client, "alarm").await;
    assert!(days > Some(3000), "the unlimited subscription was cut to {days:?} days");
    server.shutdown().await;
}

#[tokio::test]
async fn an_unlimited_subscription_extends_a_limited_one() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let _brief = client.subscribe_for("alarm", Duration::from_secs(60)).await.expect("subscribed");
    assert_eq!(days_subscribed(&client, "alarm").await, Some(0));
    let _forever = client.subscribe("alarm").await.expect("subscribed");
    let days = days_subscribed(&client, "alarm").await;
    assert!(days > Some(3000), "the unlimited subscription ends in {days:?} days");
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_session_can_be_unsubscribed_with_a_reason_instead_of_losing_events_silently() {
    let limits = limits(|limits| {
        limits.events.max_pending = 4;
        limits.events.overflow = osmp::limits::EventOverflow::Unsubscribe;
    });
    let config = batching(Duration::from_secs(30));
    let server = plain_server(|b| b.instruction_set(alarms()).session_config(config).limits(limits)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    assert_eq!(peer.call(1, "event-subscribe", json!({"event": "*"})).await["result"], "Subscribed 3 events.");

    // The first event goes out at once; the others wait for the window, which overflows.
    for n in 1..=6 {
        server.events().emit("alarm", &json!({ "n": n })).expect("declared");
    }
    let error = peer.event("error").await;
    let description = error["data"]["description"].as_str().expect("a description");
    assert!(description.contains("All 3 event subscriptions were ended"), "{description}");
    let list = peer.call(2, "event-list", Value::Null).await;
    assert!(
        list["data"]["events"].as_array().expect("a list").iter().all(|e| e["subscribed-until"].is_null()),
        "{list}"
    );
    assert_eq!(server.events().emit("alarm", &json!({"n": 7})).expect("declared"), 0, "nobody subscribed any more");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn one_subscription_to_several_events_keeps_the_servers_order() {
    let server = alarm_server(Duration::from_millis(300)).await;
    let client = client(&server).await;
    let mut changes = client.subscribe_each(&["alarm", "fault"]).await.expect("subscribed");
    assert_eq!(changes.events(), ["alarm", "fault"]);
    let bus = server.events();
    // Emitted within one batching window: they reach the client as one multi-event.
    let order = ["fault", "alarm", "status", "alarm", "fault", "fault", "alarm"];
    for (n, name) in order.iter().enumerate() {
        bus.emit(name, &json!({ "n": n })).expect("declared");
    }
    for (n, name) in order.iter().enumerate().filter(|(_, name)| **name != "status") {
        let event = bounded("an event", changes.next()).await.expect("open");
        assert_eq!((event.event.as_str(), event.data.expect("data").to_value()), (*name, json!({ "n": n })));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_event_wanted_by_name_and_through_star_arrives_once() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let mut changes = client.subscribe_each(&["alarm", "*"]).await.expect("subscribed");
    let bus = server.events();
    bus.emit("alarm", &json!({ "n": 1 })).expect("declared");
    bus.emit("fault", &json!({ "n": 2 })).expect("declared");
    for n in [1, 2] {
        let event = bounded("an event", changes.next()).await.expect("open");
        assert_eq!(event.data.expect("data").to_value(), json!({ "n": n }), "each event once, in order");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn dropping_a_subscription_to_several_events_unsubscribes_each() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let changes = client.subscribe_each(&["alarm", "fault"]).await.expect("subscribed");
    assert_eq!(server.events().emit("alarm", &json!({})).expect("declared"), 1);
    assert_eq!(server.events().emit("fault", &json!({})).expect("declared"), 1);
    drop(changes);
    eventually("the server forgets both subscriptions", || {
        let bus = server.events().clone();
        async move {
            bus.emit("alarm", &json!({})).expect("declared") == 0
                && bus.emit("fault", &json!({})).expect("declared") == 0
        }
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_event_undoes_the_others_of_the_same_subscription() {
    let server = alarm_server(Duration::ZERO).await;
    let client = client(&server).await;
    let refused = client.subscribe_each(&["alarm", "no-such-event"]).await;
    assert!(refused.is_err(), "the server refuses an unknown event");
    eventually("the server forgets the subscription that went through", || {
        let bus = server.events().clone();
        async move { bus.emit("alarm", &json!({})).expect("declared") == 0 }
    })
    .await;
    server.shutdown().await;
}
