//! One request line on the daemon's query socket: never a panic, and a request it accepts travels the
//! socket unchanged (what the CLI sends for it is read as the same request).
#![no_main]

use libfuzzer_sys::fuzz_target;
use presswatch::daemon::socket::parse_request;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_request(data) {
        let sent = serde_json::to_vec(&request).unwrap();
        let again = parse_request(&sent).unwrap();
        assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&request).unwrap());
    }
});
