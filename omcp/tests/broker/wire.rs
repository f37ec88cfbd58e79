//! The bytes on the broker, both ways, between a module built with `#[module]` or a
//! `Client` and a peer that speaks AMQP directly and writes and reads packets as text, as
//! the original Java implementation does.

use omcp::{Client, Created, OmcpError, Server, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::peer::{dated_now, Peer, DATE};
use crate::support::{delete, init_logs, require_broker, unique, url, within};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reading {
    pub id: u32,
    pub celsius: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewSensor {
    pub name: String,
}

#[omcp::module(name = "thermometer", crate = "omcp")]
pub trait Thermometer {
    #[get("/sensors/{id}")]
    async fn reading(&self, id: u32) -> Result<Reading, OmcpError>;
    #[post("/sensors")]
    async fn create(&self, body: NewSensor) -> Result<Created, OmcpError>;
    #[delete("/sensors/{id}")]
    async fn remove(&self, id: u32) -> Result<(), OmcpError>;
}

struct Thermometers;

impl Thermometer for Thermometers {
    async fn reading(&self, id: u32) -> Result<Reading, OmcpError> {
        Ok(Reading { id, celsius: 21.5 })
    }

    async fn create(&self, body: NewSensor) -> Result<Created, OmcpError> {
        Ok(Created::at(format!("/sensors/{}", body.name.chars().count())))
    }
}

#[tokio::test]
async fn a_module_answers_the_originals_packets_in_its_format() {
    init_logs();
    require_broker().await;
    let name = unique("thermometer");
    let server = Server::builder(url())
        .module(ThermometerServer::new(Thermometers))
        .name(&name)
        .description("thermometer/0.1")
        .build()
        .await
        .unwrap()
        .spawn();
    let queue = omcp::queue_name(&name);
    let peer = Peer::connect().await;
    let head = |method: &str, resource: &str| {
        format!("{method} {resource} OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:test-java/0.1\n")
    };

    // GET ends after the headers; its content-type names the format wanted.
    let get = format!("{}content-type:application/json\n", head("GET", "/sensors/3"));
    assert_eq!(
        dated_now(&peer.call(&queue, &get).await),
        format!(
            "OMCP/0.1 200 OK\ndate:{DATE}\nmodule:thermometer/0.1\ncontent-length:23\ncontent-type:application/json\n\n\
             {{\"id\":3,\"celsius\":21.5}}\n"
        )
    );

    // POST with `\r\n` line ends, a multi-line body and a content-length in UTF-16 units
    // (`é` is one, as Java's String.length() counts): 201 and the full location.
    let body = "{\r\n  \"name\": \"caf\u{e9}\"\r\n}";
    let length = body.encode_utf16().count();
    assert_eq!((length, body.len()), (22, 23));
    let post = format!("{}content-length:{length}\ncontent-type:application/json\n\n", head("POST", "/sensors"))
        .replace('\n', "\r\n")
        + body
        + "\r\n";
    assert_eq!(
        dated_now(&peer.call(&queue, &post).await),
        format!("OMCP/0.1 201 CREATED\ndate:{DATE}\nmodule:thermometer/0.1\nlocation:omcp://{name}/sensors/4\n")
    );

    // Declared, not implemented; unknown path; known path, other method; undecodable body.
    assert_eq!(
        dated_now(&peer.call(&queue, &head("DELETE", "/sensors/3")).await),
        format!(
            "OMCP/0.1 501 NOT IMPLEMENTED\ndate:{DATE}\nmodule:thermometer/0.1\n\
             error:DELETE /sensors/{{id}} is not implemented\n"
        )
    );
    let not_found = dated_now(&peer.call(&queue, &head("GET", "/actuators/1")).await);
    assert_eq!(
        not_found,
        format!("OMCP/0.1 404 NOT FOUND\ndate:{DATE}\nmodule:thermometer/0.1\nerror:no resource /actuators/1\n")
    );
    let put = format!("{}content-length:2\ncontent-type:application/json\n\n{{}}\n", head("PUT", "/sensors/3"));
    assert_eq!(
        dated_now(&peer.call(&queue, &put).await),
        format!(
            "OMCP/0.1 405 METHOD NOT ALLOWED\ndate:{DATE}\nmodule:thermometer/0.1\n\
             error:PUT is not allowed on /sensors/3; allowed: GET, DELETE\n"
        )
    );
    let bad = format!("{}content-length:5\ncontent-type:application/json\n\nnope!\n", head("POST", "/sensors"));
    let bad = dated_now(&peer.call(&queue, &bad).await);
    assert!(
        bad.starts_with(&format!(
            "OMCP/0.1 400 BAD REQUEST\ndate:{DATE}\nmodule:thermometer/0.1\nerror:invalid body: "
        )),
        "{bad}"
    );

    peer.close().await;
    server.shutdown().await;
    delete(&[&queue], &[]).await;
}

#[tokio::test]
async fn a_client_writes_the_originals_packets_and_reads_its_answers() {
    init_logs();
    require_broker().await;
    let name = unique("test-module");
    let queue = omcp::queue_name(&name);
    let peer = Peer::connect().await;
    let mut requests = peer.serve(&queue).await;
    let client = Client::builder(url()).source("rust-peer").connect().await.unwrap();

    // GET: a request with reply_to and a correlation id; the original's 200 read back.
    let call = tokio::spawn({
        let (client, address) = (client.clone(), format!("omcp://{name}/sensors/3"));
        async move { client.get(&address).await }
    });
    let ok = format!(
        "OMCP/0.1 200 OK\ndate:{DATE}\nmodule:test-java/0.1\ncontent-length:11\ncontent-type:text/plain\n\nrequest ok!\n"
    );
    let packet = peer.answer(&mut requests, &ok).await;
    assert_eq!(dated_now(&packet), format!("GET /sensors/3 OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:rust-peer\n"));
    let response = within(10, "the 200", call).await.unwrap().unwrap();
    assert_eq!((response.status, response.body.as_str()), (StatusCode::Ok, "request ok!"));
    assert_eq!(
        (response.module.as_deref(), response.content_type.as_deref()),
        (Some("test-java/0.1"), Some("text/plain"))
    );
    assert_eq!(response.date.map(|date| omcp::packet::format_date(&date)).as_deref(), Some(DATE));

    // POST: content-length, an empty line, the body and `\n`; the original's 201.
    let call = tokio::spawn({
        let (client, address) = (client.clone(), format!("omcp://{name}/sensors"));
        async move { client.post(&address, "application/json", "{\"name\":\"t1\"}").await }
    });
    let created =
        format!("OMCP/0.1 201 CREATED\ndate:{DATE}\nmodule:test-java/0.1\nlocation:omcp://test-module/sensors/3\n");
    let packet = peer.answer(&mut requests, &created).await;
    assert_eq!(
        dated_now(&packet),
        format!(
            "POST /sensors OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:rust-peer\ncontent-length:13\n\
             content-type:application/json\n\n{{\"name\":\"t1\"}}\n"
        )
    );
    let response = within(10, "the 201", call).await.unwrap().unwrap();
    assert_eq!(response.status, StatusCode::Created);
    assert_eq!(response.location.as_deref(), Some("omcp://test-module/sensors/3"));

    // DELETE; the original's 501, with `\r\n` line ends.
    let call = tokio::spawn({
        let (client, address) = (client.clone(), format!("omcp://{name}/sensors/3"));
        async move { client.delete(&address).await }
    });
    let not_implemented =
        format!("OMCP/0.1 501 NOT IMPLEMENTED\ndate:{DATE}\nmodule:test-java/0.1\nerror:error\n").replace('\n', "\r\n");
    let packet = peer.answer(&mut requests, &not_implemented).await;
    assert_eq!(
        dated_now(&packet),
        format!("DELETE /sensors/3 OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:rust-peer\n")
    );
    let response = within(10, "the 501", call).await.unwrap().unwrap();
    assert_eq!((response.status, response.error.as_deref()), (StatusCode::NotImplemented, Some("error")));

    // NOTIFY: a persistent message without reply_to, never answered.
    client.notify_to(&format!("omcp://{name}/samples"), "text/plain", "21.5\n22.0").await.unwrap();
    let (packet, reply_to, correlation_id, delivery_mode) = Peer::receive(&mut requests).await;
    assert_eq!(
        dated_now(&packet),
        format!(
            "NOTIFY /samples OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:rust-peer\ncontent-length:9\n\
             content-type:text/plain\n\n21.5\n22.0\n"
        )
    );
    assert_eq!((reply_to, correlation_id, delivery_mode), (None, None, Some(2)));

    client.close().await;
    peer.close().await;
    delete(&[&queue], &[]).await;
}
