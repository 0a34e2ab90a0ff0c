#![no_main]
// See gridmap::import::fuzz_entry::dxf.
libfuzzer_sys::fuzz_target!(|data: &[u8]| gridmap::import::fuzz_entry::dxf(data));
