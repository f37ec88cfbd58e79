//! The decoder never panics, and what it writes back it reads as the same message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use osmp_runtime::wire::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(message) = Message::decode(text) {
        let written = message.to_json();
        let again = Message::decode(&written).expect("what is written reads back");
        assert_eq!(again, message, "round trip of {text}");
    }
});
