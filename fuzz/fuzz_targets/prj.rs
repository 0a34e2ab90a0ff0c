#![no_main]
// See gridmap::import::fuzz_entry::prj.
libfuzzer_sys::fuzz_target!(|data: &[u8]| gridmap::import::fuzz_entry::prj(data));
