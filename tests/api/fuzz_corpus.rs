//! Every input of the fuzz corpus (`fuzz/corpus/TARGET/`) and every input the fuzzer ever found a fault with
//! (`fuzz/regressions/TARGET/`), read again by the entry point its target calls. The corpus is what coverage-guided
//! fuzzing kept (`scripts/fuzz.sh`); replaying it on every run keeps each path it reached free of panics without
//! a fuzzing toolchain.

use std::path::Path;

use gridmap::import::fuzz_entry;

/// A fuzz target's name (its folder under fuzz/corpus/) and the entry point it calls.
type Target = (&'static str, fn(&[u8]));

const TARGETS: &[Target] = &[
    ("geojson", fuzz_entry::geojson),
    ("prj", fuzz_entry::prj),
    ("csv", fuzz_entry::csv),
    ("kml", fuzz_entry::kml),
    ("zipped", fuzz_entry::zipped),
    ("dxf", fuzz_entry::dxf),
];

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_is_read_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (target, entry) in TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(target));
        assert!(!corpus.is_empty(), "fuzz/corpus/{target} holds no seed");
        for path in corpus.iter().chain(&inputs(&fuzz.join("regressions").join(target))) {
            let data = std::fs::read(path).unwrap();
            let run = std::panic::catch_unwind(|| entry(&data));
            assert!(run.is_ok(), "{target}: {} panicked", path.display());
        }
    }
}
