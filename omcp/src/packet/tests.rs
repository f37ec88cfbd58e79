//! Every packet shape, written and read back, and the packets of the original implementation.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::address::Address;

/// The date of the original's test packets.
fn date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2014, 7, 24, 15, 40, 3).unwrap()
}

const DATE: &str = "Thu, 24 Jul 2014 15:40:03 GMT";

fn request(method: Method, resource: &str) -> Request {
    Request { date: date(), ..Request::new(method, "sensornet", resource) }.source("dashboard")
}

fn response(response: Response) -> Response {
    Response { date: Some(date()), ..response }.module("test-java/0.1")
}

fn round_trip_request(request: &Request) {
    let text = request.encode();
    assert_eq!(&Request::decode(text.as_bytes()).unwrap(), request, "{text}");
    // The same packet with `\r\n` line ends reads the same (line breaks in the body too).
    let crlf = text.replace('\n', "\r\n");
    let expected = Request { body: request.body.replace('\n', "\r\n"), ..request.clone() };
    assert_eq!(Request::decode(crlf.as_bytes()).unwrap(), expected, "{crlf}");
}

fn round_trip_response(response: &Response) {
    let text = response.encode();
    assert_eq!(&Response::decode(text.as_bytes()).unwrap(), response, "{text}");
    let crlf = text.replace('\n', "\r\n");
    let expected = Response { body: response.body.replace('\n', "\r\n"), ..response.clone() };
    assert_eq!(Response::decode(crlf.as_bytes()).unwrap(), expected, "{crlf}");
}

#[test]
fn get_ends_after_the_headers() {
    let get = Request { content_type: Some(JSON.into()), ..request(Method::Get, "/sensors/3?unit=celsius") };
    assert_eq!(
        get.encode(),
        format!("GET /sensors/3?unit=celsius OMCP/0.1\ndate:{DATE}\nmodule:sensornet\nsource:dashboard\ncontent-type:application/json\n")
    );
    assert_eq!((get.path(), get.query()), ("/sensors/3", Some("unit=celsius")));
    round_trip_request(&get);
}

#[test]
fn delete_ends_after_the_headers() {
    let delete = request(Method::Delete, "/sensors/3");
    assert_eq!(
        delete.encode(),
        format!("DELETE /sensors/3 OMCP/0.1\ndate:{DATE}\nmodule:sensornet\nsource:dashboard\n")
    );
    assert_eq!(delete.query(), None);
    round_trip_request(&delete);
}

