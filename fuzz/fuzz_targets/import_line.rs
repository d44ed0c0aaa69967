//! One line of an export, as `import` reads it: never a panic, and a record that import accepts is
//! exported as a line that imports as the same record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use presswatch::store::Record;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    if let Ok(Some(record)) = Record::parse_line(line, 1) {
        let again = serde_json::to_string(&record).unwrap();
        assert_eq!(Record::parse_line(&again, 1).unwrap(), Some(record), "{again}");
    }
});
