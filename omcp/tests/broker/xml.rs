//! XML bodies: the original's serializer (XStream) reads and writes XML when asked to;
//! this implementation reads and writes JSON only, and says so on the wire (a deliberate
//! difference, see the crate documentation).

use omcp::{Client, Created, OmcpError, Server, TypedCallError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::peer::{dated_now, ok_packet, Peer, DATE};
use crate::support::{delete, init_logs, require_broker, unique, url, within};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    pub text: String,
}

#[omcp::module(name = "notes", crate = "omcp")]
pub trait Notes {
    #[get("/notes/{id}")]
    async fn note(&self, id: u32) -> Result<Note, OmcpError>;
    #[post("/notes")]
    async fn create(&self, body: Note) -> Result<Created, OmcpError>;
}

struct Notebook;

impl Notes for Notebook {
    async fn note(&self, id: u32) -> Result<Note, OmcpError> {
        Ok(Note { text: format!("note {id}") })
    }

    async fn create(&self, _: Note) -> Result<Created, OmcpError> {
        Ok(Created::at("/notes/1"))
    }
}

/// What XStream writes for a `com.example.Note` (the root element is the Java class).
const XSTREAM_NOTE: &str = "<com.example.Note>\n  <text>hello</text>\n</com.example.Note>";

#[tokio::test]
async fn a_module_refuses_xml_bodies_and_answers_json() {
    init_logs();
    require_broker().await;
    let name = unique("notes");
    let server =
        Server::builder(url()).module(NotesServer::new(Notebook)).name(&name).description("notes/0.1").build().await;
    let server = server.unwrap().spawn();
    let queue = omcp::queue_name(&name);
    let peer = Peer::connect().await;
    let head = |method: &str, resource: &str| {
        format!("{method} {resource} OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:test-java/0.1\n")
    };

    // An XML body: 400, and the error says why.
    let length = XSTREAM_NOTE.encode_utf16().count();
    let post =
        format!("{}content-length:{length}\ncontent-type:application/xml\n\n{XSTREAM_NOTE}\n", head("POST", "/notes"));
    assert_eq!(
        dated_now(&peer.call(&queue, &post).await),
        format!(
            "OMCP/0.1 400 BAD REQUEST\ndate:{DATE}\nmodule:notes/0.1\nerror:invalid body: XML bodies are not supported \
             (content-type `application/xml`): this implementation of OMCP reads and writes JSON (`application/json`)\n"
        )
    );
    // The same note as JSON is taken.
    let post = format!(
        "{}content-length:16\ncontent-type:application/json\n\n{{\"text\":\"hello\"}}\n",
        head("POST", "/notes")
    );
    assert_eq!(
        dated_now(&peer.call(&queue, &post).await),
        format!("OMCP/0.1 201 CREATED\ndate:{DATE}\nmodule:notes/0.1\nlocation:omcp://{name}/notes/1\n")
    );
    // A GET asking for XML is answered JSON, and its content-type says so.
    let get = format!("{}content-type:application/xml\n", head("GET", "/notes/7"));
    assert_eq!(
        dated_now(&peer.call(&queue, &get).await),
        format!(
            "OMCP/0.1 200 OK\ndate:{DATE}\nmodule:notes/0.1\ncontent-length:17\ncontent-type:application/json\n\n\
             {{\"text\":\"note 7\"}}\n"
        )
    );

    peer.close().await;
    server.shutdown().await;
    delete(&[&queue], &[]).await;
}

#[tokio::test]
async fn a_typed_call_refuses_an_xml_answer() {
    init_logs();
    require_broker().await;
    let name = unique("java-notes");
    let queue = omcp::queue_name(&name);
    let peer = Peer::connect().await;
    let mut requests = peer.serve(&queue).await;
    let client = Client::builder(url()).source("rust-peer").connect().await.unwrap();

    let call = tokio::spawn({
        let notes = NotesClient::with_module(&client, &name);
        async move { notes.note(7).await }
    });
    // A module of the original that answers XML all the same.
    let xml = ok_packet("java-notes/0.1", "application/xml", XSTREAM_NOTE);
    let packet = peer.answer(&mut requests, &xml).await;
    assert_eq!(
        dated_now(&packet),
        format!("GET /notes/7 OMCP/0.1\ndate:{DATE}\nmodule:{name}\nsource:rust-peer\ncontent-type:application/json\n")
    );
    let error = within(10, "the typed call", call).await.unwrap().unwrap_err();
    assert!(matches!(error, TypedCallError::Decode(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "unexpected response body: XML bodies are not supported (content-type `application/xml`): this \
         implementation of OMCP reads and writes JSON (`application/json`)"
    );

    client.close().await;
    peer.close().await;
    delete(&[&queue], &[]).await;
}
