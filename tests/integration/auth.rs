//! Authentication and authorization: the reference's login flows as a client written from
//! the specification performs them, the typed client's login, brute-force limits, and
//! commands and events that require a permission.

use std::time::Duration;

use osmp::auth::{encrypt_password, parse_public_key, public_key_to_xml, sign_token, Users};
use osmp::prelude::*;
use serde_json::{json, Value};

use crate::support::*;

fn users() -> Users {
    let mut users = Users::new();
    users.add_password("Jon", "LordCommanderOfTheWatch").unwrap();
    users.add_password("sam", "books").unwrap();
    users.grant("Jon", ["operator"]);
    users.add_public_key("alice", client_key().to_public_key());
    users
}

async fn auth_server(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> ServerHandle {
    plain_server(|builder| configure(builder.users(users()).require_auth().rsa_key(server_key()))).await
}

/// Logs in as the specification's password example shows, answering the challenge with the
/// key from `session-initiated`. Returns the login's response and the encrypted answer sent.
async fn raw_password_login(
    peer: &mut RawPeer,
    initiated: &Value,
    nr: u64,
    user: &str,
    password: &str,
) -> (Value, String) {
    peer.send(
        &json!({"type": "cmd", "nr": nr, "id": "login", "data": {"username": user, "method": "password"}}).to_string(),
    )
    .await;
    let request = peer.take(|message| message["type"] == "cmd").await;
    assert_eq!(request["id"], "password-request", "{request}");
    let token = request["data"]["token"].as_str().expect("a token");
    assert_eq!(token.len(), 36, "a UUID: {token}");
    let key = parse_public_key(initiated["data"]["public-key"].as_str().expect("a public key")).unwrap();
    let encrypted = encrypt_password(&key, password, token).unwrap();
    answer(peer, &request, json!({"encrypted-password": encrypted})).await;
    (peer.response_to(nr).await, encrypted)
}

async fn answer(peer: &mut RawPeer, request: &Value, data: Value) {
    let nr = peer.helper_nr();
    let response = json!({"type": "response", "id": request["id"], "nr": nr, "cmd-nr": request["nr"], "status": "OK", "data": data});
    peer.send(&response.to_string()).await;
}

#[tokio::test]
async fn session_initiated_announces_the_key_only_when_logins_are_possible() {
    let server = auth_server(|builder| builder).await;
    let (peer, initiated) = RawPeer::connect(&server).await;
    let key = initiated["data"]["public-key"].as_str().expect("a public-key");
    assert!(key.starts_with("<RSAKeyValue><Modulus>") && key.ends_with("</Exponent></RSAKeyValue>"), "{key}");
    assert_eq!(parse_public_key(key).unwrap(), server_key().to_public_key());
    peer.close().await;
    server.shutdown().await;

    let open = plain_server(|builder| builder).await;
    let (peer, initiated) = RawPeer::connect(&open).await;
    assert!(initiated["data"].get("public-key").is_none(), "no accounts, no key: {initiated}");
    peer.close().await;
    open.shutdown().await;
}

#[tokio::test]
async fn password_login_as_in_the_specification() {
    let server = auth_server(|builder| builder).await;
    let (mut peer, initiated) = RawPeer::connect(&server).await;

    // CLIENT: {"type":"cmd","nr":1,"id":"echo","data":null}
    peer.send(r#"{"type":"cmd","nr":1,"id":"echo","data":null}"#).await;
    let refused = peer.response_to(1).await;
    assert_fields(
        &refused,
        &json!({"type": "response", "id": "echo", "cmd-nr": 1, "status": "ERROR", "result": "Authentication required!"}),
    );
    peer.send(r#"{"type":"cmd","nr":5,"id":"order-pizza"}"#).await;
    assert_eq!(peer.response_to(5).await["result"], "Authentication required!", "unknown names reveal nothing");

    // CLIENT: {"type":"cmd","nr":2,"id":"login","data":{"username":"Jon","method":"password"}}
    let (response, _) = raw_password_login(&mut peer, &initiated, 2, "Jon", "LordCommanderOfTheWatch").await;
    assert_fields(
        &response,
        &json!({"type": "response", "id": "login", "cmd-nr": 2, "status": "OK", "result": "Login successful!"}),
    );

    // CLIENT: {"type":"cmd","nr":8,"id":"echo","data":null}
    peer.send(r#"{"type":"cmd","nr":8,"id":"echo","data":null}"#).await;
    assert_fields(&peer.response_to(8).await, &json!({"type": "response", "id": "echo", "cmd-nr": 8, "status": "OK"}));

    peer.send(r#"{"type":"cmd","nr":9,"id":"logout"}"#).await;
    assert_eq!(peer.response_to(9).await["status"], "OK");
    peer.send(r#"{"type":"cmd","nr":10,"id":"echo"}"#).await;
    assert_eq!(peer.response_to(10).await["result"], "Authentication required!");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_an_unknown_user_and_a_replayed_answer_all_fail_alike() {
    let server = auth_server(|builder| builder).await;
    let (mut peer, initiated) = RawPeer::connect(&server).await;
    let (wrong, _) = raw_password_login(&mut peer, &initiated, 1, "Jon", "guess").await;
    let (unknown, _) = raw_password_login(&mut peer, &initiated, 2, "Ned", "LordCommanderOfTheWatch").await;
    for response in [&wrong, &unknown] {
        assert_fields(response, &json!({"status": "ERROR", "result": "Login failed!"}));
    }

    // An eavesdropper captures a good answer, then replays it against a new challenge.
    let (good, captured) = raw_password_login(&mut peer, &initiated, 3, "sam", "books").await;
    assert_eq!(good["result"], "Login successful!");
    peer.send(r#"{"type":"cmd","nr":4,"id":"login","data":{"username":"sam","method":"password"}}"#).await;
    let request = peer.take(|message| message["type"] == "cmd").await;
    answer(&mut peer, &request, json!({"encrypted-password": captured})).await;
    assert_eq!(peer.response_to(4).await["result"], "Login failed!", "the token is single-use");

    peer.send(r#"{"type":"cmd","nr":6,"id":"login","data":{"username":"sam","method":"password"}}"#).await;
    let request = peer.take(|message| message["type"] == "cmd").await;
    answer(&mut peer, &request, json!({"encrypted-password": "not base64 at all!"})).await;
    assert_eq!(peer.response_to(6).await["result"], "Login failed!");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn public_key_login_as_in_the_specification() {
    let server = auth_server(|builder| builder).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let key = client_key();
    let login = json!({"type": "cmd", "nr": 2, "id": "login",
        "data": {"username": "alice", "method": "public-key", "public-key": public_key_to_xml(&key.to_public_key())}});
    peer.send(&login.to_string()).await;
    let request = peer.take(|message| message["type"] == "cmd").await;
    assert_eq!(request["id"], "sign-request", "{request}");
    let token = request["data"]["token"].as_str().expect("a token").to_owned();
    answer(&mut peer, &request, json!({"signature": sign_token(&key, &token)})).await;
    assert_eq!(peer.response_to(2).await["result"], "Login successful!");

    // The right signature for a key the user does not have fails.
    let stranger = osmp::auth::generate_key(1024).unwrap();
    let login = json!({"type": "cmd", "nr": 3, "id": "login",
        "data": {"username": "alice", "method": "public-key", "public-key": public_key_to_xml(&stranger.to_public_key())}});
    peer.send(&login.to_string()).await;
    let request = peer.take(|message| message["type"] == "cmd").await;
    let token = request["data"]["token"].as_str().expect("a token").to_owned();
    answer(&mut peer, &request, json!({"signature": sign_token(&stranger, &token)})).await;
    assert_eq!(peer.response_to(3).await["result"], "Login failed!");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_typed_client_logs_in_both_ways() {
    let server = auth_server(|builder| builder).await;
    let client = client(&server).await;
    let refused = client.call("time", &()).await.unwrap_err();
    assert_eq!(refused.response().unwrap().result.as_deref(), Some("Authentication required!"));

    let failed = client.login("Jon", "wrong").await.unwrap_err();
    assert_eq!(failed.response().unwrap().result.as_deref(), Some("Login failed!"));
    let ok = client.login("Jon", "LordCommanderOfTheWatch").await.unwrap();
    assert_eq!(ok.result.as_deref(), Some("Login successful!"));
    assert!(client.standard().time().await.is_ok());
    client.logout().await.unwrap();
    assert!(client.standard().time().await.is_err());

    let ok = client.login_with_key("alice", &client_key()).await.unwrap();
    assert_eq!(ok.result.as_deref(), Some("Login successful!"));
    assert!(client.standard().time().await.is_ok());
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn brute_force_is_cut_off_per_session_and_per_address() {
    let limits = limits(|limits| {
        limits.login.per_session = 3;
        limits.login.per_address = 5;
    });
    let server = auth_server(|builder| builder.limits(limits)).await;

    // One session: three failures, then the session is refused and closed.
    let client = client(&server).await;
    for _ in 0..3 {
        let error = client.login("Jon", "guess").await.unwrap_err();
        assert_eq!(error.response().unwrap().result.as_deref(), Some("Login failed!"));
    }
    let error = client.login("Jon", "LordCommanderOfTheWatch").await.unwrap_err();
    assert_eq!(error.response().unwrap().result.as_deref(), Some("Too many failed logins"), "even the right password");
    bounded("the session to close", client.closed()).await;

    // The address has failed three times; two more from a new session reach its limit.
    let client = crate::support::client(&server).await;
    for _ in 0..2 {
        assert!(client.login("sam", "guess").await.is_err());
    }
    let error = client.login("sam", "books").await.unwrap_err();
    assert_eq!(error.response().unwrap().result.as_deref(), Some("Too many failed logins; try again later"));
    client.close().await;
    server.shutdown().await;
}

/// A set whose commands and events require the `operator` permission.
mod guarded {
    use osmp::prelude::*;

    /// Announcements.
    #[osmp::instruction_set(name = "pa", requires = "operator")]
    pub trait Pa {
        /// Start an announcement.
        async fn announce(&self, text: String) -> Result<(), CommandError>;

        /// An announcement started.
        #[event]
        fn announced(text: String);
    }

    pub struct Speaker;

    impl Pa for Speaker {
        async fn announce(&self, _text: String) -> Result<(), CommandError> {
            Ok(())
        }
    }
}

#[tokio::test]
async fn commands_and_events_that_require_a_permission() {
    let server = plain_server(|builder| {
        builder.users(users()).rsa_key(server_key()).instruction_set(guarded::PaServer::new(guarded::Speaker))
    })
    .await;
    let client = client(&server).await;
    let standard = client.standard();
    let names = |help: osmp::standard::Help| match help {
        osmp::standard::Help::List(list) => list.commands.into_iter().map(|c| c.command).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };

    // Anonymous (auth is not required on this server): standard commands work, guarded ones do not.
    let denied = client.call("announce", &json!({"text": "hi"})).await.unwrap_err();
    assert_eq!(denied.response().unwrap().result.as_deref(), Some("Permission denied"));
    assert!(!names(standard.help(None).await.unwrap()).contains(&"announce".to_owned()), "help hides it");
    let exported = |document: Value| document.to_string().contains(r#""command":"announce""#);
    assert!(!exported(standard.schema().await.unwrap()), "so does the schema document");
    let denied = client.subscribe("announced").await.unwrap_err();
    assert_eq!(denied.response().unwrap().result.as_deref(), Some("Permission denied"));
    let all = client.call("event-subscribe", &json!({"event": "*"})).await.unwrap();
    assert_eq!(all.result.as_deref(), Some("Subscribed 0 events."), "* covers only what the session may receive");

    // A user without the role is denied too; one with it may.
    client.login("sam", "books").await.unwrap();
    assert!(client.call("announce", &json!({"text": "hi"})).await.is_err());
    client.login("Jon", "LordCommanderOfTheWatch").await.unwrap();
    assert!(client.call("announce", &json!({"text": "hi"})).await.is_ok());
    assert!(names(standard.help(None).await.unwrap()).contains(&"announce".to_owned()));
    assert!(exported(standard.schema().await.unwrap()));
    let mut announced = client.subscribe("announced").await.unwrap();
    guarded::PaEvents::new(server.events()).announced("doors closing").unwrap();
    let event = bounded("the event", announced.next()).await.unwrap();
    assert_eq!(event.data.unwrap().to_value()["text"], "doors closing");
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_reconnecting_client_logs_in_again() {
    let first = auth_server(|builder| builder).await;
    let addr = first.local_addr();
    let client = Client::builder(first.url())
        .reconnect(ReconnectPolicy { initial_delay: Duration::from_millis(50), ..ReconnectPolicy::default() })
        .connect()
        .await
        .unwrap();
    client.login("Jon", "LordCommanderOfTheWatch").await.unwrap();
    first.shutdown().await;
    let second = auth_server(|builder| builder.bind(addr.to_string())).await;
    eventually("the client to reconnect and log in again", || {
        let client = client.clone();
        async move { client.call("time", &()).await.is_ok() }
    })
    .await;
    client.close().await;
    second.shutdown().await;
}
