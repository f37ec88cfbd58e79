//! Path parameters on the wire, as the original sends them: the original client sends a
//! parameter as it is (`/echo/café:1`) and decodes the `%XX` escapes of an address before
//! sending it; its modules never decode. Ours send the same bytes (escaping only what
//! cannot travel as it is) and read both forms.

use omcp::{Client, OmcpError, Server};

use crate::peer::{dated_now, ok_packet, Peer, DATE};
use crate::support::{delete, init_logs, require_broker, unique, url, within};

#[omcp::module(name = "echo", crate = "omcp")]
pub trait Echo {
    /// The parameter, as the module received it.
    #[get("/echo/{text}")]
    async fn echo(&self, text: String) -> Result<String, OmcpError>;
}

struct Echoes;

impl Echo for Echoes {
    async fn echo(&self, text: String) -> Result<String, OmcpError> {
        Ok(text)
    }
}

#[tokio::test]
async fn a_module_reads_path_parameters_in_either_form() {
    init_logs();
    require_broker().await;
    let name = unique("echo");
    let server = Server::builder(url())
        .module(EchoServer::new(Echoes))
        .name(&name)
        .description("echo/0.1")
        .build()
        .await
        .unwrap();
    let server = server.spawn();
    let queue = omcp::queue_name(&name);
    let peer = Peer::connect().await;
    let get = |resource: &str| format!("GET {resource} OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:test-java/0.1\n");

    // As the original client sends it, and percent-encoded: the same value.
    let echoed = format!(
        "OMCP/0.1 200 OK\ndate:{DATE}\nmodule:echo/0.1\ncontent-length:8\ncontent-type:application/json\n\n\
         \"caf\u{e9}:1\"\n"
    );
    assert_eq!(dated_now(&peer.call(&queue, &get("/echo/caf\u{e9}:1")).await), echoed);
    assert_eq!(dated_now(&peer.call(&queue, &get("/echo/caf%C3%A9%3A1")).await), echoed);
    // What cannot travel as it is arrives escaped, and is decoded.
    assert_eq!(
        dated_now(&peer.call(&queue, &get("/echo/a%2Fb%3Fc%25d%20e")).await),
        format!(
            "OMCP/0.1 200 OK\ndate:{DATE}\nmodule:echo/0.1\ncontent-length:11\ncontent-type:application/json\n\n\
             \"a/b?c%d e\"\n"
        )
    );
    // A `%` that starts no escape is refused, not guessed at.
    assert_eq!(
        dated_now(&peer.call(&queue, &get("/echo/100%")).await),
        format!(
            "OMCP/0.1 400 BAD REQUEST\ndate:{DATE}\nmodule:echo/0.1\n\
             error:invalid percent-encoding in path segment `100%`\n"
        )
    );

    peer.close().await;
    server.shutdown().await;
    delete(&[&queue], &[]).await;
}

#[tokio::test]
async fn clients_send_path_parameters_as_the_original_does() {
    init_logs();
    require_broker().await;
    let name = unique("java-echo");
    let queue = omcp::queue_name(&name);
    let peer = Peer::connect().await;
    let mut requests = peer.serve(&queue).await;
    let client = Client::builder(url()).source("rust-peer").connect().await.unwrap();
    let head = |resource: &str| format!("GET {resource} OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:rust-peer\n");

    // The typed client: each value as it is, but for `/`, `?`, `%` and white space. The
    // module of the original, which never decodes, answers what it received.
    for (value, resource) in [("caf\u{e9}:1", "/echo/caf\u{e9}:1"), ("a/b?c%d e", "/echo/a%2Fb%3Fc%25d%20e")] {
        let call = tokio::spawn({
            let echo = EchoClient::with_module(&client, &name);
            async move { echo.echo(value).await }
        });
        let received = resource.strip_prefix("/echo/").unwrap();
        let ok = ok_packet("echo/0.1", "application/json", &format!("\"{received}\""));
        let packet = peer.answer(&mut requests, &ok).await;
        assert_eq!(dated_now(&packet), format!("{}content-type:application/json\n", head(resource)));
        assert_eq!(within(10, "the typed call", call).await.unwrap().unwrap(), received);
    }

    // The plain client decodes an address's escapes first, as the original does, except
    // those of what cannot travel as it is.
    for (address, resource) in [
        ("/echo/caf%C3%A9%3A1", "/echo/caf\u{e9}:1"),
        ("/echo/caf\u{e9}:1", "/echo/caf\u{e9}:1"),
        ("/echo/a%2fb%3Fc%25d%20e?q=%26", "/echo/a%2Fb%3Fc%25d%20e?q=%26"),
    ] {
        let call = tokio::spawn({
            let (client, address) = (client.clone(), format!("omcp://{name}{address}"));
            async move { client.get(&address).await }
        });
        let packet = peer.answer(&mut requests, &ok_packet("echo/0.1", "text/plain", "ok")).await;
        assert_eq!(dated_now(&packet), head(resource), "{address}");
        assert_eq!(within(10, "the call", call).await.unwrap().unwrap().body, "ok");
    }

    client.close().await;
    peer.close().await;
    delete(&[&queue], &[]).await;
}