#[test]
fn post_put_and_notify_carry_a_body() {
    for method in [Method::Post, Method::Put, Method::Notify] {
        let packet = request(method, "/sensors").body("application/json", r#"{"name":"t1"}"#);
        assert_eq!(
            packet.encode(),
            format!(
                "{method} /sensors OMCP/0.1\ndate:{DATE}\nmodule:sensornet\nsource:dashboard\n\
                 content-length:13\ncontent-type:application/json\n\n{{\"name\":\"t1\"}}\n"
            )
        );
        round_trip_request(&packet);
    }
}

#[test]
fn an_empty_body_is_still_a_body() {
    let post = request(Method::Post, "/sensors");
    assert_eq!(
        post.encode(),
        format!("POST /sensors OMCP/0.1\ndate:{DATE}\nmodule:sensornet\nsource:dashboard\ncontent-length:0\n\n\n")
    );
    round_trip_request(&post);
}

#[test]
fn multi_line_bodies_and_utf16_lengths() {
    // 😀 is two UTF-16 units, é one: Java's String.length() counts 2 + 1 + 1 (the line break) + 1.
    let post = request(Method::Post, "/notes").body("text/plain", "😀é\nx");
    assert_eq!(post.content_length(), 5);
    assert!(post.encode().contains("content-length:5\n"));
    round_trip_request(&post);
    for body in ["two\n\nparagraphs", "ends with a line break\n", "\n", "windows\r\nline", "ends with cr\r"] {
        round_trip_request(&request(Method::Put, "/notes").body("text/plain", body));
    }
}

#[test]
fn requests_with_other_headers() {
    let packet = request(Method::Post, "/x").body("text/plain", "b").header("X-Trace", "abc");
    assert!(packet.encode().ends_with("content-type:text/plain\nx-trace:abc\n\nb\n"));
    assert_eq!(packet.header_value("x-trace"), Some("abc"));
    round_trip_request(&packet);
}

#[test]
fn the_originals_200() {
    let ok = response(Response::ok("text/plain", "request ok!"));
    let expected = format!(
        "OMCP/0.1 200 OK\ndate:{DATE}\nmodule:test-java/0.1\ncontent-length:11\ncontent-type:text/plain\n\nrequest ok!\n"
    );
    assert_eq!(ok.encode(), expected);
    assert_eq!(Response::decode(expected.as_bytes()).unwrap(), ok);
    round_trip_response(&ok);
}

#[test]
fn the_originals_201() {
    let created = response(Response::created("omcp://test-module/sensors/3"));
    let expected =
        format!("OMCP/0.1 201 CREATED\ndate:{DATE}\nmodule:test-java/0.1\nlocation:omcp://test-module/sensors/3\n");
    assert_eq!(created.encode(), expected);
    assert_eq!(Response::decode(expected.as_bytes()).unwrap(), created);
    round_trip_response(&created);
}

#[test]
fn the_originals_501() {
    let not_implemented = response(Response::error(StatusCode::NotImplemented, "error"));
    let expected = format!("OMCP/0.1 501 NOT IMPLEMENTED\ndate:{DATE}\nmodule:test-java/0.1\nerror:error\n");
    assert_eq!(not_implemented.encode(), expected);
    assert_eq!(Response::decode(expected.as_bytes()).unwrap(), not_implemented);
    round_trip_response(&not_implemented);
}

#[test]
fn every_status_line() {
    let lines = [
        "OMCP/0.1 200 OK",
        "OMCP/0.1 201 CREATED",
        "OMCP/0.1 400 BAD REQUEST",
        "OMCP/0.1 403 FORBIDDEN",
        "OMCP/0.1 404 NOT FOUND",
        "OMCP/0.1 405 METHOD NOT ALLOWED",
        "OMCP/0.1 408 REQUEST TIMEOUT",
        "OMCP/0.1 500 INTERNAL SERVER ERROR",
        "OMCP/0.1 501 NOT IMPLEMENTED",
    ];
    for (status, line) in StatusCode::ALL.into_iter().zip(lines) {
        let packet = if status == StatusCode::Ok {
            response(Response::ok_empty())
        } else if status == StatusCode::Created {
            response(Response::created("omcp://m/x"))
        } else {
            response(Response::error(status, format!("{} happened", status.text().to_lowercase())))
        };
        let text = packet.encode();
        assert_eq!(text.lines().next(), Some(line));
        assert_eq!(StatusCode::from_code(status.code()), Some(status));
        if !status.is_success() {
            assert!(text.ends_with(&format!("error:{} happened\n", status.text().to_lowercase())), "{text}");
            assert!(!text.contains("content-length"), "{text}");
        }
        round_trip_response(&packet);
    }
    assert_eq!(StatusCode::from_code(302), None);
    assert_eq!(StatusCode::MethodNotAllowed.to_string(), "405 METHOD NOT ALLOWED");
}

#[test]
fn an_empty_200() {
    let ok = response(Response::ok_empty());
    assert_eq!(
        ok.encode(),
        format!("OMCP/0.1 200 OK\ndate:{DATE}\nmodule:test-java/0.1\ncontent-length:0\ncontent-type:text/plain\n\n\n")
    );
    round_trip_response(&ok);
}

#[test]
fn json_bodies() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sensor {
        id: u32,
    }
    let ok = Response::ok_json(&Sensor { id: 3 }).unwrap();
    assert_eq!((ok.content_type.as_deref(), ok.body.as_str()), (Some(JSON), r#"{"id":3}"#));
    assert_eq!(ok.decode_body::<Sensor>().unwrap(), Sensor { id: 3 });
    let post = Request::new(Method::Post, "m", "/s").json(&Sensor { id: 4 }).unwrap();
    assert_eq!(post.decode_body::<Sensor>().unwrap(), Sensor { id: 4 });
    // Plain text reads as a JSON string, other types only as JSON.
    assert_eq!(Response::ok(TEXT, "request ok!").decode_body::<String>().unwrap(), "request ok!");
    assert_eq!(Response::ok("text/plain; charset=utf-8", "42").decode_body::<u32>().unwrap(), 42);
    assert!(Response::ok(JSON, "request ok!").decode_body::<String>().is_err());
}

#[test]
fn xml_bodies_are_refused_as_such() {
    let xstream = "<com.example.Sensor>\n  <id>3</id>\n</com.example.Sensor>";
    for content_type in ["application/xml", "text/xml; charset=UTF-8", "Application/Atom+XML"] {
        let error = Response::ok(content_type, xstream).decode_body::<serde_json::Value>().unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "XML bodies are not supported (content-type `{content_type}`): this implementation of OMCP reads and \
                 writes JSON (`application/json`)"
            )
        );
        let post = Request::new(Method::Post, "m", "/s").body(content_type, xstream);
        assert_eq!(post.decode_body::<serde_json::Value>().unwrap_err().to_string(), error.to_string());
    }
    // Other types are read as before.
    assert_eq!(Response::ok("application/xmlish", "3").decode_body::<u32>().unwrap(), 3);
    assert_eq!(Response::ok(TEXT, "<a/>").decode_body::<String>().unwrap(), "<a/>");
}

