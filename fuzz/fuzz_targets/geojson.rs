#![no_main]
// See gridmap::import::fuzz_entry::geojson.
libfuzzer_sys::fuzz_target!(|data: &[u8]| gridmap::import::fuzz_entry::geojson(data));
