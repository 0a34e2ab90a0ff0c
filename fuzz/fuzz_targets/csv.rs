#![no_main]
// See gridmap::import::fuzz_entry::csv.
libfuzzer_sys::fuzz_target!(|data: &[u8]| gridmap::import::fuzz_entry::csv(data));