#[test]
fn reading_tolerates_the_quirks_of_peers() {
    // Headers in any order and case, a space after the colon, a wrong content-length,
    // several lines of body, `\r\n`.
    let text = "POST /samples OMCP/0.1\r\nContent-Type: text/plain\r\nMODULE:sensornet\r\n\
                content-length:1\r\ndate: Thu, 24 Jul 2014 15:40:03 GMT\r\n\r\nline one\r\nline two\r\n";
    let packet = Request::decode(text.as_bytes()).unwrap();
    assert_eq!(packet.method, Method::Post);
    assert_eq!(packet.module, "sensornet");
    assert_eq!(packet.source, None);
    assert_eq!(packet.content_type.as_deref(), Some("text/plain"));
    assert_eq!(packet.date, date());
    assert_eq!(packet.body, "line one\r\nline two");

    // The original's own test packet: no source, content-length before content-type,
    // the body followed by a line break.
    let original = "NOTIFY /sources OMCP/0.1\ndate:Thu, 24 Jul 2014 15:40:03 GMT\nmodule:sensornet\n\
                    content-length:0\ncontent-type:text/plain\n\nmessage\n";
    let packet = Request::decode(original.as_bytes()).unwrap();
    assert_eq!((packet.method, packet.body.as_str()), (Method::Notify, "message"));

    // Its packet without content ends with empty lines.
    let no_content = "GET /sources OMCP/0.1\ndate:Thu, 24 Jul 2014 15:40:03 GMT\nmodule:sensornet\n\n\n";
    assert_eq!(Request::decode(no_content.as_bytes()).unwrap().body, "");

    // A lowercase method, a body without final line break, an unknown header kept.
    let lax = "put /x OMCP/0.1\ndate:Thu, 24 Jul 2014 15:40:03 GMT\nmodule:m\nx-extra:1\n\nbody";
    let packet = Request::decode(lax.as_bytes()).unwrap();
    assert_eq!((packet.method, packet.body.as_str()), (Method::Put, "body"));
    assert_eq!(packet.headers, [("x-extra".to_owned(), "1".to_owned())]);

    // A response with only its status line; status text in any form.
    let bare = Response::decode(b"OMCP/0.1 404 NOT_FOUND").unwrap();
    assert_eq!((bare.status, bare.date, bare.module), (StatusCode::NotFound, None, None));
    assert_eq!(Response::decode(b"OMCP/0.1 200").unwrap().status, StatusCode::Ok);
}

#[test]
fn duplicate_headers_keep_the_first() {
    let text = "GET /x OMCP/0.1\ndate:Thu, 24 Jul 2014 15:40:03 GMT\nmodule:a\nmodule:b\n";
    let packet = Request::decode(text.as_bytes()).unwrap();
    assert_eq!(packet.module, "a");
    assert!(packet.headers.is_empty());
}

#[test]
fn header_values_cannot_break_lines() {
    let packet = response(Response::error(StatusCode::InternalServerError, "line one\nline two\r\nthree"));
    let text = packet.encode();
    assert!(text.ends_with("error:line one line two three\n"), "{text}");
    assert_eq!(Response::decode(text.as_bytes()).unwrap().error.as_deref(), Some("line one line two three"));
}

#[test]
fn packets_of_either_kind() {
    let get = request(Method::Get, "/x");
    assert_eq!(Packet::decode(get.encode().as_bytes()).unwrap(), Packet::Request(get.clone()));
    let ok = response(Response::ok_empty());
    assert_eq!(Packet::decode(ok.encode().as_bytes()).unwrap(), Packet::Response(ok.clone()));
    assert_eq!(Packet::Response(ok.clone()).encode(), ok.encode());
    assert_eq!(Request::decode(ok.encode().as_bytes()), Err(ParseError::NotARequest));
    assert_eq!(Response::decode(get.encode().as_bytes()), Err(ParseError::NotAResponse));
}

#[test]
fn errors() {
    let date = format!("date:{DATE}\n");
    let cases: Vec<(Vec<u8>, ParseError)> = vec![
        (b"\xff\xfe".to_vec(), ParseError::NotUtf8(0)),
        (b"".to_vec(), ParseError::Empty),
        (b" \n\n".to_vec(), ParseError::Empty),
        (b"GET /x".to_vec(), ParseError::InvalidStartLine("GET /x".into())),
        (b"GET /x OMCP/0.1 extra".to_vec(), ParseError::InvalidStartLine("GET /x OMCP/0.1 extra".into())),
        (b"GET /x HTTP/1.1".to_vec(), ParseError::UnsupportedVersion("HTTP/1.1".into())),
        (b"OMCP/0.2 200 OK".to_vec(), ParseError::UnsupportedVersion("OMCP/0.2".into())),
        (b"PATCH /x OMCP/0.1".to_vec(), ParseError::UnknownMethod("PATCH".into())),
        (b"OMCP/0.1 302 FOUND".to_vec(), ParseError::UnknownStatus("302".into())),
        (b"OMCP/0.1 OK".to_vec(), ParseError::UnknownStatus("OK".into())),
        (b"GET x OMCP/0.1".to_vec(), ParseError::InvalidResource("x".into())),
        (
            format!("GET /x OMCP/0.1\n{date}module sensornet\n").into_bytes(),
            ParseError::InvalidHeader("module sensornet".into()),
        ),
        (format!("GET /x OMCP/0.1\n{date}:value\n").into_bytes(), ParseError::InvalidHeader(":value".into())),
        (b"GET /x OMCP/0.1\nmodule:m\n".to_vec(), ParseError::MissingHeader("date")),
        (format!("GET /x OMCP/0.1\n{date}").into_bytes(), ParseError::MissingHeader("module")),
        (b"GET /x OMCP/0.1\ndate:yesterday\nmodule:m\n".to_vec(), ParseError::InvalidDate("yesterday".into())),
        (
            format!("POST /x OMCP/0.1\n{date}module:m\ncontent-length:-1\n\nx\n").into_bytes(),
            ParseError::InvalidContentLength("-1".into()),
        ),
        (b"OMCP/0.1 200 OK\ndate:never\n".to_vec(), ParseError::InvalidDate("never".into())),
    ];
    for (bytes, expected) in cases {
        assert_eq!(Packet::decode(&bytes), Err(expected), "{}", String::from_utf8_lossy(&bytes));
    }
    assert_eq!(ParseError::MissingHeader("date").to_string(), "missing header `date`", "messages name what is wrong");
}

#[test]
fn never_panics_on_arbitrary_input() {
    // Every prefix and every single-byte corruption of valid packets.
    let packets = [
        request(Method::Post, "/sensors").body("text/plain", "a\nb😀").encode(),
        response(Response::ok("text/plain", "request ok!")).encode(),
        response(Response::created("omcp://m/x")).encode(),
    ];
    for packet in packets {
        let bytes = packet.as_bytes();
        for end in 0..=bytes.len() {
            let _ = Packet::decode(&bytes[..end]);
        }
        for index in 0..bytes.len() {
            for replacement in [b'\n', b'\r', b':', b' ', 0xff, b'0'] {
                let mut corrupted = bytes.to_vec();
                corrupted[index] = replacement;
                let _ = Packet::decode(&corrupted);
            }
        }
    }
}

#[test]
fn methods() {
    for method in Method::ALL {
        assert_eq!(method.as_str().parse::<Method>().unwrap(), method);
        assert_eq!(method.as_str().to_lowercase().parse::<Method>().unwrap(), method);
        assert_eq!(method.is_answered(), method != Method::Notify);
    }
    assert!(Method::Post.has_body() && Method::Put.has_body() && Method::Notify.has_body());
    assert!(!Method::Get.has_body() && !Method::Delete.has_body());
}

#[test]
fn requests_to_addresses() {
    let address = Address::parse("omcp://average.function/values?last=10").unwrap();
    let get = Request::to(Method::Get, &address);
    assert_eq!((get.module.as_str(), get.resource.as_str()), ("average.function", "/values?last=10"));
}
